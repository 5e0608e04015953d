import { Agent } from 'node:https';
import { CosmosClient, type Container } from '@azure/cosmos';
import type { GraphEntity } from './graphBody';

let client: CosmosClient | undefined;

/** The test's own client to the Cosmos-compatible server, to read back what the service stored. */
export function testContainer(name: 'phoneMethods' | 'profilePhones' | 'smsSignInNumbers'): Container {
  client ??= new CosmosClient({
    endpoint: process.env.COSMOS_ENDPOINT!,
    key: process.env.COSMOS_KEY!,
    agent: new Agent({ rejectUnauthorized: false, keepAlive: true }),
  });
  return client.database('graph-phones').container(name);
}

/** An item as stored in a user's document (the resource as answered, and whatever else storage keeps). */
export type StoredItem = GraphEntity & Record<string, unknown>;

/** The item list each container keeps in a user's document. */
const ITEM_FIELDS = { phoneMethods: 'methods', profilePhones: 'phones' } as const;

/**
 * Every item stored for one user in a container (the resources as answered), read straight from the
 * user's document; also checks that the user has no other document there.
 */
export async function storedItems(name: 'phoneMethods' | 'profilePhones', userId: string): Promise<StoredItem[]> {
  const { resources } = await testContainer(name)
    .items.query<Record<string, unknown> & { id: string }>({
      query: 'SELECT * FROM c WHERE c.userId = @userId',
      parameters: [{ name: '@userId', value: userId }],
    })
    .fetchAll();
  if (resources.length > 1 || (resources[0] && resources[0].id !== userId)) {
    throw new Error(`expected at most the one user document for ${userId} in ${name}, found ${resources.length}`);
  }
  return (resources[0]?.[ITEM_FIELDS[name]] as StoredItem[] | undefined) ?? [];
}

export function disposeTestClient(): void {
  client?.dispose();
  client = undefined;
}
