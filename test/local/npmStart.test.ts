import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_SERVICE_VARIABLES } from '../../scripts/localServer';
import { freePort, tsxScript } from '../support/npmStartProcess';

/**
 * `npm start` as a developer runs it: `node --import tsx scripts/localServer.ts` in its own process, configured
 * only by its environment and a local.settings.json in the working directory, stopped by a signal.
 */

let workDir: string;
let child: ChildProcess;
let output = '';
let exit: Promise<number | null>;

function waitFor(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (output.includes(text)) {
        child.stdout!.off('data', check);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', () => reject(new Error(`the server exited before printing '${text}':\n${output}`)));
    check();
  });
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'graph-phones-start-'));
  // Values fill in only what the environment leaves unset, as with `func start`.
  writeFileSync(
    join(workDir, 'local.settings.json'),
    JSON.stringify({
      IsEncrypted: false,
      Values: { AUTH_AUDIENCE: 'api://from-local-settings', SMS_SIGN_IN_ENABLED: 'true', MAX_BODY_BYTES: '999999' },
    }),
  );
  // The development issuer's key goes to this test's cache folder, not the user's.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(await freePort()),
    MAX_BODY_BYTES: '4096',
    XDG_CACHE_HOME: join(workDir, 'cache'),
  };
  for (const name of LOCAL_SERVICE_VARIABLES) delete env[name];
  child = spawn(...tsxScript('scripts/localServer.ts'), {
    cwd: workDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  await waitFor('More tokens');
});

afterAll(() => {
  if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(workDir, { recursive: true, force: true });
});

test("starts with nothing installed, reads local.settings.json for unset variables, serves the banner's curl, stops on SIGTERM with exit 0", async () => {
  expect(output).toContain(`Loaded ${join(workDir, 'local.settings.json')}`);
  expect(output).toContain('storage: embedded Cosmos-compatible server');
  expect(output).toContain('(audience api://from-local-settings)');
  expect(output).not.toContain('WARNING');
  // The start-up log names the directory: with no settings, the development directory.
  expect(output).toContain('{"event":"start","directory":"development directory (in memory)"}');

  const url = /^graph-phones local server on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(output)![1]!;
  const curl = output
    .split('\n')
    .find((line) => line.includes('/authentication/phoneMethods') && line.startsWith('curl '))!;
  const token = /Bearer ([\w.-]+)/.exec(curl)![1]!;
  const target = /'(http[^']+)'/.exec(curl)![1]!; // a sample user of the development directory, by UPN
  expect(target).toBe(`${url}/beta/users/alex@contoso.example/authentication/phoneMethods`);
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

  const created = await fetch(target, {
    method: 'POST',
    headers,
    body: JSON.stringify({ phoneNumber: '+1 2065550100', phoneType: 'mobile' }),
  });
  expect(created.status).toBe(201);
  // SMS_SIGN_IN_ENABLED came from local.settings.json ...
  expect(((await created.json()) as { smsSignInState: string }).smsSignInState).toBe('ready');
  // ... but MAX_BODY_BYTES from the environment wins over the file.
  const large = await fetch(target, {
    method: 'POST',
    headers,
    body: JSON.stringify({ phoneNumber: '+1 2065550100', phoneType: 'office', pad: 'x'.repeat(5000) }),
  });
  expect(large.status).toBe(413);

  child.kill('SIGTERM');
  expect(await exit).toBe(0);
  // One line per request, after the banner, without the token.
  const afterBanner = output.slice(output.indexOf('More tokens'));
  expect(afterBanner).toMatch(/"function":"createPhoneMethod".*"status":201/);
  expect(afterBanner).toMatch(/"status":413/);
  expect(afterBanner).not.toContain(token);
});
