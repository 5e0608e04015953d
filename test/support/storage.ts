import { Agent } from 'node:https';
import { CosmosClient, type Container } from '@azure/cosmos';

let client: CosmosClient | undefined;

/** The test's own client to the Cosmos-compatible server, to read back what the service stored. */
export function testContainer(name: 'phoneMethods' | 'profilePhones'): Container {
  client ??= new CosmosClient({
    endpoint: process.env.COSMOS_ENDPOINT!,
    key: process.env.COSMOS_KEY!,
    agent: new Agent({ rejectUnauthorized: false }),
  });
  return client.database('graph-phones').container(name);
}

/** Every document stored for one user in a container. */
export async function documentsOf(name: 'phoneMethods' | 'profilePhones', userId: string): Promise<Record<string, any>[]> {
  const { resources } = await testContainer(name)
    .items.query({ query: 'SELECT * FROM c WHERE c.userId = @userId', parameters: [{ name: '@userId', value: userId }] })
    .fetchAll();
  return resources;
}

export function disposeTestClient(): void {
  client?.dispose();
  client = undefined;
}
