import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { ROOT } from '../bundle';
import { onCore } from './cores';
import { evaluate, renderRoundTrips, renderRun, roundTripTargets, type RunResult, type Target } from './report';

/**
 * `npm run bench [-- --node22]`: one run per Node (this one, and Node 22 with --node22), each in its
 * own process started with --expose-gc (run.ts), then one table per run, every figure in
 * bench-results/<time>.json and latest.json. Exits 1 when any target is missed or a run fails.
 * Not part of `npm test`: nothing else asserts timing. How to read it: docs/performance.md.
 */

/** Where the README's command puts Node 22 (`npm install --prefix ~/.cache/node22 node@22`); BENCH_NODE22 overrides. */
const NODE22 =
  process.env.BENCH_NODE22 ?? path.join(homedir(), '.cache', 'node22', 'node_modules', 'node', 'bin', 'node');

interface RunOutcome {
  binary: string;
  result?: RunResult & { targets: Target[] };
  error?: string;
}

function runOn(binary: string, outFile: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    // Compiled as deployed (compileAsDeployed.cjs), not by tsx: the measured code is the code Azure runs.
    const [command, args] = onCore('measured', binary, [
      '--expose-gc',
      '--require',
      path.join(__dirname, 'compileAsDeployed.cjs'),
      path.join(__dirname, 'run.ts'),
      outFile,
    ]);
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const binaries = [process.execPath];
  if (process.argv.includes('--node22')) {
    if (!existsSync(NODE22))
      throw new Error(
        `--node22: no Node 22 at ${NODE22}; install it with: npm install --prefix "$HOME/.cache/node22" node@22 (or set BENCH_NODE22)`,
      );
    binaries.push(NODE22);
  }
  const dir = path.join(ROOT, 'bench-results');
  mkdirSync(dir, { recursive: true });
  const outcomes: RunOutcome[] = [];
  for (const [i, binary] of binaries.entries()) {
    const outFile = path.join(dir, `.run-${process.pid}-${i}.json`);
    const code = await runOn(binary, outFile).catch((error: unknown) => String(error));
    if (code !== 0 || !existsSync(outFile)) {
      outcomes.push({ binary, error: `run on ${binary} failed (${code})` });
      continue;
    }
    const result = JSON.parse(readFileSync(outFile, 'utf8')) as RunResult;
    outcomes.push({ binary, result: { ...result, targets: [...evaluate(result), ...roundTripTargets(result)] } });
  }

  for (const o of outcomes)
    console.log(
      o.result ? `\n${renderRun(o.result, o.result.targets)}\n\n${renderRoundTrips(o.result)}` : `\n${o.error}`,
    );
  const missed = outcomes.flatMap((o) =>
    o.result ? o.result.targets.filter((t) => !t.met).map((t) => `${o.result!.node}: ${t.name}`) : [o.error!],
  );
  console.log(
    missed.length === 0
      ? '\nEvery target met on every Node run.'
      : `\nMISSED:\n${missed.map((m) => `  ${m}`).join('\n')}`,
  );

  const json =
    JSON.stringify(
      { startedAt: startedAt.toISOString(), allTargetsMet: missed.length === 0, missed, runs: outcomes },
      null,
      2,
    ) + '\n';
  writeFileSync(path.join(dir, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`), json);
  writeFileSync(path.join(dir, 'latest.json'), json);
  for (const [i] of binaries.entries()) {
    const outFile = path.join(dir, `.run-${process.pid}-${i}.json`);
    if (existsSync(outFile)) rmSync(outFile);
  }
  if (missed.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
