import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT } from '../bundle';
import { onCore } from './cores';
import type { LoadJob, LoadResult } from './load';

type LoadProcess = ChildProcessByStdio<Writable, Readable, null>;

/** The most one load run may take; past it the load process is killed and the run fails. */
const DEADLINE_MS = 120_000;

/** Runs load jobs, one at a time, in one long-lived load process (load.ts). */
export interface LoadRunner {
  run(job: LoadJob): Promise<LoadResult>;
  stop(): void;
}

/**
 * Starts the load process once, so the runs of a benchmark do not each pay a process start. Jobs
 * (tokens included) go over its stdin as JSON lines and results come back the same way; nothing
 * travels on a command line or in a log.
 */
export function startLoadRunner(): LoadRunner {
  let child: LoadProcess | undefined;
  let pending:
    { resolve: (result: LoadResult) => void; reject: (error: Error) => void; timer: NodeJS.Timeout } | undefined;
  const fail = (error: Error) => {
    if (!pending) return;
    clearTimeout(pending.timer);
    pending.reject(error);
    pending = undefined;
  };
  const ensureChild = (): LoadProcess => {
    if (child) return child;
    const [command, args] = onCore('helper', process.execPath, ['--import', 'tsx', path.join(__dirname, 'load.ts')]);
    const started = spawn(command, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
    createInterface({ input: started.stdout }).on('line', (line) => {
      if (!pending) return;
      clearTimeout(pending.timer);
      pending.resolve(JSON.parse(line) as LoadResult);
      pending = undefined;
    });
    started.on('error', (error) => {
      child = undefined;
      fail(error);
    });
    started.on('exit', (code, signal) => {
      child = undefined;
      fail(new Error(`load process ${signal ? `killed (${signal})` : `exited ${code}`} during a run`));
    });
    child = started;
    return started;
  };
  return {
    run(job) {
      if (pending) return Promise.reject(new Error('one load run at a time'));
      const target = ensureChild();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          fail(new Error(`load run took over ${DEADLINE_MS / 1000} s`));
          target.kill();
        }, DEADLINE_MS);
        pending = { resolve, reject, timer };
        target.stdin.write(`${JSON.stringify(job)}\n`);
      });
    },
    stop() {
      child?.stdin.end();
    },
  };
}
