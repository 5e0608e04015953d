import type { Server } from 'node:https';
import { closeServer, type JwksServer } from './jwksServer';

export default async function globalTeardown(): Promise<void> {
  const servers = (globalThis as Record<string, unknown>).__graphPhonesTestServers as
    { cosmos: Server; jwks: JwksServer } | undefined;
  if (!servers) return;
  await servers.jwks.close();
  await closeServer(servers.cosmos);
}
