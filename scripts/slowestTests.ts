/**
 * `npm run test:slowest [-- jest arguments]`: runs Jest with a JSON report and prints where the time
 * went: the slowest files (wall time, tests) and the slowest tests. With `--report <file>` it reads a
 * report written earlier by `npx jest --json --outputFile=<file>` instead of running Jest.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

interface JestReport {
  startTime: number;
  numTotalTests: number;
  testResults: Array<{
    name: string;
    startTime: number;
    endTime: number;
    assertionResults: Array<{ fullName: string; duration?: number | null }>;
  }>;
}

const SHOWN = 15;

function reportFrom(args: string[]): JestReport {
  const at = args.indexOf('--report');
  if (at !== -1) return JSON.parse(readFileSync(args[at + 1]!, 'utf8')) as JestReport;
  const folder = mkdtempSync(join(tmpdir(), 'graph-phones-slowest-'));
  try {
    const file = join(folder, 'report.json');
    spawnSync(process.execPath, [require.resolve('jest/bin/jest'), '--json', `--outputFile=${file}`, ...args], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return JSON.parse(readFileSync(file, 'utf8')) as JestReport;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`.padStart(8);

function main(): void {
  const report = reportFrom(process.argv.slice(2));
  const files = report.testResults
    .map((file) => ({
      name: relative(process.cwd(), file.name),
      ms: file.endTime - file.startTime,
      tests: file.assertionResults.length,
    }))
    .sort((a, b) => b.ms - a.ms);
  const tests = report.testResults
    .flatMap((file) =>
      file.assertionResults.map((test) => ({
        name: `${relative(process.cwd(), file.name)} › ${test.fullName}`,
        ms: test.duration ?? 0,
      })),
    )
    .sort((a, b) => b.ms - a.ms);
  const wall = Math.max(...report.testResults.map((file) => file.endTime)) - report.startTime;
  console.log(`${report.numTotalTests} tests in ${files.length} files; Jest's wall time ${seconds(wall).trim()}.`);
  console.log(`\nSlowest files (time in a worker, tests):`);
  for (const file of files.slice(0, SHOWN))
    console.log(`${seconds(file.ms)}  ${String(file.tests).padStart(4)}  ${file.name}`);
  console.log(`\nSlowest tests:`);
  for (const test of tests.slice(0, SHOWN)) console.log(`${seconds(test.ms)}  ${test.name}`);
}

main();
