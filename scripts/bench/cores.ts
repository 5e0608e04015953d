import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

/**
 * Where the benchmark's processes run. On a machine with at least two cores and `taskset`, the
 * measured process gets core 0 to itself and storage and load share core 1, as in Azure, where an
 * instance does not share its cores with Cosmos DB or with its clients. Without that, every process
 * shares every core, and the ratios carry the scheduler's noise.
 */

export type Placement = 'measured process on core 0; storage and load on core 1' | 'shared cores';

const TASKSET = 'taskset';

function tasksetWorks(): boolean {
  // The machine's cores, not this process's share of them: the measured process itself runs pinned.
  if (process.platform !== 'linux' || cpus().length < 2) return false;
  try {
    execFileSync(TASKSET, ['-c', '0', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const pinning = tasksetWorks();

export const placement: Placement = pinning ? 'measured process on core 0; storage and load on core 1' : 'shared cores';

type Role = 'measured' | 'helper';

/** The command and arguments that start `command args` on its role's core (unchanged without pinning). */
export function onCore(role: Role, command: string, args: readonly string[]): [string, string[]] {
  if (!pinning) return [command, [...args]];
  return [TASKSET, ['-c', role === 'measured' ? '0' : '1', command, ...args]];
}
