import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * The azd post-provision hook that grants the app's identity Microsoft Graph's User.ReadBasic.All.
 * It runs here under sh with a stand-in `az` first on PATH that records its arguments and answers as
 * the Azure CLI does (`az ad sp show`, `az rest`), so the script's own logic runs for real.
 */

const run = promisify(execFile);
const repoRoot = join(__dirname, '..', '..');
const hook = join(repoRoot, 'infra', 'hooks', 'grant-directory-permission.sh');
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const USER_READ_BASIC_ALL = '97235f07-e226-4f63-ace3-39588e11d3a1';
const PRINCIPAL = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const GRAPH_SP = '11112222-3333-4444-5555-666677778888';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'graph-phones-hook-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in `az`: logs each call's arguments (one per line) and answers as configured. */
function standInAz(options: { alreadyGranted: boolean; grantFails?: boolean }): string {
  const log = join(dir, 'az.log');
  const az = join(dir, 'az');
  writeFileSync(
    az,
    `#!/bin/sh
printf '%s\\n' "$*" >> '${log}'
case "$1 $2" in
  "ad sp") echo '${GRAPH_SP}' ;;
  "rest --method")
    case "$3" in
      GET) echo '${options.alreadyGranted ? 1 : 0}' ;;
      POST) ${options.grantFails ? "echo 'Forbidden' >&2; exit 1" : 'exit 0'} ;;
    esac ;;
esac
`,
  );
  chmodSync(az, 0o755);
  return log;
}

async function runHook(env: Record<string, string>) {
  return run('sh', [hook], { env: { PATH: `${dir}:${process.env.PATH}`, ...env } }).then(
    ({ stdout }) => ({ code: 0, stdout, stderr: '' }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

test('azure.yaml runs the hook after provisioning, on every platform', () => {
  const yaml = readFileSync(join(repoRoot, 'azure.yaml'), 'utf8');
  expect(yaml).toMatch(/hooks:\n[\s\S]*postprovision:\n[\s\S]*run: \.\/infra\/hooks\/grant-directory-permission\.sh/);
  expect(yaml).toContain('run: ./infra/hooks/grant-directory-permission.ps1');
  const ps1 = readFileSync(join(repoRoot, 'infra', 'hooks', 'grant-directory-permission.ps1'), 'utf8');
  expect(ps1).toContain(USER_READ_BASIC_ALL);
  expect(ps1).toContain(GRAPH_APP_ID);
  // The principal it grants to is an output of the template.
  expect(readFileSync(join(repoRoot, 'infra', 'main.bicep'), 'utf8')).toMatch(
    /output AZURE_APP_IDENTITY_PRINCIPAL_ID string = identity\.outputs\.principalId/,
  );
});

test("grants User.ReadBasic.All on Microsoft Graph's service principal to the app's identity", async () => {
  const log = standInAz({ alreadyGranted: false });
  const result = await runHook({ AZURE_APP_IDENTITY_PRINCIPAL_ID: PRINCIPAL });
  expect(result.code).toBe(0);
  const calls = readFileSync(log, 'utf8').trim().split('\n');
  expect(calls[0]).toBe(`ad sp show --id ${GRAPH_APP_ID} --query id --output tsv`);
  const assignments = `https://graph.microsoft.com/v1.0/servicePrincipals/${PRINCIPAL}/appRoleAssignments`;
  expect(calls[1]).toContain(`rest --method GET --url ${assignments}`);
  expect(calls[2]).toContain(`rest --method POST --url ${assignments}`);
  const body = JSON.parse(/--body (\{.*\})/.exec(calls[2]!)![1]!) as Record<string, string>;
  expect(body).toEqual({ principalId: PRINCIPAL, resourceId: GRAPH_SP, appRoleId: USER_READ_BASIC_ALL });
});

test('an existing grant is left as it is (the hook runs on every provision)', async () => {
  const log = standInAz({ alreadyGranted: true });
  const result = await runHook({ AZURE_APP_IDENTITY_PRINCIPAL_ID: PRINCIPAL });
  expect(result.code).toBe(0);
  expect(result.stdout).toContain('already has');
  expect(readFileSync(log, 'utf8')).not.toContain('POST');
});

test('a refused grant fails the hook with what to do', async () => {
  standInAz({ alreadyGranted: false, grantFails: true });
  const result = await runHook({ AZURE_APP_IDENTITY_PRINCIPAL_ID: PRINCIPAL });
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('Privileged Role Administrator');
  expect(result.stderr).toContain(USER_READ_BASIC_ALL);
});

test('DIRECTORY_ENDPOINT=none needs no permission: nothing is called', async () => {
  const log = standInAz({ alreadyGranted: false });
  const result = await runHook({ DIRECTORY_ENDPOINT: 'none' });
  expect(result.code).toBe(0);
  expect(() => readFileSync(log, 'utf8')).toThrow();
});
