import { randomUUID } from 'node:crypto';
import type { LocalServer } from '../../scripts/localServer';
import { startUnconfiguredLocalServer } from '../support/devLocalServer';
import { startFaultProxy, type FaultProxy } from '../support/faultProxy';
import { openRaw, type RawConnection } from '../support/rawHttp';

/**
 * The local server's connections, over raw sockets: pipelined requests are answered in order and
 * none is dropped, a parse error never lands in another request's answer, and idle, stuck and
 * unread connections are closed by the server. Storage goes through a real proxy, whose `hold`
 * makes a request slow for as long as the test wants.
 */

const LIMITS = { requestTimeoutMs: 400, keepAliveTimeoutMs: 300, idleTimeoutMs: 1500, answerTimeoutMs: 1000 };

let proxy: FaultProxy;
let server: LocalServer;
let port: number;
const lines: string[] = [];
const open: RawConnection[] = [];

beforeAll(async () => {
  proxy = await startFaultProxy(process.env.COSMOS_ENDPOINT!);
  server = await startUnconfiguredLocalServer({
    limits: LIMITS,
    log: (line) => lines.push(line),
    env: {
      COSMOS_ENDPOINT: proxy.url,
      COSMOS_KEY: process.env.COSMOS_KEY,
      LOCAL_DEV_ISSUER: '1',
    },
  });
  port = Number(new URL(server.url).port);
});

afterEach(() => {
  proxy.mode = { kind: 'pass' };
  for (const connection of open.splice(0)) connection.destroy();
});

afterAll(async () => {
  await server?.close();
  await proxy?.close();
});

async function connection(): Promise<RawConnection> {
  const raw = await openRaw(port);
  open.push(raw);
  return raw;
}

const phones = (oid: string) => `/beta/users/${oid}/profile/phones`;
const userToken = (oid: string) => server.devIssuer!.mint({ oid, scp: 'User.ReadWrite', wids: [] });
const get = (path: string, token: string) =>
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\n\r\n`;
function post(path: string, token: string, body: object): string {
  const text = JSON.stringify(body);
  return `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`;
}
const errorCode = (body: string) => (JSON.parse(body) as { error: { code: string } }).error.code;
const created = () => lines.filter((line) => /"function":"createProfilePhone".*"status":201/.test(line)).length;

describe('pipelined requests', () => {
  test('a list then an unknown path on one connection: both answers, in order', async () => {
    const oid = randomUUID();
    const raw = await connection();
    raw.write(
      get(phones(oid), await userToken(oid)) + `GET /beta/nothing-here HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`,
    );
    await raw.until(() => raw.answers().length === 2, 'two answers');
    expect(raw.answers().map((answer) => answer.status)).toEqual([200, 400]);
    expect(JSON.parse(raw.answers()[0]!.body)).toMatchObject({ value: [] });
    // Graph's answer for a segment no route accepts.
    expect(errorCode(raw.answers()[1]!.body)).toBe('BadRequest');
  });

  test('a create pipelined behind a slow list is answered after the list', async () => {
    const reader = randomUUID();
    const writer = randomUUID();
    const [readerToken, writerToken] = [await userToken(reader), await userToken(writer)];
    const raw = await connection();
    proxy.mode = { kind: 'hold' };
    raw.write(get(phones(reader), readerToken));
    const held = await proxy.nextHeld();
    proxy.mode = { kind: 'pass' };
    const before = created();
    raw.write(post(phones(writer), writerToken, { number: '+1 425 555 0100' }));
    // The create is stored and logged while the list still waits for storage.
    await raw.until(() => created() === before + 1, 'the create logged');
    expect(raw.answers()).toHaveLength(0);
    held.release('answer');
    await raw.until(() => raw.answers().length === 2, 'two answers');
    const [list, create] = raw.answers();
    expect([list!.status, create!.status]).toEqual([200, 201]);
    expect(JSON.parse(create!.body)).toMatchObject({ number: '+1 425 555 0100' });
    expect(raw.closed()).toBe(false);
  });

  test('a malformed request pipelined behind a slow create: the create gets its own answer, then a 400 and the close', async () => {
    const oid = randomUUID();
    const raw = await connection();
    proxy.mode = { kind: 'hold' };
    // One write: the parser meets the malformed request while the create waits for storage.
    raw.write(post(phones(oid), await userToken(oid), { number: '+1 425 555 0101' }) + 'NOT HTTP AT ALL\r\n\r\n');
    const held = await proxy.nextHeld();
    proxy.mode = { kind: 'pass' };
    held.release('answer');
    await raw.until(() => raw.closed(), 'the connection closed');
    const answers = raw.answers();
    expect(answers.map((answer) => answer.status)).toEqual([201, 400]);
    expect(JSON.parse(answers[0]!.body)).toMatchObject({ number: '+1 425 555 0101' });
    expect(errorCode(answers[1]!.body)).toBe('badRequest');
    expect(answers[1]!.headers.connection).toBe('close');
  });
});

describe('connections the server closes', () => {
  test('a connection that never sends a request', async () => {
    const raw = await connection();
    await raw.until(() => raw.closed(), 'closed by the server');
  });

  test('a connection left idle after an answer (keepAliveTimeoutMs)', async () => {
    const raw = await connection();
    raw.write(`GET /dev-issuer/keys HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    await raw.until(() => raw.answers().length === 1, 'the answer');
    await raw.until(() => raw.closed(), 'closed by the server');
    expect(raw.answers()[0]!.status).toBe(200);
  });

  test('a request read whole whose answer never comes (idleTimeoutMs)', async () => {
    const oid = randomUUID();
    const raw = await connection();
    proxy.mode = { kind: 'hold' };
    raw.write(get(phones(oid), await userToken(oid)));
    const held = await proxy.nextHeld();
    try {
      await raw.until(() => raw.closed(), 'closed by the server');
      expect(raw.answers()).toHaveLength(0);
    } finally {
      held.release('answer');
    }
  });

  test('a client that does not read its answers (answerTimeoutMs)', async () => {
    const raw = await connection();
    raw.pause();
    const requests = 200;
    raw.write(`GET /openapi.json HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`.repeat(requests));
    // Long enough for the server's writes to stall and its limits to pass.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    raw.resume();
    await raw.until(() => raw.closed(), 'closed by the server');
    expect(raw.answers().length).toBeLessThan(requests);
  });
});
