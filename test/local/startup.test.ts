import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { LOCAL_SERVICE_VARIABLES } from '../../scripts/localServer';
import { tsxScript } from '../support/npmStartProcess';

/**
 * What a new user meets when `npm start` cannot start, or is stopped: one line that says what to do
 * (no stack), and a port that is free again after `kill -TERM` of the npm process.
 */

const ROOT = join(__dirname, '..', '..');
let workDir: string;
/** The process group of `npm start` in the signal test, killed after the file even when that test times out. */
let npmGroup: number | undefined;

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'graph-phones-startup-'));
});
afterAll(() => {
  if (npmGroup !== undefined) {
    try {
      process.kill(-npmGroup, 'SIGKILL');
    } catch {
      // Nothing of it is left.
    }
  }
  rmSync(workDir, { recursive: true, force: true });
});

function listenOn(port = 0): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
const portOf = (server: Server) => (server.address() as { port: number }).port;
const close = (server: Server) => new Promise((resolve) => server.close(resolve));
async function freePort(): Promise<number> {
  const probe = await listenOn();
  const port = portOf(probe);
  await close(probe);
  return port;
}

/** The service's variables unset, as on a new machine. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of LOCAL_SERVICE_VARIABLES) delete env[name];
  return env;
}

/** Runs `npm start`'s script to its end; its output and exit code. */
function startExpectingFailure(
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(...tsxScript('scripts/localServer.ts'), { cwd, env }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

/** Everything a started server printed up to the end of its banner; rejects if it exits first. */
function untilBanner(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const check = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('More tokens')) resolve(output);
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('exit', () => reject(new Error(`it exited before its banner: ${output.split('\n')[0]}`)));
  });
}

const stderrLines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

test('a busy port is one line: which port, set PORT or stop the other process', async () => {
  const busy = await listenOn();
  try {
    const port = portOf(busy);
    const result = await startExpectingFailure(workDir, cleanEnv({ PORT: String(port) }));
    expect(result.code).toBe(1);
    expect(stderrLines(result.stderr)).toEqual([
      `Port ${port} is in use: set PORT to a free port (e.g. PORT=${port + 1} npm start) or stop the other process.`,
    ]);
  } finally {
    await close(busy);
  }
});

test('PORT=abc is one line naming PORT', async () => {
  const result = await startExpectingFailure(workDir, cleanEnv({ PORT: 'abc' }));
  expect(result.code).toBe(1);
  expect(stderrLines(result.stderr)).toEqual([
    expect.stringMatching(/^PORT must be a port number between 1 and 65535, got 'abc': set PORT=7071/),
  ]);
});

test('a copied local.settings.json naming an emulator that does not run: one line saying to start it or remove COSMOS_ENDPOINT', async () => {
  const dir = join(workDir, 'copied-sample');
  mkdirSync(dir);
  const closedPort = await freePort();
  // The tracked sample as a new user copies it, with the emulator's port replaced by one nobody listens on.
  const sample = readFileSync(join(ROOT, 'local.settings.sample.json'), 'utf8');
  expect(sample).toContain('https://localhost:8081');
  writeFileSync(
    join(dir, 'local.settings.json'),
    sample.replace('https://localhost:8081', `https://localhost:${closedPort}`),
  );
  const result = await startExpectingFailure(dir, cleanEnv({ PORT: String(await freePort()) }));
  expect(result.code).toBe(1);
  // stdout says the file switched storage; stderr is the one line of what to do.
  expect(result.stdout).toContain(`local.settings.json selects Cosmos at https://localhost:${closedPort}`);
  const lines = stderrLines(result.stderr);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(
    new RegExp(
      `^local\\.settings\\.json selects Cosmos at https://localhost:${closedPort}, which does not answer \\(.+\\): start the emulator or remove COSMOS_ENDPOINT \\(and COSMOS_KEY\\) from local\\.settings\\.json for the embedded server\\.$`,
    ),
  );
});

