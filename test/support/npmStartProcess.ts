import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LOCAL_SERVICE_VARIABLES } from '../../scripts/localServer';

/**
 * The default `npm start` in its own process (`node --import tsx scripts/localServer.ts`, what the npm
 * script runs), with no service variable set, started in an empty working directory (no
 * local.settings.json) and with its own cache folder (the development issuer's key is kept there).
 * Resolves once the banner is printed.
 */

export const REPO_ROOT = join(__dirname, '..', '..');
/** tsx's loader by its location, so the child's working directory may be any folder. */
const TSX_LOADER = pathToFileURL(require.resolve('tsx')).href;

/**
 * A command line that runs one of the repository's TypeScript files (`scripts/token.ts`) with its
 * arguments as `npm start` runs its script: `node --import tsx`, one Node.js process (the `tsx` command
 * starts a second one around it, about half a second of CPU more per child).
 */
export function tsxScript(script: string, ...args: string[]): [string, string[]] {
  return [process.execPath, ['--import', TSX_LOADER, join(REPO_ROOT, script), ...args]];
}

export interface NpmStartProcess extends AsyncDisposable {
  /** e.g. http://127.0.0.1:40123 */
  url: string;
  port: number;
  /** Everything printed so far (stdout and stderr). */
  output(): string;
  /** The environment the server got: PORT and XDG_CACHE_HOME, for `npm run token` and the like. */
  env: NodeJS.ProcessEnv;
  /** SIGTERM, then the exit code; the working directory is removed. */
  stop(): Promise<number | null>;
}

/** A port free right now on 127.0.0.1 (PORT must name one: 0 is not accepted). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export interface NpmStartOptions {
  /** Default: a free port. */
  port?: number;
  /** Default: a folder of the working directory (removed at stop). */
  cacheHome?: string;
}

export async function startNpmStart(options: NpmStartOptions = {}): Promise<NpmStartProcess> {
  const workDir = mkdtempSync(join(tmpdir(), 'graph-phones-npm-start-'));
  const port = options.port ?? (await freePort());
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    XDG_CACHE_HOME: options.cacheHome ?? join(workDir, 'cache'),
  };
  for (const name of [...LOCAL_SERVICE_VARIABLES, 'SMS_SIGN_IN_ENABLED']) delete env[name];
  const child = spawn(...tsxScript('scripts/localServer.ts'), {
    cwd: workDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const code = await exit;
    rmSync(workDir, { recursive: true, force: true });
    return code;
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!output.includes('More tokens')) return;
        child.stdout.off('data', check);
        resolve();
      };
      child.stdout.on('data', check);
      void exit.then(() => reject(new Error(`npm start exited before its banner:\n${output}`)));
      check();
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    output: () => output,
    env,
    stop,
    [Symbol.asyncDispose]: async () => void (await stop()),
  };
}
