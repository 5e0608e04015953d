import type { Placement } from './cores';
import { ROUND_TRIP_TARGETS } from './roundTrips';
import type { StageTimes, Times } from './inProcess';
import type { MemoryResult } from './memory';
import type { PackageResult } from '../package';
import type { ColdStart, ImportTimes } from './startup';
import { geometricMean, judgeRatios, median, spread, type RatioGates, type Spread } from './stats';
import type { OperationThroughput } from './throughput';
import { USER_SIZES, type CosmosBytesRow } from './cosmosBytes';
import { DIRECTORY_CACHE_DEFAULTS } from '../../shared/users/directoryCache';
import type { BatchingFigures } from './batch';

/** The figures of one run (one Node), the targets they are held to, and the table printed for them. */

export interface RunResult {
  startedAt: string;
  node: string;
  /** Which cores the processes ran on (cores.ts). */
  placement: Placement;
  settings: Record<string, number>;
  /** Operations in the service's list that have no fixture or baseline here (not measured). */
  withoutFixture: string[];
  throughput: OperationThroughput[];
  /** One entry per round. */
  stages: StageTimes[];
  memory: MemoryResult;
  /** Bytes to and from Cosmos per request as a user's profile phones grow (cosmosBytes.ts). */
  cosmosBytes: CosmosBytesRow[];
  counters: {
    keySetFetches: number;
    cosmosClients: number;
    cosmosRequests: number;
    /** Calls the stand-in Microsoft Graph directory received, and the distinct users they named. */
    directoryCalls: number;
    directoryUsers: number;
    /** Repeated calls for users the cache's bound must have evicted, and for users whose entry had expired (directoryAudit.ts). */
    directoryCallsAfterBound: number;
    directoryCallsAfterExpiry: number;
  };
  coldStart: ColdStart;
  imports: ImportTimes;
  package: PackageResult;
  /** `$batch` against sequential single requests, and the bulk command (batch.ts). */
  batching: BatchingFigures;
}

/** Calls beyond one per user that neither the cache's bound nor its lifetime explains. */
export function avoidableDirectoryCalls(c: RunResult['counters']): number {
  return c.directoryCalls - c.directoryUsers - c.directoryCallsAfterBound - c.directoryCallsAfterExpiry;
}

export interface Target {
  name: string;
  value: number;
  limit: string;
  met: boolean;
}

/** Endpoint / storage-only throughput, each side's rounds pooled (docs/performance.md). */
export const THROUGHPUT_GATES: RatioGates = { geometricMean: 0.9, eachOperation: 0.85 };

export const TARGETS = {
  authHitP50Us: 10,
  directoryHitP50Us: 2,
  pipelineHitP50Us: 50,
  missVsJose: 1.5,
  heapGrowth: 1.1,
  importVsDependencies: 1.2,
} as const;

/** Medians over rounds of one stage's p50 (µs), with the spread. */
interface StageSummary {
  authHit: Spread;
  directoryHit: Spread;
  authMiss: Spread;
  jose: Spread;
  crypto: Spread;
  operations: Array<{ operation: string; total: Spread; jsonZod?: Spread }>;
}

function summarizeStages(rounds: readonly StageTimes[]): StageSummary {
  const p50 = (pick: (s: StageTimes) => Times | undefined) => spread(rounds.map((s) => pick(s)?.p50Us ?? Number.NaN));
  return {
    authHit: p50((s) => s.authHit),
    directoryHit: p50((s) => s.directoryHit),
    authMiss: p50((s) => s.authMiss),
    jose: p50((s) => s.jose),
    crypto: p50((s) => s.crypto),
    operations: rounds[0]!.operations.map(({ operation, jsonZod }, i) => ({
      operation,
      total: p50((s) => s.operations[i]!.total),
      ...(jsonZod ? { jsonZod: p50((s) => s.operations[i]!.jsonZod) } : {}),
    })),
  };
}

const target = (name: string, value: number, limit: string, met: boolean): Target => ({ name, value, limit, met });
/** Met when `value` is at most `limit`. */
const atMost = (name: string, value: number, limit: number) => target(name, value, `<= ${limit}`, value <= limit);
const atLeast = (name: string, value: number, limit: number) => target(name, value, `>= ${limit}`, value >= limit);
/** Met when a count is exactly `expected`. */
const exactly = (name: string, value: number, expected: number) =>
  target(name, value, `= ${expected}`, value === expected);

