import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { BUNDLE_FILE, ROOT } from '../bundle';
import { stageDeployment } from '../package';
import { medianOf, rounds } from './stats';

/** What the deployable entry is compared with: the four libraries every request needs, loaded alone. */
const DEPENDENCIES = ['@azure/functions', '@azure/cosmos', 'jose', 'zod'];

export interface ImportTimes {
  /** Median ms to require the bundle in a folder with no node_modules. */
  bundleMs: number;
  /** The same with `--enable-source-maps` (what readable stack traces in production would cost). */
  bundleWithSourceMapsMs: number;
  /** Median ms to require the dependencies alone from node_modules. */
  dependenciesMs: number;
}

/** Milliseconds a fresh Node process spends in `require(...)` of the given modules (measured inside it). */
function importMs(modules: string[], cwd: string, nodeArgs: string[] = []): number {
  const requires = modules.map((name) => `require(${JSON.stringify(name)});`).join('');
  const code = `const t=process.hrtime.bigint();${requires}process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6));`;
  // stderr is dropped: @azure/functions warns that it runs in test mode outside the worker.
  const out = execFileSync(process.execPath, [...nodeArgs, '--no-warnings', '-e', code], {
    cwd,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return Number(out.toString());
}

export async function measureImports(count: number): Promise<ImportTimes> {
  const dir = stageDeployment();
  try {
    const samples = await rounds(count, () =>
      Promise.resolve({
        bundle: importMs([`./${BUNDLE_FILE}`], dir),
        maps: importMs([`./${BUNDLE_FILE}`], dir, ['--enable-source-maps']),
        dependencies: importMs(DEPENDENCIES, ROOT),
      }),
    );
    return {
      bundleMs: medianOf(samples, (s) => s.bundle),
      bundleWithSourceMapsMs: medianOf(samples, (s) => s.maps),
      dependenciesMs: medianOf(samples, (s) => s.dependencies),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A free loopback port (the child must know its port before it starts, so it can be polled). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface ColdStart {
  /** Median ms from spawning the local server process to its first 201. */
  firstCreatedMs: number;
  rounds: number[];
}

const POLL_MS = 5;
const GIVE_UP_MS = 30_000;

/**
 * Spawns the local server as `npm start` runs it (tsx, embedded Cosmos, dev issuer; it loads the
 * function files itself, so it cannot run from the bundle) with none of the service's variables set,
 * and polls until a create answers 201: process start, TypeScript loading, storage bootstrap, the
 * key-set fetch and the first Cosmos request are all inside the number.
 */
export async function measureColdStart(
  count: number,
  firstCreated: (origin: string) => Promise<boolean>,
): Promise<ColdStart> {
  const times = await rounds(count, async () => {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'serverChild.ts')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, BENCH_SERVER_PORT: String(port) },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exited = once(child, 'exit');
    try {
      while (!(await firstCreated(origin).catch(() => false))) {
        if (performance.now() - started > GIVE_UP_MS || child.exitCode !== null)
          throw new Error('the local server did not answer 201');
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
      return performance.now() - started;
    } finally {
      child.kill();
      await exited;
    }
  });
  return { firstCreatedMs: medianOf(times, (t) => t), rounds: times };
}
