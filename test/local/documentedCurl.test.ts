import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, startNpmStart, type NpmStartProcess } from '../support/npmStartProcess';

/**
 * Every curl line a newcomer is shown, run as pasted against the default `npm start` (a real child
 * process) with bash and the machine's curl: the banner's lines, then each README shell block that
 * calls curl (only the documented port is changed to the test server's). Each call must answer 2xx.
 * `curl` is wrapped by a shell function that appends `-o /dev/null -w '%{http_code}'`, so the lines
 * themselves run unchanged.
 */

const run = promisify(execFile);
let server: NpmStartProcess;

beforeAll(async () => {
  server = await startNpmStart();
}, 120_000);
afterAll(() => server?.stop());

/** Runs a script in bash with curl recording each call's status; answers the statuses in order. */
async function runWithStatuses(script: string): Promise<string[]> {
  const wrapper = `set -euo pipefail
curl() { command curl "$@" -o /dev/null -w '%{http_code}\\n' >> "$STATUS_FILE"; }
`;
  const statusFile = join(server.env.XDG_CACHE_HOME!, `statuses-${Date.now()}`);
  await run('bash', ['-c', wrapper + script], {
    cwd: REPO_ROOT,
    env: { ...server.env, STATUS_FILE: statusFile },
  });
  return readFileSync(statusFile, 'utf8').trim().split('\n');
}

const curlLines = (script: string) => script.split('\n').filter((line) => /^\s*curl\s/.test(line));
const curlCalls = (script: string) => curlLines(script).length;
/** What a curl line is documented to answer: the status its trailing comment names (`# 404`), else a 2xx. */
const documentedStatus = (line: string) => {
  const named = /#\s*(\d{3})\s*$/.exec(line)?.[1];
  return named ? new RegExp(`^${named}$`) : /^2\d\d$/;
};

function readmeShellBlocksWithCurl(): string[] {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/^```(?:sh|bash|shell)\n([\s\S]*?)^```$/gm)]
    .map((match) => match[1]!)
    .filter((block) => curlCalls(block) > 0);
}

test("the banner's curl lines answer 2xx as printed", async () => {
  const lines = server
    .output()
    .split('\n')
    .filter((line) => line.startsWith('curl '));
  expect(lines.length).toBeGreaterThanOrEqual(2);
  const statuses = await runWithStatuses(lines.join('\n'));
  expect(statuses).toHaveLength(lines.length);
  for (const status of statuses) expect(status).toMatch(/^2\d\d$/);
}, 60_000);

test("the README's curl lines answer 2xx (or the status their comment names) as pasted (with the test server's port)", async () => {
  const blocks = readmeShellBlocksWithCurl();
  expect(blocks.length).toBeGreaterThanOrEqual(1);
  for (const block of blocks) {
    const script = block.replaceAll('127.0.0.1:7071', `127.0.0.1:${server.port}`);
    const statuses = await runWithStatuses(script);
    const expected = curlLines(block).map(documentedStatus);
    expect(statuses).toHaveLength(expected.length);
    for (const [index, status] of statuses.entries())
      expect([index, status]).toEqual([index, expect.stringMatching(expected[index]!)]);
  }
}, 120_000);
