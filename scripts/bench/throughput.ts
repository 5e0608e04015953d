import type { Operation } from '../../shared/http/operation';
import type { Services } from '../../shared/services';
import type { CosmosProbe } from './cosmosProbe';
import type { DirectoryAudit } from './directoryAudit';
import { FIXTURES, prepareUsers, type Fixture } from './fixtures';
import type { LoadRequest, LoadResult } from './load';
import type { LoadRunner } from './loadChild';
import { baselinePathPrefix } from './servers';
import { pooledRate, spread, type Spread } from './stats';

/**
 * Each operation through the service (local server: host emulation, pipeline, storage) against its
 * storage-only baseline behind the same host emulation (servers.ts), same fixtures, same number of
 * requests. Every operation is warmed up on both sides (the JIT needs a few thousand requests of a
 * path before its rate settles), then once more after all of them. Then, in every round, each
 * operation runs endpoint, baseline, baseline, endpoint (ABBA: a drift of the machine's speed within
 * the round weighs on both sides alike, and each side goes first once), as many times over as its
 * budget allows runs of at least MIN_REQUESTS: this machine's speed changes by a quarter from one
 * fraction of a second to the next, so short turns taken in alternation see the same machine. The
 * operation's ratio is the endpoint's requests per second over the baseline's, each side's runs of
 * every round pooled (all requests over all seconds); each round's ratio is kept for the spread.
 */

interface ThroughputSettings {
  rounds: number;
  /**
   * Cosmos requests per side and round: an operation's round gets this many requests a side divided
   * by the Cosmos requests one of its requests makes, so every round lasts about as long.
   */
  cosmosBudget: number;
  /** The most ABBA turns a round is cut into (fewer when runs would fall under MIN_REQUESTS). */
  turns: number;
  connections: number;
}

interface SideRun extends LoadResult {
  cosmosPerRequest: number;
  /** CPU time of this (the measured) process per request, user + system, µs. */
  cpuUsPerRequest: number;
}

export interface OperationThroughput {
  operation: string;
  /** Requests per run. */
  requests: number;
  /** ABBA turns per round (four runs each). */
  turns: number;
  /** Each side's runs of every round pooled. */
  endpointRps: number;
  baselineRps: number;
  /** endpointRps / baselineRps: what the gates hold. */
  ratio: number;
  /** endpoint / baseline of each round (its runs a side pooled): the spread, printed, not gated. */
  roundRatios: Spread;
  cosmosPerRequest: { endpoint: number; baseline: number };
  /** CPU µs of the measured process per request, each side, over every run of every round. */
  cpuUsPerRequest: { endpoint: number; baseline: number };
  /** Requests not answered 2xx (or not answered), both sides, warm-up and every round. */
  failures: number;
  rounds: Array<{ endpoint: SideRun[]; baseline: SideRun[]; ratio: number }>;
}

interface Origins {
  service: string;
  storageOnly: string;
}

const POOL_USERS = 100;
const MIN_REQUESTS = 100;
/** Warm-up per side and operation, in Cosmos requests (at least MIN_REQUESTS requests). */
const WARMUP_COSMOS_REQUESTS = 3000;

type Side = 'endpoint' | 'baseline';

/** The user pool of each operation whose fixture is not consumed, prepared once and used by both sides. */
type UserPools = Map<string, ReturnType<typeof prepareUsers>>;

async function requestsFor(
  side: Side,
  operation: Operation,
  fixture: Fixture,
  ctx: RunContext,
  count: number,
): Promise<{ requests: LoadRequest[]; userIds: string[] }> {
  const { containers } = ctx.services;
  // Consumed fixtures: one user per request plus slack (autocannon may prepare a request it never sends).
  if (!fixture.consumes && !ctx.pools.has(operation.name))
    ctx.pools.set(operation.name, prepareUsers(fixture, containers, POOL_USERS));
  const prepared = fixture.consumes
    ? await prepareUsers(fixture, containers, count + 2 * ctx.settings.connections)
    : await ctx.pools.get(operation.name)!;
  // The users are looked up once, before the timed part (their one directory call per cache lifetime):
  // the throughput compared with storage alone is the steady state, where the directory cache answers.
  const userIds = prepared.map(({ userId }) => userId);
  if (side === 'endpoint') await resolveUsers(ctx.services, ctx.audit, userIds);
  const prefix = side === 'endpoint' ? '/beta' : baselinePathPrefix(operation.name);
  const list = prepared.map(({ userId, request }) => ({
    method: request.method,
    path: `${prefix}/users/${userId}/${request.path}`,
    ...(request.body ? { body: JSON.stringify(request.body) } : {}),
  }));
  return {
    requests: fixture.consumes ? list : Array.from({ length: count }, (_, n) => list[n % list.length]!),
    userIds,
  };
}

/** Puts each user in the service's directory cache (no call for users already there), accounting for every call. */
export async function resolveUsers(
  services: Services,
  audit: DirectoryAudit,
  userIds: readonly string[],
): Promise<void> {
  if (services.directory) await audit.resolve(services.directory, userIds);
}

