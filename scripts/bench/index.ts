import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { getKeySet } from '../../shared/auth/verifyToken';
import { configVariableNames } from '../../shared/config';
import * as cosmos from '../../shared/storage/cosmos';
import { BUNDLE_FILE, ROOT, bundle } from '../bundle';
import { startLocalServer } from '../localServer';
import { measureInProcess, type InProcessResult } from './inProcess';
import type { LoadJob, LoadKind, LoadResult } from './load';
import { measurePackage, type PackageResult } from './package';
import { startBareServer, startStorageOnlyServer } from './servers';
import { measureColdStart, measureImports, type ColdStart, type ImportTimes } from './startup';
import { medianOf, rounds } from './stats';
import { createdOnce, mintTokens } from './tokens';

/**
 * `npm run bench`: one run, one table. Load comes from a separate process (autocannon), the servers
 * and the embedded storage share this one, so the key-set and Cosmos client counters are this
 * process's own. Medians of ROUNDS rounds. Not part of `npm test`: nothing here asserts timing.
 */

// Overridable for a quick smoke run (BENCH_ROUNDS=1 BENCH_SECONDS=1); the README's table uses the defaults.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 10;
const DURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARMUP_SECONDS = 1;
const TOKEN_POOL = 50;

const TARGETS = { throughputVsStorage: 0.8, inProcessP50Us: 150, importVsDependencies: 1.2 } as const;

interface Throughput {
  kind: LoadKind;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Summed over rounds: every request must have been answered 2xx. */
  failures: number;
  rounds: LoadResult[];
}

interface BenchResult {
  startedAt: string;
  node: string;
  settings: { rounds: number; connections: number; durationSeconds: number };
  throughput: Throughput[];
  ratios: Record<string, number>;
  inProcess: InProcessResult[];
  counters: { keySetFetches: number; cosmosClients: number };
  coldStart: ColdStart;
  imports: ImportTimes;
  package: PackageResult;
  targets: Array<{ name: string; value: number; limit: string; met: boolean }>;
}

/** Runs autocannon in a child process (tokens go over stdin) and reads its JSON answer. */
function runLoadChild(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'load.ts')], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`load child exited ${code}`))));
    child.stdin.end(JSON.stringify(job));
  });
}

async function measureThroughput(origins: Record<LoadKind, { origin: string; prefix: string }>, tokens: string[]): Promise<Throughput[]> {
  const kinds = Object.keys(origins) as LoadKind[];
  const job = (kind: LoadKind, durationSeconds: number): LoadJob => ({
    kind,
    ...origins[kind],
    tokens: kind === 'bare' || kind === 'storageOnly' ? [] : tokens,
    connections: CONNECTIONS,
    durationSeconds,
  });
  for (const kind of kinds) await runLoadChild(job(kind, WARMUP_SECONDS));
  // Interleaved rounds, so a slow phase of the machine hits every target alike.
  const perRound = await rounds(ROUNDS, async () => {
    const results: LoadResult[] = [];
    for (const kind of kinds) results.push(await runLoadChild(job(kind, DURATION_SECONDS)));
    return results;
  });
  return kinds.map((kind) => {
    const runs = perRound.map((results) => results.find((r) => r.kind === kind)!);
    return {
      kind,
      requestsPerSecond: medianOf(runs, (r) => r.requestsPerSecond),
      latencyP50Ms: medianOf(runs, (r) => r.latencyP50Ms),
      latencyP99Ms: medianOf(runs, (r) => r.latencyP99Ms),
      failures: runs.reduce((sum, r) => sum + r.non2xx + r.errors + r.timeouts, 0),
      rounds: runs,
    };
  });
}