export function evaluate(r: RunResult): Target[] {
  const s = summarizeStages(r.stages);
  const failures =
    r.throughput.reduce((sum, t) => sum + t.failures, 0) +
    r.memory.failures +
    r.cosmosBytes.reduce((sum, b) => sum + b.failures, 0);
  const importRatio = r.imports.bundleMs / r.imports.dependenciesMs;
  return [
    exactly('operations without a fixture (not measured)', r.withoutFixture.length, 0),
    ...throughputTargets(r.throughput),
    ...r.throughput.map((t) => {
      const same = Math.abs(t.cosmosPerRequest.endpoint - t.cosmosPerRequest.baseline) < 0.05;
      return target(
        `${t.operation} baseline makes the same Cosmos requests (endpoint - baseline per request)`,
        t.cosmosPerRequest.endpoint - t.cosmosPerRequest.baseline,
        '= 0',
        same,
      );
    }),
    atMost('authentication, cache hit, p50 (us)', s.authHit.median, TARGETS.authHitP50Us),
    atMost('user from the directory cache, p50 (us)', s.directoryHit.median, TARGETS.directoryHitP50Us),
    target(
      'directory calls the cache should have saved (beyond one per user per lifetime, not after the bound evicted it)',
      avoidableDirectoryCalls(r.counters),
      '= 0',
      avoidableDirectoryCalls(r.counters) === 0,
    ),
    ...s.operations.map((o) =>
      atMost(`${o.operation} auth+validation+response, hit, p50 (us)`, o.total.median, TARGETS.pipelineHitP50Us),
    ),
    atMost('authentication, miss / jose jwtVerify (p50)', s.authMiss.median / s.jose.median, TARGETS.missVsJose),
    exactly('key-set fetches', r.counters.keySetFetches, 1),
    exactly('Cosmos clients in use', r.counters.cosmosClients, 1),
    exactly('requests not answered 2xx (load, soak and bytes)', failures, 0),
    atMost('heap after soak / after warm-up', r.memory.heapGrowth, TARGETS.heapGrowth),
    atMost('bundle import / dependencies import', importRatio, TARGETS.importVsDependencies),
    exactly('bundle loads without node_modules', pkg(r.package), 1),
    atLeast(
      'a $batch of 20 creates against 20 sequential creates, speedup (medians)',
      r.batching.batchVsSequential.speedup,
      r.batching.batchVsSequential.target,
    ),
    exactly('bulk-phones rows lost or duplicated', r.batching.bulk.lost + r.batching.bulk.duplicated, 0),
    exactly('bulk-phones exit code', r.batching.bulk.exitCode ?? -1, 0),
  ];
}

/** The throughput gates: the geometric mean over operations first, then each operation's floor. */
export function throughputTargets(throughput: readonly OperationThroughput[]): Target[] {
  const verdict = judgeRatios(
    throughput.map((t) => ({ operation: t.operation, ratio: t.ratio })),
    THROUGHPUT_GATES,
  );
  return [
    target(
      'throughput / storage-only, geometric mean over operations (pooled rounds)',
      verdict.geometricMean.value,
      `>= ${THROUGHPUT_GATES.geometricMean}`,
      verdict.geometricMean.met,
    ),
    ...verdict.operations.map((o) =>
      target(
        `${o.operation} throughput / storage-only (pooled rounds)`,
        o.value,
        `>= ${THROUGHPUT_GATES.eachOperation}`,
        o.met,
      ),
    ),
  ];
}

const pkg = (p: PackageResult) => (p.loadsWithoutNodeModules && p.unresolvedRequires.length === 0 ? 1 : 0);
const f0 = (n: number) => n.toFixed(0);
const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);
const mib = (n: number) => `${f1(n / 1048576)} MiB`;
const kib = (n: number) => `${f0(n / 1024)} KiB`;
const us = (s: Spread) => `${f1(s.median)} us (${f1(s.min)}-${f1(s.max)})`;
/** Share of one core the measured process used: CPU µs per request times requests per second. */
const busy = (cpuUs: number, rps: number) => `${f0((cpuUs * rps) / 10_000)}%`;
const times = (stage: Spread, floor: Spread) => `${f2(stage.median / floor.median)}x`;

