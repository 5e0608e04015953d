/**
 * `npm test`: the type check and Jest at the same time, failing if either fails. Jest's workers often
 * wait on loopback servers, so the type check (20 s or more when it went first) runs at a lower
 * priority in the CPU they leave idle and does not slow the suites that need the CPU. Jest's output
 * streams as it comes; the type check's is held and printed after Jest's summary, so the two never
 * interleave. Arguments go to Jest (`npm test -- test/functions`).
 *
 * The type check is incremental, its state kept in node_modules/.cache (a clean clone, as in CI, checks
 * everything): a run after a change re-checks only what the change can affect, about half the CPU of
 * a full check, most of the rest being the parse of Microsoft Graph SDKs' type declarations.
 */
import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';

/** What the incremental type check remembers between runs. */
const TYPECHECK_STATE = 'node_modules/.cache/graph-phones/typecheck.tsbuildinfo';

/** A nice value: the type check gets the CPU when Jest's workers leave it. */
const BACKGROUND_PRIORITY = 10;

interface Finished {
  code: number;
  output: string;
  seconds: number;
}

function run(script: string, args: string[], options: { background: boolean }): Promise<Finished> {
  const started = performance.now();
  return new Promise((resolve) => {
    // The Node.js running this script runs both tools, as .ci/run's PATH chose it.
    const child = spawn(process.execPath, [require.resolve(script), ...args], {
      stdio: options.background ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    });
    if (options.background && child.pid !== undefined) {
      try {
        setPriority(child.pid, BACKGROUND_PRIORITY);
      } catch {
        // Not allowed here: it runs at normal priority, which is only slower.
      }
    }
    const chunks: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => chunks.push(chunk));
    const finish = (code: number) =>
      resolve({
        code,
        output: Buffer.concat(chunks).toString('utf8'),
        seconds: Math.round((performance.now() - started) / 100) / 10,
      });
    child.on('error', (error) => {
      chunks.push(Buffer.from(`${error.message}\n`));
      finish(1);
    });
    child.on('close', (code, signal) => finish(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<void> {
  const typecheck = run(
    'typescript/bin/tsc',
    ['-p', 'tsconfig.json', '--noEmit', '--incremental', '--tsBuildInfoFile', TYPECHECK_STATE],
    { background: true },
  );
  const jest = await run('jest/bin/jest', process.argv.slice(2), { background: false });
  const types = await typecheck;
  if (types.code === 0) {
    console.log(`Type check (tsc --noEmit, run beside Jest): no errors, ${types.seconds} s.`);
  } else {
    process.stderr.write(types.output);
    console.error(`Type check (tsc --noEmit, run beside Jest): FAILED (exit code ${types.code}).`);
  }
  process.exitCode = jest.code !== 0 ? jest.code : types.code;
}

void main();
