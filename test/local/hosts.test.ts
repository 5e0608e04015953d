import { randomUUID } from 'node:crypto';
import type { LocalServer } from '../../scripts/localServer';
import { startUnconfiguredLocalServer } from '../support/devLocalServer';
import { openRaw, type RawAnswer } from '../support/rawHttp';

/**
 * Hosts and request targets through the real local server, over raw sockets (fetch would refuse to
 * send them): a Host or absolute-form target that names more than a plain host is a 400 in Graph's
 * format with one log line, never a 500 and never a link built from it.
 */

let server: LocalServer;
let port: number;
const lines: string[] = [];

beforeAll(async () => {
  server = await startUnconfiguredLocalServer({
    log: (line) => lines.push(line),
  });
  port = Number(new URL(server.url).port);
  // The first token checked makes the service fetch the issuer's keys from this server (a line of its own).
  const oid = randomUUID();
  const token = await server.devIssuer!.mint({ oid, scp: 'User.ReadWrite', wids: [] });
  await fetch(`${server.url}/beta/users/${oid}/profile/phones`, { headers: { authorization: `Bearer ${token}` } });
});

afterAll(() => server?.close());

/** One request on its own connection: its answer and the log lines written for it. */
async function exchange(requestLine: string, host: string): Promise<{ answer: RawAnswer; logged: string[] }> {
  const oid = randomUUID();
  const token = await server.devIssuer!.mint({ oid, scp: 'User.ReadWrite', wids: [] });
  const before = lines.length;
  const raw = await openRaw(port);
  try {
    raw.write(
      `${requestLine.replace('{oid}', oid)} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`,
    );
    await raw.until(() => raw.answers().length === 1 && lines.length > before, 'the answer and its log line');
    return { answer: raw.answers()[0]!, logged: lines.slice(before) };
  } finally {
    raw.destroy();
  }
}

const errorOf = (answer: RawAnswer) =>
  (JSON.parse(answer.body) as { error: { code: string; details: Array<{ target: string }> } }).error;

const HOSTS = ['user:pw@x', 'user@x', ':pw@x', 'u:p@127.0.0.1:PORT', 'x/y', 'x?y', 'x#y', 'x\\y', '%41', '@x'];

describe.each(['GET', 'POST'])('%s with a Host that is not a plain host name', (method) => {
  test.each(HOSTS)('Host %p: 400 with target Host and one log line', async (host) => {
    const { answer, logged } = await exchange(
      `${method} /beta/users/{oid}/profile/phones`,
      host.replace('PORT', String(port)),
    );
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(errorOf(answer)).toMatchObject({ code: 'badRequest', details: [{ target: 'Host' }] });
    expect(logged).toHaveLength(1);
    expect(JSON.parse(logged[0]!)).toMatchObject({ event: 'request', method, status: 400, errorCode: 'badRequest' });
  });
});

test.each([
  'http://u:p@x/beta/users/{oid}/profile/phones',
  'http://u:p@127.0.0.1:PORT/beta/users/{oid}/profile/phones',
  'http://u@x/beta/users/{oid}/profile/phones',
])('an absolute-form target with credentials (%p) is a 400 with one log line', async (target) => {
  const { answer, logged } = await exchange(`GET ${target.replace('PORT', String(port))}`, `127.0.0.1:${port}`);
  expect(answer.status).toBe(400);
  expect(errorOf(answer).details[0]!.target).toBe('Host');
  expect(logged).toHaveLength(1);
  expect(JSON.parse(logged[0]!)).toMatchObject({ status: 400, errorCode: 'badRequest' });
});

test('a plain Host and an absolute-form target without credentials are served, with one log line each', async () => {
  for (const [line, host] of [
    ['GET /beta/users/{oid}/profile/phones', `127.0.0.1:${port}`],
    [`GET http://127.0.0.1:${port}/beta/users/{oid}/profile/phones`, `127.0.0.1:${port}`],
  ] as const) {
    const { answer, logged } = await exchange(line, host);
    expect(answer.status).toBe(200);
    expect((JSON.parse(answer.body) as Record<string, unknown>)['@odata.context']).toMatch(
      new RegExp(`^http://127\\.0\\.0\\.1:${port}/beta/`),
    );
    expect(logged).toHaveLength(1);
  }
});