/** One Markdown table per run: what was measured, the floors, the targets. */
export function renderRun(r: RunResult, targets: readonly Target[]): string {
  const s = summarizeStages(r.stages);
  const rows: string[][] = [];
  for (const t of r.throughput) {
    rows.push([
      `${t.operation}: endpoint / storage-only`,
      `${f2(t.ratio)} (rounds ${f2(t.roundRatios.min)}-${f2(t.roundRatios.max)})`,
      `pooled ${f0(t.endpointRps)} vs ${f0(t.baselineRps)} req/s (${t.requests} requests a run, ${t.turns} turns a round); Cosmos requests per request ${f1(t.cosmosPerRequest.endpoint)} vs ${f1(t.cosmosPerRequest.baseline)}; measured process CPU ${f0(t.cpuUsPerRequest.endpoint)} vs ${f0(t.cpuUsPerRequest.baseline)} us per request, busy ${busy(t.cpuUsPerRequest.endpoint, t.endpointRps)} vs ${busy(t.cpuUsPerRequest.baseline, t.baselineRps)}${t.failures ? `; ${t.failures} not 2xx` : ''}`,
    ]);
  }
  const ratios = r.throughput.map((t) => t.ratio);
  rows.push([
    'all operations: geometric mean of endpoint / storage-only',
    f2(geometricMean(ratios)),
    `lowest operation ${f2(Math.min(...ratios))}; gates: mean >= ${THROUGHPUT_GATES.geometricMean}, each >= ${THROUGHPUT_GATES.eachOperation}`,
  ]);
  rows.push(['floor: node:crypto RS256 verify', us(s.crypto), 'p50, median (min-max) over rounds']);
  rows.push(['floor: jose jwtVerify, key in hand', us(s.jose), `${times(s.jose, s.crypto)} crypto`]);
  rows.push([
    'authentication, cache hit',
    us(s.authHit),
    `${times(s.authHit, s.crypto)} crypto, ${times(s.authHit, s.jose)} jose`,
  ]);
  rows.push(['user from the directory cache (object id or UPN)', us(s.directoryHit), 'no Promise, no call']);
  rows.push([
    'authentication, miss',
    us(s.authMiss),
    `${times(s.authMiss, s.crypto)} crypto, ${times(s.authMiss, s.jose)} jose`,
  ]);
  for (const o of s.operations) {
    const floor = o.jsonZod ? `; floor JSON.parse+zod ${us(o.jsonZod)}, stage = ${times(o.total, o.jsonZod)} it` : '';
    rows.push([
      `${o.operation}: auth+validation+response, hit`,
      us(o.total),
      `${times(o.total, s.crypto)} crypto${floor}`,
    ]);
  }
  const m = r.memory;
  rows.push([
    'memory after warm-up',
    `heap ${mib(m.afterWarmup.heapUsedBytes)}, RSS ${mib(m.afterWarmup.rssBytes)}`,
    `${m.warmupRequests} requests, then forced GC`,
  ]);
  rows.push([
    'memory after soak',
    `heap ${mib(m.afterSoak.heapUsedBytes)}, RSS ${mib(m.afterSoak.rssBytes)}`,
    `${m.soakRequests} more requests; heap x${f2(m.heapGrowth)}`,
  ]);
  rows.push([
    'key-set fetches / Cosmos clients (whole run)',
    `${r.counters.keySetFetches} / ${r.counters.cosmosClients}`,
    `${r.counters.cosmosRequests} Cosmos requests seen`,
  ]);
  rows.push([
    'directory calls / users resolved (whole run)',
    `${r.counters.directoryCalls} / ${r.counters.directoryUsers}`,
    `stand-in Microsoft Graph on loopback, real ManagedIdentityCredential; repeated calls: ${r.counters.directoryCallsAfterBound} after the ${DIRECTORY_CACHE_DEFAULTS.maxFound}-user bound evicted the user, ${r.counters.directoryCallsAfterExpiry} after expiry, ${avoidableDirectoryCalls(r.counters)} otherwise`,
  ]);
  rows.push([
    'cold start: spawn to first 201',
    `${f0(r.coldStart.firstCreatedMs)} ms`,
    'local server as npm start runs it (tsx)',
  ]);
  rows.push([
    'import: bundle / dependencies',
    `${f0(r.imports.bundleMs)} / ${f0(r.imports.dependenciesMs)} ms`,
    `with --enable-source-maps ${f0(r.imports.bundleWithSourceMapsMs)} ms`,
  ]);
  rows.push(['deployment package', `${kib(r.package.totalBytes)} (zip ${kib(r.package.zipBytes)})`, '']);
  const { batchVsSequential: versus, bulk } = r.batching;
  rows.push([
    '$batch of 20 creates vs 20 sequential creates, one client',
    `${f1(versus.speedup)}x`,
    `medians ${f1(median(versus.batchMs))} vs ${f1(median(versus.sequentialMs))} ms, ${versus.rounds} rounds of sequential, batch, batch, sequential; 20 new users a side`,
  ]);
  rows.push([
    `bulk-phones: ${bulk.rows} generated rows through npm start`,
    `${f0(bulk.rowsPerSecond)} rows/s`,
    `${f1(bulk.seconds)} s, exit ${bulk.exitCode}, lost ${bulk.lost}, duplicated ${bulk.duplicated}`,
  ]);
  for (const t of targets)
    rows.push([
      `target: ${t.name}`,
      t.met ? 'met' : 'MISSED',
      `${Number.isInteger(t.value) ? t.value : f2(t.value)} (${t.limit})`,
    ]);
  const header = `Node ${r.node}, ${r.startedAt}: ${r.settings.rounds} rounds (throughput: each side's rounds pooled, then min-max of the rounds' ratios; stages: medians over rounds, min-max), about ${r.settings.cosmosBudget} Cosmos requests a side per round in up to ${r.settings.turns} ABBA turns, ${r.settings.connections} connections, ${r.placement}`;
  const missing = r.withoutFixture.length
    ? `\nNOT MEASURED (no fixture or baseline): ${r.withoutFixture.join(', ')}`
    : '';
  return [
    header + missing,
    '',
    '| measure | value | notes |',
    '|---|---|---|',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
    '',
    renderCosmosBytes(r.cosmosBytes),
  ].join('\n');
}

