import type { Services } from '../../shared/services';
import type { DirectoryAudit } from './directoryAudit';
import { FIXTURES, prepareUsers } from './fixtures';
import type { LoadRequest } from './load';
import type { LoadRunner } from './loadChild';
import { failuresOf, resolveUsers } from './throughput';

/**
 * Memory of the measured process (service and storage-only server; storage has a process of its
 * own) after a warm-up and after a bounded soak, each after forced full collections, so retained
 * garbage does not read as a leak and a leak does. The soak uses operations that do not grow
 * storage (reads and PATCHes of the same phones), so nothing legitimately grows with it.
 */

interface MemoryPoint {
  rssBytes: number;
  heapUsedBytes: number;
}

export interface MemoryResult {
  warmupRequests: number;
  soakRequests: number;
  afterWarmup: MemoryPoint;
  afterSoak: MemoryPoint;
  /** heapUsed after the soak / after the warm-up. */
  heapGrowth: number;
  failures: number;
}

const SOAK_OPERATIONS = [
  'listProfilePhones',
  'getProfilePhone',
  'updateProfilePhone',
  'listPhoneMethods',
  'getPhoneMethod',
];
const CHUNK = 10_000;

async function collect(): Promise<MemoryPoint> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('memory needs --expose-gc (npm run bench starts its runner with it)');
  for (let i = 0; i < 3; i += 1) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const { rss, heapUsed } = process.memoryUsage();
  return { rssBytes: rss, heapUsedBytes: heapUsed };
}

export async function measureMemory(
  services: Services,
  audit: DirectoryAudit,
  load: LoadRunner,
  origin: string,
  tokens: string[],
  connections: number,
  warmup: number,
  soak: number,
): Promise<MemoryResult> {
  const mix: LoadRequest[] = [];
  for (const name of SOAK_OPERATIONS) {
    const users = await prepareUsers(FIXTURES[name]!, services.containers, 20);
    await resolveUsers(
      services,
      audit,
      users.map(({ userId }) => userId),
    );
    for (const { userId, request } of users) {
      mix.push({
        method: request.method,
        path: `/beta/users/${userId}/${request.path}`,
        ...(request.body ? { body: JSON.stringify(request.body) } : {}),
      });
    }
  }
  const cycle = (count: number) => Array.from({ length: count }, (_, n) => mix[(n * 7) % mix.length]!);
  let failures = 0;
  const send = async (count: number) => {
    for (let done = 0; done < count; done += CHUNK) {
      failures += failuresOf(
        await load.run({ origin, requests: cycle(Math.min(CHUNK, count - done)), tokens, connections }),
      );
    }
  };
  await send(warmup);
  const afterWarmup = await collect();
  await send(soak);
  const afterSoak = await collect();
  return {
    warmupRequests: warmup,
    soakRequests: soak,
    afterWarmup,
    afterSoak,
    heapGrowth: afterSoak.heapUsedBytes / afterWarmup.heapUsedBytes,
    failures,
  };
}
