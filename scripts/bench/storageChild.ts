import type { AddressInfo } from 'node:net';
import cosmosServer from '@vercel/cosmosdb-server';

/**
 * The benchmark's storage: the in-memory Cosmos-compatible server the local server embeds, but in a
 * process of its own, as Cosmos DB is a service of its own in Azure: its CPU, heap and garbage
 * collection stay out of the measured process. Prints `{"port":n}` once listening; exits when its
 * parent closes stdin (or dies).
 */
// Keep-alive, as Cosmos DB's gateway and the SDK's agent keep their connections: without it every
// storage call would pay a TLS handshake, which is the local server's embedded storage, not Azure's.
const server = cosmosServer({ keepAlive: true });
// Idle connections stay open until the client closes them. Node closes them after 5 s by default,
// and a request that reuses one as it is being closed fails with ECONNRESET ("socket hang up"); the
// benchmark has idle gaps longer than that (cold start, import times).
server.keepAliveTimeout = 0;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
