import type { Server } from 'node:https';
import type { JwksServer } from './jwksServer';
import { closeServer } from './servers';
import type { StandInDirectory } from './standInDirectory';
import type { StandInManagedIdentity } from './standInManagedIdentity';

export default async function globalTeardown(): Promise<void> {
  const servers = (globalThis as Record<string, unknown>).__graphPhonesTestServers as
    { cosmos: Server; jwks: JwksServer; directory: StandInDirectory; identity: StandInManagedIdentity } | undefined;
  if (!servers) return;
  await servers.directory.close();
  await servers.identity.close();
  await servers.jwks.close();
  await closeServer(servers.cosmos);
}
