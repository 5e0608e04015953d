import type { CosmosClient, IndexingPolicy } from '@azure/cosmos';
import type { Config } from '../config';
import indexingPolicy from './indexingPolicy.json';

/** The partition key of the phone methods and profile phones containers: the canonical (lower-case object id) user id. */
const PARTITION_KEY_PATH = '/userId';

/** The partition key of the SMS sign-in numbers container: one document per number, id = the normalized number. */
const SMS_SIGN_IN_NUMBERS_PARTITION_KEY_PATH = '/id';

/**
 * Creates the database and containers if missing. For local emulators only: in Azure they are
 * created by infra/ (the app's identity has data-plane rights only), with the same partition keys and
 * from the same indexing policy file (infra/modules/cosmos.bicep loads it at compile time).
 */
export async function ensureStorage(client: CosmosClient, cosmos: Config['cosmos']): Promise<void> {
  const { database } = await client.databases.createIfNotExists({ id: cosmos.database });
  const containers: Array<[id: string, partitionKeyPath: string]> = [
    [cosmos.phoneMethodsContainer, PARTITION_KEY_PATH],
    [cosmos.profilePhonesContainer, PARTITION_KEY_PATH],
    [cosmos.smsSignInNumbersContainer, SMS_SIGN_IN_NUMBERS_PARTITION_KEY_PATH],
  ];
  for (const [id, partitionKeyPath] of containers) {
    await database.containers.createIfNotExists({
      id,
      partitionKey: { paths: [partitionKeyPath] },
      indexingPolicy: indexingPolicy as IndexingPolicy,
    });
  }
}