async function runSide(
  side: Side,
  operation: Operation,
  fixture: Fixture,
  ctx: RunContext,
  count: number,
): Promise<SideRun> {
  const { requests, userIds } = await requestsFor(side, operation, fixture, ctx, count);
  const before = ctx.probe.requests;
  const cpuBefore = process.cpuUsage();
  const result = await ctx.load.run({
    origin: side === 'endpoint' ? ctx.origins.service : ctx.origins.storageOnly,
    requests,
    // The same request on both sides, Authorization header included: the host reads it either way.
    tokens: ctx.tokens,
    connections: ctx.settings.connections,
  });
  const cpu = process.cpuUsage(cpuBefore);
  if (side === 'endpoint') ctx.audit.used(userIds);
  const perRequest = (total: number) => total / Math.max(1, result.requests);
  return {
    ...result,
    cosmosPerRequest: perRequest(ctx.probe.requests - before),
    cpuUsPerRequest: perRequest(cpu.user + cpu.system),
  };
}

interface Context {
  services: Services;
  load: LoadRunner;
  probe: CosmosProbe;
  origins: Origins;
  tokens: string[];
  settings: ThroughputSettings;
  /** Resolves the users before each endpoint run and accounts for the directory calls. */
  audit: DirectoryAudit;
}

type RunContext = Context & { pools: UserPools };

export async function measureThroughput(
  operations: readonly Operation[],
  context: Context,
  log: (line: string) => void,
): Promise<OperationThroughput[]> {
  const ctx: RunContext = { ...context, pools: new Map() };
  const measured = operations.filter((operation) => FIXTURES[operation.name]);
  /** Per operation: requests per run and ABBA turns per round, from its Cosmos requests per request. */
  const plans = new Map<string, { requests: number; turns: number }>();
  const warmupFailures = new Map<string, number>(measured.map((operation) => [operation.name, 0]));
  const warmUp = async (operation: Operation, side: Side, count: number) => {
    const run = await runSide(side, operation, FIXTURES[operation.name]!, ctx, count);
    warmupFailures.set(operation.name, warmupFailures.get(operation.name)! + failuresOf(run));
    return run;
  };
  for (const operation of measured) {
    const perRequest = Math.max(1, (await warmUp(operation, 'endpoint', MIN_REQUESTS)).cosmosPerRequest);
    const perSide = ctx.settings.cosmosBudget / perRequest;
    const turns = Math.max(1, Math.min(ctx.settings.turns, Math.floor(perSide / (2 * MIN_REQUESTS))));
    plans.set(operation.name, { requests: Math.max(MIN_REQUESTS, Math.round(perSide / (2 * turns))), turns });
    const warmup = Math.max(MIN_REQUESTS, Math.round(WARMUP_COSMOS_REQUESTS / perRequest));
    await warmUp(operation, 'endpoint', warmup);
    await warmUp(operation, 'baseline', warmup + MIN_REQUESTS);
  }
  // A second, shorter pass: the code the operations share has now seen every one of them, so what the
  // JIT does about that happens here rather than in the first measured round.
  for (const operation of measured) {
    const { requests, turns } = plans.get(operation.name)!;
    for (const side of ['endpoint', 'baseline'] as const) await warmUp(operation, side, requests * turns);
  }
  const perOperation = new Map<string, OperationThroughput['rounds']>(
    measured.map((operation) => [operation.name, []]),
  );
  for (let round = 0; round < ctx.settings.rounds; round += 1) {
    for (const operation of measured) {
      const fixture = FIXTURES[operation.name]!;
      const { requests: count, turns } = plans.get(operation.name)!;
      const abba: Side[] = ['endpoint', 'baseline', 'baseline', 'endpoint'];
      const runs: Record<Side, SideRun[]> = { endpoint: [], baseline: [] };
      for (let turn = 0; turn < turns; turn += 1) {
        for (const side of abba) runs[side].push(await runSide(side, operation, fixture, ctx, count));
      }
      const ratio = pooledRate(runs.endpoint) / pooledRate(runs.baseline);
      perOperation.get(operation.name)!.push({ ...runs, ratio });
      log(
        `round ${round + 1} ${operation.name}: ${pooledRate(runs.endpoint).toFixed(0)} vs ${pooledRate(runs.baseline).toFixed(0)} req/s (${ratio.toFixed(2)})`,
      );
    }
  }
  return measured.map((operation) => {
    const runs = perOperation.get(operation.name)!;
    const all = (side: Side) => runs.flatMap((r) => r[side]);
    const perRequest = (side: Side, field: (run: SideRun) => number) =>
      all(side).reduce((sum, run) => sum + field(run) * run.requests, 0) /
      Math.max(
        1,
        all(side).reduce((n, run) => n + run.requests, 0),
      );
    const endpointRps = pooledRate(all('endpoint'));
    const baselineRps = pooledRate(all('baseline'));
    return {
      operation: operation.name,
      ...plans.get(operation.name)!,
      endpointRps,
      baselineRps,
      ratio: endpointRps / baselineRps,
      roundRatios: spread(runs.map((r) => r.ratio)),
      cosmosPerRequest: {
        endpoint: perRequest('endpoint', (run) => run.cosmosPerRequest),
        baseline: perRequest('baseline', (run) => run.cosmosPerRequest),
      },
      cpuUsPerRequest: {
        endpoint: perRequest('endpoint', (run) => run.cpuUsPerRequest),
        baseline: perRequest('baseline', (run) => run.cpuUsPerRequest),
      },
      failures:
        warmupFailures.get(operation.name)! +
        runs.reduce((sum, r) => sum + [...r.endpoint, ...r.baseline].reduce((n, run) => n + failuresOf(run), 0), 0),
      rounds: runs,
    };
  });
}

export const failuresOf = (r: LoadResult) => r.non2xx + r.errors + r.timeouts;
