import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalServer } from '../../scripts/localServer';
import { PRIVILEGED_AUTHENTICATION_ADMINISTRATOR } from '../../shared/auth/permissions';
import { startDevLocalServer } from '../support/devLocalServer';
import { randomNumber, storedMethods } from '../support/phoneMethods';

/**
 * `npm run bulk-phones` as a real child process on a generated file of 1,000 rows, against the local
 * server behind a real HTTP proxy that throttles items of the batches it forwards (429 with
 * Retry-After, the item never reaching the service) and loses the answers of others (503 after the
 * item ran). The first run is killed mid-way; the second resumes from its journal; in the end every
 * row's method is stored exactly once, and no phone number ever appears in the output or the journal.
 */

const ROOT = join(__dirname, '..', '..');
let server: LocalServer;
let proxy: Server;
let proxyBase: string;
let token: string;
/** An Authentication Administrator's token: other users' numbers read masked. */
let maskedToken: string;
const dir = mkdtempSync(join(tmpdir(), 'bulk-phones-'));
const counts = { batches: 0, itemsForwarded: 0, throttled: 0, lost: 0 };
const seen = new Set<string>();

/** A proxy in front of the local server: first sight of some item ids throttles them, of others loses the answer. */
function startThrottlingProxy(target: string): Promise<Server> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void (async () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { requests: Array<{ id: string }> };
        counts.batches += 1;
        const throttled: string[] = [];
        const lost = new Set<string>();
        const forwarded = body.requests.filter(({ id }) => {
          const line = Number(id);
          const first = !seen.has(id);
          seen.add(id);
          if (first && Number.isInteger(line) && line % 9 === 0) {
            throttled.push(id);
            return false;
          }
          if (first && Number.isInteger(line) && line % 31 === 0) lost.add(id);
          return true;
        });
        counts.itemsForwarded += forwarded.length;
        counts.throttled += throttled.length;
        counts.lost += lost.size;
        let answers: Array<{ id: string; status: number; headers: Record<string, string>; body?: unknown }> = [];
        if (forwarded.length > 0) {
          const upstream = await fetch(`${target}${request.url}`, {
            method: 'POST',
            headers: { authorization: request.headers.authorization!, 'content-type': 'application/json' },
            body: JSON.stringify({ requests: forwarded }),
          });
          answers = ((await upstream.json()) as { responses: typeof answers }).responses;
        }
        const failure = (id: string, status: number) => ({
          id,
          status,
          headers: { 'Retry-After': '1', 'Content-Type': 'application/json' },
          body: { error: { code: status === 429 ? 'tooManyRequests' : 'serviceNotAvailable', message: 'Injected.' } },
        });
        const responses = [
          ...answers.map((answer) => (lost.has(answer.id) ? failure(answer.id, 503) : answer)),
          ...throttled.map((id) => failure(id, 429)),
        ];
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ responses }));
      })().catch(() => {
        response.writeHead(502);
        response.end();
      });
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  // Users are fresh object ids: the run's stand-in directory, where every object id is a user.
  server = await startDevLocalServer({ DIRECTORY_ENDPOINT: process.env.DIRECTORY_ENDPOINT });
  // A Privileged Authentication Administrator reads numbers whole, so "already present" is decided exactly.
  const scp = 'UserAuthenticationMethod.ReadWrite.All';
  token = await server.devIssuer!.mint({ scp, wids: [PRIVILEGED_AUTHENTICATION_ADMINISTRATOR] });
  maskedToken = await server.devIssuer!.mint({ scp });
  proxy = await startThrottlingProxy(server.url);
  proxyBase = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/beta`;
});

afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

function bulk(
  args: string[],
  graphToken = token,
): {
  child: ChildProcess;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'bulk-phones.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, GRAPH_TOKEN: graphToken },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done };
}

const journalEntries = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => line.trim() !== '').length;

test('1,000 rows, throttled, killed mid-run and resumed: every method present exactly once', async () => {
  const rows = Array.from({ length: 1000 }, (_, index) => ({
    userId: randomUUID(),
    phoneType: index % 4 === 3 ? 'office' : 'mobile',
    phoneNumber: randomNumber(),
  }));
  // Two users who already hold a mobile with another number (conflicts: left as they are) and a row
  // whose number the service refuses.
  const holders = [randomUUID(), randomUUID()];
  const held = holders.map(() => randomNumber());
  for (const [index, userId] of holders.entries()) {
    const created = await fetch(`${server.baseUrl}/users/${userId}/authentication/phoneMethods`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ phoneNumber: held[index], phoneType: 'mobile' }),
    });
    expect(created.status).toBe(201);
  }
  const file = join(dir, 'phones.csv');
  const journal = `${file}.journal`;
  // A header, two malformed rows (reported by line number and skipped), then the rows.
  const lines = [
    'user,phoneType,phoneNumber',
    'only-two,columns',
    `${randomUUID()},pager,+1 2065550100`,
    ...rows.map((row) => `${row.userId},${row.phoneType},"${row.phoneNumber}"`),
    ...holders.map((userId) => `${userId},mobile,${randomNumber()}`),
    `${randomUUID()},office,+1 555`,
  ];
  const [firstHolderLine, secondHolderLine, refusedLine] = [lines.length - 2, lines.length - 1, lines.length];
  writeFileSync(file, `${lines.join('\n')}\n`);

  const dry = await bulk([file, '--base', proxyBase, '--dry-run']).done;
  expect(dry.stdout).toContain('to send            1003');
  expect(dry.stdout).toContain('line 2: malformed: expected 3 columns');
  expect(dry.stdout).toContain('line 3: malformed: the phone type is not');
  expect(counts.batches).toBe(0);

  const first = bulk([file, '--base', proxyBase, '--concurrency', '2']);
  // Kill it once part of the work is recorded (SIGKILL: no chance to tidy up).
  await new Promise<void>((resolve, reject) => {
    const poll = setInterval(() => {
      let entries: number;
      try {
        entries = journalEntries(journal);
      } catch {
        return; // not created yet
      }
      if (entries >= 200) {
        clearInterval(poll);
        first.child.kill('SIGKILL');
        resolve();
      }
    }, 20);
    void first.done.then(() => {
      clearInterval(poll);
      reject(new Error('the first run ended before it could be interrupted'));
    });
  });
  const killed = await first.done;
  expect(killed.code).toBeNull();
  const recordedAtKill = journalEntries(journal);
  expect(recordedAtKill).toBeLessThan(1000);

  const second = await bulk([file, '--base', proxyBase, '--concurrency', '3']).done;
  expect(second.code).toBe(1); // the malformed, conflicting and refused rows need attention
  expect(second.stdout).toMatch(/added\s+\d+/);
  const added = Number(/added\s+(\d+)/.exec(second.stdout)![1]);
  const present = Number(/already present\s+(\d+)/.exec(second.stdout)![1]);
  expect(added + present).toBe(1000);
  expect(present).toBeGreaterThanOrEqual(recordedAtKill);
  expect(second.stdout).toMatch(/not done\s+0/);
  expect(second.stdout).toMatch(/conflicts\s+2/);
  expect(second.stdout).toMatch(/refused\s+1/);
  for (const line of [firstHolderLine, secondHolderLine])
    expect(second.stdout).toContain(`line ${line}: conflict: the user already has a mobile method with another number`);
  expect(second.stdout).toMatch(new RegExp(`line ${refusedLine}: refused: 400 badRequest`));
  for (const [index, userId] of holders.entries())
    expect((await storedMethods(userId)).map((method) => method.phoneNumber)).toEqual([held[index]]);
  expect(second.stdout).toContain('line 2: malformed');
  expect(counts.throttled).toBeGreaterThan(0);
  expect(counts.lost).toBeGreaterThan(0);
  expect(journalEntries(journal)).toBe(1000);

  for (const row of rows) {
    const stored = await storedMethods(row.userId);
    expect(stored.map((method) => [method.phoneType, method.phoneNumber])).toEqual([[row.phoneType, row.phoneNumber]]);
  }

  // A third run skips every recorded row: only the three that need attention are tried (and checked) again.
  const [batchesBefore, itemsBefore] = [counts.batches, counts.itemsForwarded];
  const third = await bulk([file, '--base', proxyBase]).done;
  expect(third.stdout).toContain('already present    1000 (1000 recorded by an earlier run)');
  expect([counts.batches - batchesBefore, counts.itemsForwarded - itemsBefore]).toEqual([2, 6]);

  // No phone number (in any spelling) in the output of any run or in the journal; no token either.
  const everything =
    [dry, killed, second, third].map((run) => run.stdout + run.stderr).join('\n') + readFileSync(journal, 'utf8');
  const digitsOfEverything = everything.replace(/\D/g, ' ');
  for (const phoneNumber of [...rows.map((row) => row.phoneNumber), ...held])
    expect(digitsOfEverything).not.toContain(phoneNumber.replace(/\D/g, ''));
  expect(everything).not.toContain(token);
}, 240_000);

test('a masked number that agrees where shown is unconfirmed, not present: left unrecorded for a token that reads numbers whole', async () => {
  // Each user holds a mobile number; the file asks for: the same number, another number with the same last
  // two digits (masked, both read `+44 XXXXXXXXX42`), and a number whose last two digits differ.
  const users = [randomUUID(), randomUUID(), randomUUID()];
  const held = users.map(() => `${randomNumber().slice(0, -2)}42`);
  // The held numbers are added by the command itself (a child process, as every run here).
  const heldFile = join(dir, 'held.csv');
  writeFileSync(heldFile, users.map((userId, index) => `${userId},mobile,${held[index]}`).join('\n'));
  const adding = await bulk([heldFile, '--base', server.baseUrl]).done;
  expect([adding.code, /added\s+(\d+)/.exec(adding.stdout)?.[1]]).toEqual([0, '3']);
  // One digit after `+44 7` changed: a different number that masks the same.
  const sameLastDigits = `${held[1]!.slice(0, 5)}${(Number(held[1]![5]) + 1) % 10}${held[1]!.slice(6)}`;
  const otherLastDigits = `${held[2]!.slice(0, -2)}17`;
  const file = join(dir, 'masked.csv');
  writeFileSync(
    file,
    [
      `${users[0]},mobile,${held[0]}`,
      `${users[1]},mobile,${sameLastDigits}`,
      `${users[2]},mobile,${otherLastDigits}`,
    ].join('\n'),
  );

  const masked = await bulk([file, '--base', server.baseUrl], maskedToken).done;
  expect(masked.code).toBe(1);
  expect(masked.stdout).toMatch(/already present\s+0\n/);
  expect(masked.stdout).toMatch(/unconfirmed\s+2\n/);
  expect(masked.stdout).toMatch(/conflicts\s+1\n/);
  for (const line of [1, 2]) expect(masked.stdout).toContain(`line ${line}: unconfirmed: the user has a mobile method`);
  expect(masked.stdout).toContain('line 3: conflict:');
  expect(journalEntries(`${file}.journal`)).toBe(0);

  // The same file with a token that reads numbers whole: the first row is present, the second a conflict.
  const whole = await bulk([file, '--base', server.baseUrl]).done;
  expect(whole.stdout).toMatch(/already present\s+1\n/);
  expect(whole.stdout).toMatch(/unconfirmed\s+0\n/);
  expect(whole.stdout).toMatch(/conflicts\s+2\n/);
  expect(whole.stdout).toContain('line 2: conflict:');
  expect(journalEntries(`${file}.journal`)).toBe(1);
  for (const [index, userId] of users.entries())
    expect((await storedMethods(userId)).map((method) => method.phoneNumber)).toEqual([held[index]]);
  const everything = [adding, masked, whole].map((run) => run.stdout + run.stderr).join('\n');
  for (const phoneNumber of [...held, sameLastDigits, otherLastDigits])
    expect(everything.replace(/\D/g, ' ')).not.toContain(phoneNumber.replace(/\D/g, ''));
}, 60_000);
