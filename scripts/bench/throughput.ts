import type { Operation } from '../../shared/http/operation';
import type { Services } from '../../shared/services';
import type { CosmosProbe } from './cosmosProbe';
import { FIXTURES, prepareUsers, type Fixture } from './fixtures';
import type { LoadRequest, LoadResult } from './load';
import { runLoadChild } from './loadChild';
import { medianOf, spread, type Spread } from './stats';

/**
 * Each operation through the service (local server: host emulation, pipeline, storage) against its
 * storage-only baseline (servers.ts), same fixtures, same number of requests, interleaved in every
 * round so a slow phase of the machine hits both sides alike.
 */

export interface ThroughputSettings {
  rounds: number;
  /**
   * Cosmos requests per side and round: an operation gets this many divided by the Cosmos requests
   * one of its requests makes (at least MIN_REQUESTS), so every run lasts about as long.
   */
  cosmosBudget: number;
  connections: number;
}

export interface SideRun extends LoadResult {
  cosmosPerRequest: number;
}

export interface OperationThroughput {
  operation: string;
  /** Requests per side and round. */
  requests: number;
  endpointRps: number;
  baselineRps: number;
  /** endpoint / baseline, per round; median and spread over rounds. */
  ratio: Spread;
  cosmosPerRequest: { endpoint: number; baseline: number };
  /** Requests not answered 2xx (or not answered), both sides, every round. */
  failures: number;
  rounds: Array<{ endpoint: SideRun; baseline: SideRun; ratio: number }>;
}

export interface Origins {
  service: string;
  storageOnly: string;
}

const POOL_USERS = 100;
const WARMUP_REQUESTS = 100;
const MIN_REQUESTS = 100;

type Side = 'endpoint' | 'baseline';

async function requestsFor(side: Side, operation: Operation, fixture: Fixture, services: Services, count: number, connections: number): Promise<LoadRequest[]> {
  // Consumed fixtures: one user per request plus slack (autocannon may prepare a request it never sends).
  const prepared = await prepareUsers(fixture, services.containers, fixture.consumes ? count + 2 * connections : Math.min(POOL_USERS, count));
  const prefix = side === 'endpoint' ? '/beta' : `/${operation.name}`;
  const list = prepared.map(({ userId, request }) => ({
    method: request.method,
    path: `${prefix}/users/${userId}/${request.path}`,
    ...(request.body ? { body: JSON.stringify(request.body) } : {}),
  }));
  return fixture.consumes ? list : Array.from({ length: count }, (_, n) => list[n % list.length]!);
}

async function runSide(side: Side, operation: Operation, fixture: Fixture, ctx: Context, count: number): Promise<SideRun> {
  const requests = await requestsFor(side, operation, fixture, ctx.services, count, ctx.settings.connections);
  const before = ctx.probe.requests;
  const result = await runLoadChild({
    origin: side === 'endpoint' ? ctx.origins.service : ctx.origins.storageOnly,
    requests,
    tokens: side === 'endpoint' ? ctx.tokens : [],
    connections: ctx.settings.connections,
  });
  return { ...result, cosmosPerRequest: (ctx.probe.requests - before) / Math.max(1, result.requests) };
}

interface Context {
  services: Services;
  probe: CosmosProbe;
  origins: Origins;
  tokens: string[];
  settings: ThroughputSettings;
}

export async function measureThroughput(operations: readonly Operation[], ctx: Context, log: (line: string) => void): Promise<OperationThroughput[]> {
  const measured = operations.filter((operation) => FIXTURES[operation.name]);
  const counts = new Map<string, number>();
  for (const operation of measured) {
    const fixture = FIXTURES[operation.name]!;
    const warm = await runSide('endpoint', operation, fixture, ctx, WARMUP_REQUESTS);
    await runSide('baseline', operation, fixture, ctx, WARMUP_REQUESTS);
    counts.set(operation.name, Math.max(MIN_REQUESTS, Math.round(ctx.settings.cosmosBudget / Math.max(1, warm.cosmosPerRequest))));
  }
  const perOperation = new Map<string, OperationThroughput['rounds']>(measured.map((operation) => [operation.name, []]));
  for (let round = 0; round < ctx.settings.rounds; round += 1) {
    for (const operation of measured) {
      const fixture = FIXTURES[operation.name]!;
      // Alternate which side goes first, so neither always follows the other's garbage.
      const first: Side = round % 2 === 0 ? 'endpoint' : 'baseline';
      const count = counts.get(operation.name)!;
      const a = await runSide(first, operation, fixture, ctx, count);
      const b = await runSide(first === 'endpoint' ? 'baseline' : 'endpoint', operation, fixture, ctx, count);
      const [endpoint, baseline] = first === 'endpoint' ? [a, b] : [b, a];
      perOperation.get(operation.name)!.push({ endpoint, baseline, ratio: endpoint.requestsPerSecond / baseline.requestsPerSecond });
      log(`round ${round + 1} ${operation.name}: ${endpoint.requestsPerSecond.toFixed(0)} vs ${baseline.requestsPerSecond.toFixed(0)} req/s`);
    }
  }
  return measured.map((operation) => {
    const runs = perOperation.get(operation.name)!;
    return {
      operation: operation.name,
      requests: counts.get(operation.name)!,
      endpointRps: medianOf(runs, (r) => r.endpoint.requestsPerSecond),
      baselineRps: medianOf(runs, (r) => r.baseline.requestsPerSecond),
      ratio: spread(runs.map((r) => r.ratio)),
      cosmosPerRequest: { endpoint: medianOf(runs, (r) => r.endpoint.cosmosPerRequest), baseline: medianOf(runs, (r) => r.baseline.cosmosPerRequest) },
      failures: runs.reduce((sum, r) => sum + failuresOf(r.endpoint) + failuresOf(r.baseline), 0),
      rounds: runs,
    };
  });
}

export const failuresOf = (r: LoadResult) => r.non2xx + r.errors + r.timeouts;
