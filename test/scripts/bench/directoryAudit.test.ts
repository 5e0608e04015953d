import { randomUUID } from 'node:crypto';
import { DirectoryAudit } from '../../../scripts/bench/directoryAudit';
import { avoidableDirectoryCalls } from '../../../scripts/bench/report';
import { DirectoryCache } from '../../../shared/users/directoryCache';
import { directoryCredential } from '../../../shared/users/directoryToken';
import { GraphDirectory } from '../../../shared/users/graphDirectory';
import { TEST_MANAGED_IDENTITY_CLIENT_ID } from '../../support/constants';
import { startStandInDirectory, type StandInDirectory } from '../../support/standInDirectory';
import { ownManagedIdentity } from '../../support/standInManagedIdentity';

/**
 * The benchmark's account of directory calls (scripts/bench/directoryAudit.ts), over the real cache
 * and Graph client against the stand-in directory: calls counted at the stand-in, time a hand-moved
 * clock.
 */

ownManagedIdentity();

const MAX_FOUND = 5;
let stand: StandInDirectory;
let graph: GraphDirectory;
const clock = { now: Date.now() };

beforeEach(async () => {
  stand = await startStandInDirectory({ everyObjectIdExists: true });
  graph = new GraphDirectory({
    endpoint: stand.url,
    credential: directoryCredential(TEST_MANAGED_IDENTITY_CLIENT_ID),
  });
});
afterEach(async () => {
  graph.dispose();
  await stand.close();
});

const users = (count: number) => Array.from({ length: count }, () => randomUUID());
const cacheOf = () => new DirectoryCache(graph, { maxFound: MAX_FOUND, clock: () => clock.now });
const auditOf = () => new DirectoryAudit(stand.calls, MAX_FOUND, 300_000, () => clock.now);

test('a pool used again after the bound filled with newer users is asked again, and that call is put down to the bound', async () => {
  const cache = cacheOf();
  const audit = auditOf();
  const pool = users(2);
  await audit.resolve(cache, pool);
  audit.used(pool);
  await audit.resolve(cache, users(MAX_FOUND)); // one-time users, as a consuming fixture makes
  await audit.resolve(cache, pool);
  expect(stand.calls).toHaveLength(2 + MAX_FOUND + 2);
  expect(audit.afterBound).toBe(2);
  expect(audit.afterExpiry).toBe(0);
});

test('a pool still among the most recent users costs no call', async () => {
  const cache = cacheOf();
  const audit = auditOf();
  const pool = users(2);
  await audit.resolve(cache, pool);
  audit.used(pool);
  await audit.resolve(cache, users(MAX_FOUND - 2));
  await audit.resolve(cache, pool);
  expect(stand.calls).toHaveLength(MAX_FOUND);
  expect(audit.afterBound + audit.afterExpiry).toBe(0);
});

test('a call after the lifetime is put down to expiry', async () => {
  const cache = cacheOf();
  const audit = auditOf();
  const pool = users(2);
  await audit.resolve(cache, pool);
  clock.now += 300_000;
  await audit.resolve(cache, pool);
  expect(stand.calls).toHaveLength(4);
  expect(audit.afterExpiry).toBe(2);
  expect(audit.afterBound).toBe(0);
});

test('a repeated call the cache should have saved is put down to nothing', async () => {
  const audit = auditOf();
  const pool = users(2);
  await audit.resolve(cacheOf(), pool);
  audit.used(pool);
  await audit.resolve(cacheOf(), pool); // a cache that lost its entries (here: a second one)
  expect(stand.calls).toHaveLength(4);
  const counters = {
    keySetFetches: 1,
    cosmosClients: 1,
    cosmosRequests: 0,
    directoryCalls: stand.calls.length,
    directoryUsers: new Set(stand.calls.map((call) => call.key.toLowerCase())).size,
    directoryCallsAfterBound: audit.afterBound,
    directoryCallsAfterExpiry: audit.afterExpiry,
  };
  expect(avoidableDirectoryCalls(counters)).toBe(2);
});