async function main(): Promise<void> {
  const startedAt = new Date();
  if (!existsSync(path.join(ROOT, BUNDLE_FILE))) await bundle();
  log('package size and a load without node_modules');
  const pkg = measurePackage();
  log('import times');
  const imports = await measureImports(ROUNDS);
  log('cold start');
  const coldStart = await measureColdStart(ROUNDS, createdOnce);

  log('throughput');
  // Everything embedded: none of the contract's variables, whatever the shell has set.
  const server = await startLocalServer({ port: 0, quiet: true, env: Object.fromEntries(configVariableNames.map((name) => [name, undefined])) });
  let throughput: Throughput[];
  let inProcess: InProcessResult[];
  let counters: BenchResult['counters'];
  const bare = await startBareServer();
  const storageOnly = await startStorageOnlyServer();
  try {
    if (!server.devIssuer) throw new Error('the benchmark needs the development issuer: unset AUTH_* first');
    const tokens = await mintTokens(server.devIssuer, TOKEN_POOL);
    const service = { origin: new URL(server.url).origin, prefix: '/beta' };
    throughput = await measureThroughput(
      {
        bare: { origin: bare.origin, prefix: '' },
        storageOnly: { origin: storageOnly.origin, prefix: '' },
        profilePhones: service,
        phoneMethods: service,
      },
      tokens,
    );
    log('in-process cost');
    inProcess = await measureInProcess(tokens);
    counters = { keySetFetches: getKeySet().fetchCount, cosmosClients: cosmos.cosmosClientCount };
  } finally {
    await Promise.all([bare.close(), storageOnly.close()]);
    await server.close();
  }

  const rps = (kind: LoadKind) => throughput.find((t) => t.kind === kind)!.requestsPerSecond;
  const ratios = {
    'profilePhones / storageOnly': rps('profilePhones') / rps('storageOnly'),
    'phoneMethods / storageOnly': rps('phoneMethods') / rps('storageOnly'),
    'profilePhones / bare': rps('profilePhones') / rps('bare'),
    'phoneMethods / bare': rps('phoneMethods') / rps('bare'),
  };
  const targets = [
    ...['profilePhones', 'phoneMethods'].map((kind) => {
      const value = ratios[`${kind} / storageOnly` as keyof typeof ratios];
      return { name: `${kind} throughput / storage-only`, value, limit: `>= ${TARGETS.throughputVsStorage}`, met: value >= TARGETS.throughputVsStorage };
    }),
    ...inProcess.map((r) => ({
      name: `${r.endpoint} auth+validation+response p50 (us)`,
      value: r.total.p50Us,
      limit: `<= ${TARGETS.inProcessP50Us}`,
      met: r.total.p50Us <= TARGETS.inProcessP50Us,
    })),
    {
      name: 'bundle import / dependencies import',
      value: imports.bundleMs / imports.dependenciesMs,
      limit: `<= ${TARGETS.importVsDependencies}`,
      met: imports.bundleMs / imports.dependenciesMs <= TARGETS.importVsDependencies,
    },
    { name: 'key-set fetches', value: counters.keySetFetches, limit: '= 1', met: counters.keySetFetches === 1 },
    { name: 'Cosmos clients created', value: counters.cosmosClients, limit: '= 1', met: counters.cosmosClients === 1 },
    { name: 'requests not answered 2xx', value: throughput.reduce((s, t) => s + t.failures, 0), limit: '= 0', met: throughput.every((t) => t.failures === 0) },
    { name: 'bundle loads without node_modules', value: pkg.loadsWithoutNodeModules ? 1 : 0, limit: '= 1', met: pkg.loadsWithoutNodeModules && pkg.unresolvedRequires.length === 0 },
  ];
  const result: BenchResult = {
    startedAt: startedAt.toISOString(),
    node: process.version,
    settings: { rounds: ROUNDS, connections: CONNECTIONS, durationSeconds: DURATION_SECONDS },
    throughput,
    ratios,
    inProcess,
    counters,
    coldStart,
    imports,
    package: pkg,
    targets,
  };
  console.log(renderTable(result));
  writeResults(result, startedAt);
  if (!targets.every((t) => t.met)) process.exitCode = 1;
}

function writeResults(result: BenchResult, startedAt: Date): void {
  const dir = path.join(ROOT, 'bench-results');
  mkdirSync(dir, { recursive: true });
  const json = JSON.stringify(result, null, 2) + '\n';
  writeFileSync(path.join(dir, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`), json);
  writeFileSync(path.join(dir, 'latest.json'), json);
}

const f0 = (n: number) => n.toFixed(0);
const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);
const kib = (n: number) => `${f0(n / 1024)} KiB`;

/** One Markdown table, ready to paste into the README. */
export function renderTable(r: BenchResult): string {
  const rows: string[][] = [];
  for (const t of r.throughput) {
    rows.push([`throughput ${t.kind}`, `${f0(t.requestsPerSecond)} req/s`, `p50 ${f1(t.latencyP50Ms)} ms, p99 ${f1(t.latencyP99Ms)} ms${t.failures ? `, ${t.failures} failed` : ''}`]);
  }
  for (const [name, value] of Object.entries(r.ratios)) rows.push([`ratio ${name}`, f2(value), '']);
  for (const p of r.inProcess) {
    rows.push([
      `in-process ${p.endpoint}: auth+validation+response`,
      `p50 ${f0(p.total.p50Us)} us, p99 ${f0(p.total.p99Us)} us`,
      `auth ${f0(p.authentication.p50Us)} / validation ${f0(p.validation.p50Us)} / response ${f0(p.response.p50Us)} us (p50); JSON.parse+stringify p50 ${f1(p.jsonOnly.p50Us)} us, p99 ${f1(p.jsonOnly.p99Us)} us`,
    ]);
  }
  rows.push(['key-set fetches (whole run)', String(r.counters.keySetFetches), 'must be 1']);
  rows.push(['Cosmos clients created (whole run)', String(r.counters.cosmosClients), 'must be 1']);
  rows.push(['cold start: spawn to first 201', `${f0(r.coldStart.firstCreatedMs)} ms`, 'local server as npm start runs it (tsx), embedded Cosmos + dev issuer']);
  rows.push(['import: deployable bundle', `${f0(r.imports.bundleMs)} ms`, `with --enable-source-maps ${f0(r.imports.bundleWithSourceMapsMs)} ms`]);
  rows.push(['import: functions+cosmos+jose+zod alone', `${f0(r.imports.dependenciesMs)} ms`, `bundle / dependencies ${f2(r.imports.bundleMs / r.imports.dependenciesMs)}`]);
  rows.push(['deployment package', `${kib(r.package.totalBytes)} (zip ${kib(r.package.zipBytes)})`, r.package.files.map((f) => `${f.name} ${kib(f.bytes)}`).join(', ')]);
  for (const t of r.targets) rows.push([`target: ${t.name}`, t.met ? 'met' : 'MISSED', `${Number.isInteger(t.value) ? t.value : f2(t.value)} (${t.limit})`]);
  const header = `Benchmark ${r.startedAt}, Node ${r.node}, ${r.settings.rounds} rounds (medians), ${r.settings.connections} connections x ${r.settings.durationSeconds} s`;
  return [header, '', '| measure | value | notes |', '|---|---|---|', ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

function log(step: string): void {
  console.error(`bench: ${step}...`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
