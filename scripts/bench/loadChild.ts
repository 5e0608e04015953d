import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../bundle';
import type { LoadJob, LoadResult } from './load';

/** The most one load run may take; past it the child is killed and the run fails. */
const DEADLINE_MS = 120_000;

/** Runs autocannon in a child process (the job, tokens included, goes over stdin) and reads its JSON answer. */
export function runLoadChild(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'load.ts')], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
    const timer = setTimeout(() => child.kill(), DEADLINE_MS);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(out) as LoadResult);
      else reject(new Error(`load child ${signal ? `killed (${signal}) after ${DEADLINE_MS / 1000} s` : `exited ${code}`}`));
    });
    child.stdin.end(JSON.stringify(job));
  });
}
