import type { AddressInfo } from 'node:net';
import { keepAliveCosmosServer } from '../local/cosmos';

/**
 * The benchmark's storage: the in-memory Cosmos-compatible server the local server embeds, but in a
 * process of its own, as Cosmos DB is a service of its own in Azure: its CPU, heap and garbage
 * collection stay out of the measured process. Prints `{"port":n}` once listening; exits when its
 * parent closes stdin (or dies).
 */
// Keep-alive with idle connections kept open: the benchmark has idle gaps (cold start, import times).
const server = keepAliveCosmosServer();
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