describe('the development issuer and configured storage', () => {
  // The test run's Cosmos-compatible server: it answers, so only the issuer decides.
  const storage = () => ({ COSMOS_ENDPOINT: process.env.COSMOS_ENDPOINT!, COSMOS_KEY: process.env.COSMOS_KEY! });
  /** A clean environment (cleanEnv removes the service variables) with the given ones set. */
  const envWith = async (variables: Record<string, string>) => ({
    ...cleanEnv({ PORT: String(await freePort()) }),
    ...variables,
  });

  test('COSMOS_ENDPOINT without AUTH_*: npm start refuses, in one line naming the settings to add', async () => {
    for (const env of [storage(), { COSMOS_ENDPOINT: process.env.COSMOS_ENDPOINT! }]) {
      const result = await startExpectingFailure(workDir, await envWith(env));
      expect(result.code).toBe(1);
      expect(result.stdout).not.toContain('Bearer');
      const lines = stderrLines(result.stderr);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^COSMOS_ENDPOINT \(from environment\) selects real storage, and the development issuer does not run over it: set AUTH_TENANT_ID and AUTH_AUDIENCE/,
      );
      expect(lines[0]).toContain('LOCAL_DEV_ISSUER=1');
    }
  });

  test('LOCAL_DEV_ISSUER=1 is refused for storage that is not a key-authenticated emulator on loopback, and must be 1', async () => {
    const noKey = await startExpectingFailure(
      workDir,
      await envWith({ COSMOS_ENDPOINT: process.env.COSMOS_ENDPOINT!, LOCAL_DEV_ISSUER: '1' }),
    );
    expect(noKey.code).toBe(1);
    expect(stderrLines(noKey.stderr)).toEqual([
      expect.stringMatching(/^LOCAL_DEV_ISSUER=1 is only for an emulator on loopback with COSMOS_KEY/),
    ]);
    const yes = await startExpectingFailure(workDir, await envWith({ ...storage(), LOCAL_DEV_ISSUER: 'yes' }));
    expect(yes.code).toBe(1);
    expect(stderrLines(yes.stderr)).toEqual(["LOCAL_DEV_ISSUER must be 1 or unset, got 'yes'."]);
  });

  test('LOCAL_DEV_ISSUER=1 over an emulator starts, with a loud warning in the banner', async () => {
    const server = spawn(...tsxScript('scripts/localServer.ts'), {
      cwd: workDir,
      env: await envWith({ ...storage(), LOCAL_DEV_ISSUER: '1' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const output = await untilBanner(server);
      expect(output).toContain(
        `WARNING: LOCAL_DEV_ISSUER=1: the DEVELOPMENT ISSUER is running over CONFIGURED STORAGE (${process.env.COSMOS_ENDPOINT})`,
      );
      expect(output).toContain('Use this only with a disposable emulator');
      expect(output.indexOf('WARNING')).toBeLessThan(output.indexOf('graph-phones local server on'));
    } finally {
      server.kill('SIGKILL');
    }
  });
});

/** Resolves once nothing accepts connections on the port (bounded by the test timeout). */
async function portClosed(port: number): Promise<boolean> {
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true))).once('error', () => resolve(false));
    });
    if (!open) return true;
    await new Promise((next) => setTimeout(next, 100));
  }
}

test('kill -TERM of the npm start process frees the port (the server does not outlive npm)', async () => {
  const port = await freePort();
  // Its own process group, so that whatever is left can be cleaned up below; the signal goes to npm only.
  const npm = spawn('npm', ['start'], {
    cwd: ROOT,
    env: cleanEnv({ PORT: String(port) }),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  npmGroup = npm.pid;
  try {
    await untilBanner(npm);
    const npmExited = new Promise((resolve) => npm.once('exit', resolve));
    npm.kill('SIGTERM');
    await npmExited;
    expect(await portClosed(port)).toBe(true);
  } finally {
    try {
      process.kill(-npm.pid!, 'SIGKILL');
    } catch {
      // The group is gone: nothing was left running.
    }
  }
});

describe('npm run start:func without Core Tools', () => {
  const nodeBin = dirname(process.execPath);
  const startFunc = (path: string, ...args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', join(ROOT, 'scripts', 'startFunc.ts'), ...args],
        { cwd: ROOT, env: { ...process.env, PATH: path } },
        (error, stdout, stderr) =>
          resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
      );
    });

  function fakeFunc(name: string, script: string): string {
    const dir = join(workDir, name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'func'), `#!/bin/sh\n${script}\n`);
    chmodSync(join(dir, 'func'), 0o755);
    return dir;
  }

  test('no func on PATH: one line saying to install Core Tools v4 (or use npm start), exit 1', async () => {
    const result = await startFunc(nodeBin);
    expect(result.code).toBe(1);
    expect(stderrLines(result.stderr)).toEqual([
      expect.stringContaining('`func` was not found on PATH. Azure Functions Core Tools v4 is needed'),
    ]);
    expect(result.stderr).toContain('npm install -g azure-functions-core-tools@4');
    expect(result.stderr).toContain('npm start');
  });

  test('Core Tools of another major version: one line, exit 1', async () => {
    const dir = fakeFunc('func3', 'echo 3.0.3904');
    const result = await startFunc(`${dir}:${nodeBin}`);
    expect(result.code).toBe(1);
    expect(stderrLines(result.stderr)).toEqual([expect.stringContaining('`func` is version 3.0.3904, not 4.')]);
  });

  test('Core Tools v4: --check passes; otherwise `func start` runs and its exit code is kept', async () => {
    const dir = fakeFunc('func4', 'if [ "$1" = "--version" ]; then echo 4.0.7030; exit 0; fi\necho "func $*"; exit 3');
    expect(await startFunc(`${dir}:${nodeBin}`, '--check')).toMatchObject({ code: 0, stderr: '' });
    expect(await startFunc(`${dir}:${nodeBin}`)).toMatchObject({ code: 3, stdout: 'func start\n' });
  });
});
