import { spawn } from 'node:child_process';
import { randomInt, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { PRIVILEGED_AUTHENTICATION_ADMINISTRATOR } from '../../shared/auth/permissions';
import { configVariableNames } from '../../shared/config';
import { freePort } from '../../test/support/npmStartProcess';
import { ROOT } from '../bundle';
import { BatchClient, type ItemAnswer } from '../bulk/batchClient';
import { digitsOf } from '../bulk/journal';
import { requestToken } from '../token';
import type { DevIssuer } from '../devIssuer';
import { BENCH_TOKEN_REQUEST } from './tokens';
import { median } from './stats';

/**
 * JSON batching in the benchmark run:
 * - one client creating phone methods for 20 users: one `$batch` of 20 creates against 20 sequential
 *   single requests, in ABBA turns (target: the batch at least 4x faster);
 * - `npm run bulk-phones` on 10,000 generated rows against `npm start` with its embedded storage:
 *   rows per second, then every row read back through `$batch` (target: none lost, none duplicated).
 */

export const BATCH_SPEEDUP_TARGET = 4;
const USERS_PER_SIDE = 20;

export interface BatchingFigures {
  batchVsSequential: {
    rounds: number;
    batchMs: number[];
    sequentialMs: number[];
    speedup: number;
    target: number;
    met: boolean;
  };
  bulk: {
    rows: number;
    seconds: number;
    rowsPerSecond: number;
    exitCode: number | null;
    lost: number;
    duplicated: number;
    met: boolean;
  };
}

const mobileNumber = () => `+44 7${String(randomInt(0, 1_000_000_000)).padStart(9, '0')}`;
const createBody = () => JSON.stringify({ phoneNumber: mobileNumber(), phoneType: 'mobile' });

async function sequential(base: string, token: string): Promise<number> {
  const started = performance.now();
  for (let index = 0; index < USERS_PER_SIDE; index += 1) {
    const response = await fetch(`${base}/users/${randomUUID()}/authentication/phoneMethods`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: createBody(),
    });
    await response.arrayBuffer();
    if (response.status !== 201) throw new Error(`a single create answered ${response.status}`);
  }
  return performance.now() - started;
}

