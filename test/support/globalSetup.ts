import type { AddressInfo } from 'node:net';
import { CosmosClient } from '@azure/cosmos';
import { keepAliveCosmosServer } from '../../scripts/local/cosmos';
import { parseConfig } from '../../shared/config';
import { createCosmosClient } from '../../shared/storage/cosmos';
import { ensureStorage } from '../../shared/storage/bootstrap';
import { startJwksServer } from './jwksServer';
import { newTestKey } from './keys';
import { TEST_AUDIENCE, TEST_MANAGED_IDENTITY_CLIENT_ID, TEST_TENANT_ID } from './constants';
import { startStandInDirectory } from './standInDirectory';
import { startStandInManagedIdentity } from './standInManagedIdentity';

/**
 * Starts, once for the whole run, a real Cosmos-compatible server, a JWKS server, a stand-in Microsoft
 * Graph directory and a stand-in managed identity endpoint on loopback, and points the service's
 * configuration at them. Test files read the signing key from the environment. In the shared directory
 * every object id is a user (the suites address users by fresh ids); user principal names are the ones
 * test tokens carry (test/support/tokens.ts registers them). Suites about the directory start their own.
 */
export default async function globalSetup(): Promise<void> {
  const cosmos = keepAliveCosmosServer();
  await new Promise<void>((resolve) => cosmos.listen(0, '127.0.0.1', resolve));
  const key = newTestKey('test-key-1');
  const jwks = await startJwksServer([key.publicJwk]);
  const directory = await startStandInDirectory({ everyObjectIdExists: true });
  const identity = await startStandInManagedIdentity();

  Object.assign(process.env, {
    AUTH_TENANT_ID: TEST_TENANT_ID,
    AUTH_AUDIENCE: `${TEST_AUDIENCE},11111111-2222-3333-4444-555555555555`,
    AUTH_JWKS_URI: jwks.url,
    COSMOS_ENDPOINT: `https://127.0.0.1:${(cosmos.address() as AddressInfo).port}`,
    COSMOS_KEY: 'local-emulator-key',
    DIRECTORY_ENDPOINT: directory.url,
    AZURE_CLIENT_ID: TEST_MANAGED_IDENTITY_CLIENT_ID,
    ...identity.env(),
    TEST_SIGNING_KEY_PEM: key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    TEST_SIGNING_KID: key.kid,
  });

  const config = parseConfig(process.env);
  const client: CosmosClient = createCosmosClient(config.cosmos);
  await ensureStorage(client, config.cosmos);
  client.dispose();

  (globalThis as Record<string, unknown>).__graphPhonesTestServers = { cosmos, jwks, directory, identity };
}
