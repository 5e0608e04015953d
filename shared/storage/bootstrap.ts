import type { CosmosClient, IndexingPolicy } from '@azure/cosmos';
import type { Config } from '../config';
import indexingPolicy from './indexingPolicy.json';

/** The partition key of both containers: the canonical (lower-case object id) user id. */
export const PARTITION_KEY_PATH = '/userId';

/**
 * Creates the database and containers if missing. For local emulators only: in Azure they are
 * created by infra/ (the app's identity has data-plane rights only), from the same indexing policy.
 */
export async function ensureStorage(client: CosmosClient, cosmos: Config['cosmos']): Promise<void> {
  const { database } = await client.databases.createIfNotExists({ id: cosmos.database });
  for (const id of [cosmos.phoneMethodsContainer, cosmos.profilePhonesContainer]) {
    await database.containers.createIfNotExists({
      id,
      partitionKey: { paths: [PARTITION_KEY_PATH] },
      indexingPolicy: indexingPolicy as IndexingPolicy,
    });
  }
}