const kb = (bytes: number) => (bytes < 1024 ? `${f0(bytes)} B` : `${f1(bytes / 1024)} KiB`);

/** Bytes sent / received per request, one row per operation, one column per user size. */
export function renderCosmosBytes(rows: readonly CosmosBytesRow[]): string {
  const sizes = USER_SIZES.map(({ phones, size }) => {
    const document = rows.find(
      (row) => row.phones === phones && row.size === size && row.operation !== 'createProfilePhone',
    );
    return { phones, size, label: `${phones} ${size} (document ${document ? kb(document.documentBytes) : '?'})` };
  });
  const operations = [...new Set(rows.map((row) => row.operation))];
  const lines = operations.map((operation) => {
    const cells = sizes.map(({ phones, size }) => {
      const row = rows.find((b) => b.operation === operation && b.phones === phones && b.size === size);
      if (!row) return 'not measured';
      return `${kb(row.sentPerRequest)} / ${kb(row.receivedPerRequest)} (${f1(row.cosmosPerRequest)} req)${row.failures ? `; ${row.failures} not 2xx` : ''}`;
    });
    return `| ${operation} | ${cells.join(' | ')} |`;
  });
  return [
    "Bytes to / from Cosmos per request (HTTP bytes at the measured process's sockets; Cosmos requests per request), by the user's profile phones before the request (a create's user holds one fewer):",
    '',
    `| operation | ${sizes.map((s) => s.label).join(' | ')} |`,
    `|---|${sizes.map(() => '---|').join('')}`,
    ...lines,
  ].join('\n');
}

/**
 * Cosmos requests per request of each operation (the endpoint side) against its round-trip target
 * (roundTrips.ts): one target per operation, missed when the endpoint makes more.
 */
export function roundTripTargets(r: RunResult): Target[] {
  return r.throughput.map((t) => {
    const limit = ROUND_TRIP_TARGETS[t.operation];
    const made = t.cosmosPerRequest.endpoint;
    return target(
      `${t.operation} Cosmos requests per request`,
      made,
      limit === undefined ? 'no target' : `<= ${limit}`,
      limit !== undefined && made <= limit + 0.05,
    );
  });
}

/** The round-trip table: per operation, Cosmos requests per request (endpoint and storage-only) beside the target. */
export function renderRoundTrips(r: RunResult): string {
  return [
    '| operation | Cosmos requests per request (endpoint) | storage-only | target |',
    '|---|---|---|---|',
    ...r.throughput.map(
      (t) =>
        `| ${t.operation} | ${f1(t.cosmosPerRequest.endpoint)} | ${f1(t.cosmosPerRequest.baseline)} | <= ${ROUND_TRIP_TARGETS[t.operation] ?? '?'} |`,
    ),
  ].join('\n');
}