async function batched(base: string, token: string): Promise<number> {
  const requests = Array.from({ length: USERS_PER_SIDE }, (_, index) => ({
    id: String(index + 1),
    method: 'POST',
    url: `/users/${randomUUID()}/authentication/phoneMethods`,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.parse(createBody()) as unknown,
  }));
  const started = performance.now();
  const response = await fetch(`${base}/$batch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ requests }),
  });
  const body = (await response.json()) as { responses?: ItemAnswer[] };
  const elapsed = performance.now() - started;
  const created = (body.responses ?? []).filter((answer) => answer.status === 201).length;
  if (response.status !== 200 || created !== USERS_PER_SIDE)
    throw new Error(`the batch answered ${response.status} with ${created} of ${USERS_PER_SIDE} created`);
  return elapsed;
}

/** One client, the measured service: a batch of 20 creates against 20 sequential creates, ABBA per round. */
export async function measureBatchVsSequential(
  serviceUrl: string,
  issuer: DevIssuer,
  rounds: number,
): Promise<BatchingFigures['batchVsSequential']> {
  const base = `${serviceUrl}/beta`;
  const token = await issuer.mint(BENCH_TOKEN_REQUEST);
  await batched(base, token); // warm-up: both paths compiled, the connection open
  await sequential(base, token);
  const batchMs: number[] = [];
  const sequentialMs: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    sequentialMs.push(await sequential(base, token));
    batchMs.push(await batched(base, token));
    batchMs.push(await batched(base, token));
    sequentialMs.push(await sequential(base, token));
  }
  const speedup = median(sequentialMs) / median(batchMs);
  return { rounds, batchMs, sequentialMs, speedup, target: BATCH_SPEEDUP_TARGET, met: speedup >= BATCH_SPEEDUP_TARGET };
}

/** `npm start` with nothing configured (embedded storage, development issuer), on a free port. */
async function startNpmStart(): Promise<{ url: string; stop(): void }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of configVariableNames) delete env[name];
  env.PORT = String(await freePort());
  // The generated rows name fresh object ids, which the development directory does not hold; without
  // a directory they are taken as they are (the directory's own cost is the throughput section's).
  env.DIRECTORY_ENDPOINT = 'none';
  const child = spawn('npm', ['start'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  const stop = () => {
    // The process group this function started: npm, its shell and the server.
    if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
  };
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const found = /local server on (http:\/\/\S+)/.exec(output);
      if (found) resolve(found[1]!);
    });
    child.on('exit', (code) => reject(new Error(`npm start exited (${code}) before it served`)));
  }).catch((error: unknown) => {
    stop();
    throw error;
  });
  child.stdout.resume();
  return { url, stop };
}

function runBulk(file: string, base: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'scripts', 'bulk-phones.ts'), file, '--base', base],
      {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
}

/** Every row read back through `$batch`: a row is lost without its method, duplicated beside another. */
async function verify(base: string, rows: ReadonlyArray<{ user: string; type: string; phoneNumber: string }>) {
  // A Privileged Authentication Administrator reads the numbers whole (an Authentication Administrator
  // alone reads other users' numbers masked), so each row's number can be compared exactly.
  const reader = { ...BENCH_TOKEN_REQUEST, wids: [PRIVILEGED_AUTHENTICATION_ADMINISTRATOR] };
  const client = new BatchClient(base, await requestToken(new URL(new URL(base).origin), reader));
  let lost = 0;
  let duplicated = 0;
  for (let start = 0; start < rows.length; start += 20) {
    const slice = rows.slice(start, start + 20);
    const answers = await client.send(
      slice.map((row, index) => ({
        id: String(index),
        method: 'GET',
        url: `/users/${row.user}/authentication/phoneMethods`,
      })),
    );
    for (const [index, row] of slice.entries()) {
      const methods = answers.get(String(index))?.body?.value ?? [];
      const matching = methods.filter(
        (method) => method.phoneType === row.type && digitsOf(method.phoneNumber ?? '') === digitsOf(row.phoneNumber),
      );
      if (matching.length === 0) lost += 1;
      duplicated += methods.length - matching.length + Math.max(0, matching.length - 1);
    }
  }
  return { lost, duplicated };
}

/** The bulk command on `rows` generated rows (one user each) through `npm start`'s embedded storage. */
export async function measureBulk(rows: number, log: (step: string) => void): Promise<BatchingFigures['bulk']> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-bulk-'));
  const server = await startNpmStart();
  try {
    const generated = Array.from({ length: rows }, (_, index) => ({
      user: randomUUID(),
      type: index % 4 === 3 ? 'office' : 'mobile',
      phoneNumber: mobileNumber(),
    }));
    const file = path.join(dir, 'rows.csv');
    writeFileSync(
      file,
      ['user,phoneType,phoneNumber', ...generated.map((row) => `${row.user},${row.type},${row.phoneNumber}`)].join(
        '\n',
      ),
    );
    const base = `${server.url}/beta`;
    log(`bulk-phones: ${rows} rows against ${base}`);
    const started = performance.now();
    const exitCode = await runBulk(file, base);
    const seconds = (performance.now() - started) / 1000;
    log('bulk-phones: reading every row back');
    const { lost, duplicated } = await verify(base, generated);
    return {
      rows,
      seconds,
      rowsPerSecond: rows / seconds,
      exitCode,
      lost,
      duplicated,
      met: exitCode === 0 && lost === 0 && duplicated === 0,
    };
  } finally {
    server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function describeBatching(figures: BatchingFigures): string[] {
  const { batchVsSequential: versus, bulk } = figures;
  return [
    `batch of ${USERS_PER_SIDE} creates: median ${median(versus.batchMs).toFixed(1)} ms; ${USERS_PER_SIDE} sequential creates: median ${median(versus.sequentialMs).toFixed(1)} ms; ${versus.speedup.toFixed(1)}x (target ${versus.target}x) ${versus.met ? 'met' : 'MISSED'}`,
    `bulk-phones: ${bulk.rows} rows in ${bulk.seconds.toFixed(1)} s = ${bulk.rowsPerSecond.toFixed(0)} rows/s, exit ${bulk.exitCode}, lost ${bulk.lost}, duplicated ${bulk.duplicated} ${bulk.met ? 'met' : 'MISSED'}`,
  ];
}
