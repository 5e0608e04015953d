import type { Placement } from './cores';
import { ROUND_TRIP_TARGETS } from './roundTrips';
import type { StageTimes, Times } from './inProcess';
import type { MemoryResult } from './memory';
import type { PackageResult } from './package';
import type { ColdStart, ImportTimes } from './startup';
import { spread, type Spread } from './stats';
import type { OperationThroughput } from './throughput';

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
  counters: { keySetFetches: number; cosmosClients: number; cosmosRequests: number };
  coldStart: ColdStart;
  imports: ImportTimes;
  package: PackageResult;
}

export interface Target {
  name: string;
  value: number;
  limit: string;
  met: boolean;
}

export const TARGETS = {
  throughputVsStorage: 0.9,
  authHitP50Us: 10,
  pipelineHitP50Us: 50,
  missVsJose: 1.5,
  heapGrowth: 1.1,
  importVsDependencies: 1.2,
} as const;

/** Medians over rounds of one stage's p50 (µs), with the spread. */
export interface StageSummary {
  authHit: Spread;
  authMiss: Spread;
  jose: Spread;
  crypto: Spread;
  operations: Array<{ operation: string; total: Spread; jsonZod?: Spread }>;
}

export function summarizeStages(rounds: readonly StageTimes[]): StageSummary {
  const p50 = (pick: (s: StageTimes) => Times | undefined) => spread(rounds.map((s) => pick(s)?.p50Us ?? Number.NaN));
  return {
    authHit: p50((s) => s.authHit),
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

export function evaluate(r: RunResult): Target[] {
  const s = summarizeStages(r.stages);
  const failures = r.throughput.reduce((sum, t) => sum + t.failures, 0) + r.memory.failures;
  const importRatio = r.imports.bundleMs / r.imports.dependenciesMs;
  return [
    target(
      'operations without a fixture (not measured)',
      r.withoutFixture.length,
      '= 0',
      r.withoutFixture.length === 0,
    ),
    ...r.throughput.map((t) =>
      target(
        `${t.operation} throughput / storage-only`,
        t.ratio.median,
        `>= ${TARGETS.throughputVsStorage}`,
        t.ratio.median >= TARGETS.throughputVsStorage,
      ),
    ),
    ...r.throughput.map((t) => {
      const same = Math.abs(t.cosmosPerRequest.endpoint - t.cosmosPerRequest.baseline) < 0.05;
      return target(
        `${t.operation} baseline makes the same Cosmos requests (endpoint - baseline per request)`,
        t.cosmosPerRequest.endpoint - t.cosmosPerRequest.baseline,
        '= 0',
        same,
      );
    }),
    target(
      'authentication, cache hit, p50 (us)',
      s.authHit.median,
      `<= ${TARGETS.authHitP50Us}`,
      s.authHit.median <= TARGETS.authHitP50Us,
    ),
    ...s.operations.map((o) =>
      target(
        `${o.operation} auth+validation+response, hit, p50 (us)`,
        o.total.median,
        `<= ${TARGETS.pipelineHitP50Us}`,
        o.total.median <= TARGETS.pipelineHitP50Us,
      ),
    ),
    target(
      'authentication, miss / jose jwtVerify (p50)',
      s.authMiss.median / s.jose.median,
      `<= ${TARGETS.missVsJose}`,
      s.authMiss.median / s.jose.median <= TARGETS.missVsJose,
    ),
    target('key-set fetches', r.counters.keySetFetches, '= 1', r.counters.keySetFetches === 1),
    target('Cosmos clients in use', r.counters.cosmosClients, '= 1', r.counters.cosmosClients === 1),
    target('requests not answered 2xx (load and soak)', failures, '= 0', failures === 0),
    target(
      'heap after soak / after warm-up',
      r.memory.heapGrowth,
      `<= ${TARGETS.heapGrowth}`,
      r.memory.heapGrowth <= TARGETS.heapGrowth,
    ),
    target(
      'bundle import / dependencies import',
      importRatio,
      `<= ${TARGETS.importVsDependencies}`,
      importRatio <= TARGETS.importVsDependencies,
    ),
    target('bundle loads without node_modules', pkg(r.package), '= 1', pkg(r.package) === 1),
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
      `${f2(t.ratio.median)} (${f2(t.ratio.min)}-${f2(t.ratio.max)})`,
      `${f0(t.endpointRps)} vs ${f0(t.baselineRps)} req/s (${t.requests} requests a run, ${t.turns} turns a round); Cosmos requests per request ${f1(t.cosmosPerRequest.endpoint)} vs ${f1(t.cosmosPerRequest.baseline)}; measured process CPU ${f0(t.cpuUsPerRequest.endpoint)} vs ${f0(t.cpuUsPerRequest.baseline)} us per request, busy ${busy(t.cpuUsPerRequest.endpoint, t.endpointRps)} vs ${busy(t.cpuUsPerRequest.baseline, t.baselineRps)}${t.failures ? `; ${t.failures} not 2xx` : ''}`,
    ]);
  }
  rows.push(['floor: node:crypto RS256 verify', us(s.crypto), 'p50, median (min-max) over rounds']);
  rows.push(['floor: jose jwtVerify, key in hand', us(s.jose), `${times(s.jose, s.crypto)} crypto`]);
  rows.push([
    'authentication, cache hit',
    us(s.authHit),
    `${times(s.authHit, s.crypto)} crypto, ${times(s.authHit, s.jose)} jose`,
  ]);
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
  for (const t of targets)
    rows.push([
      `target: ${t.name}`,
      t.met ? 'met' : 'MISSED',
      `${Number.isInteger(t.value) ? t.value : f2(t.value)} (${t.limit})`,
    ]);
  const header = `Node ${r.node}, ${r.startedAt}: ${r.settings.rounds} rounds (medians, spread min-max), about ${r.settings.cosmosBudget} Cosmos requests a side per round in up to ${r.settings.turns} ABBA turns, ${r.settings.connections} connections, ${r.placement}`;
  const missing = r.withoutFixture.length
    ? `\nNOT MEASURED (no fixture or baseline): ${r.withoutFixture.join(', ')}`
    : '';
  return [
    header + missing,
    '',
    '| measure | value | notes |',
    '|---|---|---|',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
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
