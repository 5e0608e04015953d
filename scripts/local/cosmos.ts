import { connect } from 'node:net';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import cosmosServer from '@vercel/cosmosdb-server';
import { StartupError } from './startupError';

/** Storage for the local server: the embedded Cosmos-compatible server, or a check that a configured one answers. */

/** The embedded Cosmos-compatible server accepts any key; this one only has to be present. */
const EMBEDDED_COSMOS_KEY = 'bG9jYWwtZW1iZWRkZWQtY29zbW9zLWtleQ==';

/**
 * The in-memory Cosmos-compatible server, keeping its connections as Cosmos DB's gateway and the SDK's
 * agent do: the package's default answers every request with `Connection: close`, so every storage call
 * paid a TLS handshake on both sides. Idle connections stay open until the client closes them: Node
 * closes them after 5 s by default, and a request that reuses one as it is being closed fails with
 * ECONNRESET ("socket hang up").
 */
export function keepAliveCosmosServer(): HttpsServer {
  const server = cosmosServer({ keepAlive: true });
  server.keepAliveTimeout = 0;
  return server;
}

/** Starts the in-memory server on a free loopback port and points COSMOS_ENDPOINT/COSMOS_KEY at it. */
export async function startEmbeddedCosmos(): Promise<HttpsServer> {
  const server = keepAliveCosmosServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  process.env.COSMOS_ENDPOINT = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.COSMOS_KEY = EMBEDDED_COSMOS_KEY;
  return server;
}

/**
 * Fails fast, in one line, when the configured Cosmos endpoint does not accept a connection (a copied
 * local.settings.json names the emulator at https://localhost:8081 even when none runs). `source`
 * says where COSMOS_ENDPOINT came from, so the message can say what to change.
 */
export async function assertCosmosAnswers(
  endpoint: string,
  source: 'local.settings.json' | 'environment',
  timeoutMs = 3000,
): Promise<void> {
  const url = new URL(endpoint);
  const port = Number(url.port || (url.protocol === 'http:' ? 80 : 443));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const problem = await new Promise<string | undefined>((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(`no answer within ${timeoutMs / 1000} s`);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
  if (problem === undefined) return;
  const fix =
    source === 'local.settings.json'
      ? 'start the emulator or remove COSMOS_ENDPOINT (and COSMOS_KEY) from local.settings.json for the embedded server'
      : 'start the emulator (or check the account and network) or unset COSMOS_ENDPOINT for the embedded server';
  throw new StartupError(`${source} selects Cosmos at ${url.origin}, which does not answer (${problem}): ${fix}.`);
}
