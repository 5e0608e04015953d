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
type UserContainer = keyof typeof ITEM_FIELDS;

/** The users whose items this test file read back, per container: checked by `checkOneDocumentPerUser`. */
const readBack: Record<UserContainer, Set<string>> = { phoneMethods: new Set(), profilePhones: new Set() };

/**
 * Every item stored for one user in a container (the resources as answered), read straight from the
 * user's document (id = user id) with a point read. That the user has no other document there is
 * checked for every user read back, once at the end of the file (`checkOneDocumentPerUser`): the test
 * server answers a query by scanning the whole container, a cost that grows with the square of the
 * documents the run has written, while a point read costs the same whatever their number.
 */
export async function storedItems(name: UserContainer, userId: string): Promise<StoredItem[]> {
  readBack[name].add(userId);
  try {
    const { resource } = await testContainer(name).item(userId, userId).read<Record<string, unknown>>();
    return (resource?.[ITEM_FIELDS[name]] as StoredItem[] | undefined) ?? [];
  } catch (error) {
    if ((error as { code?: unknown }).code === 404) return [];
    throw error;
  }
}

/**
 * Fails unless each user this file read back has, in each container, no document but the one whose
 * id is the user's id: one query per container for the documents whose id is not their user's.
 */
export async function checkOneDocumentPerUser(): Promise<void> {
  for (const name of Object.keys(readBack) as UserContainer[]) {
    if (readBack[name].size === 0) continue;
    const { resources } = await testContainer(name)
      .items.query<{ id: string; userId: string }>('SELECT c.id, c.userId FROM c WHERE c.id != c.userId')
      .fetchAll();
    const others = resources.filter((document) => readBack[name].has(document.userId));
    readBack[name].clear();
    if (others.length > 0) {
      throw new Error(
        `expected only the user's own document in ${name}, found others: ${others.map((document) => `${document.id} (user ${document.userId})`).join(', ')}`,
      );
    }
  }
}

export function disposeTestClient(): void {
  client?.dispose();
  client = undefined;
}
