import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeJwt } from 'jose';
import type { LocalServer } from '../../scripts/localServer';
import { startUnconfiguredLocalServer } from '../support/devLocalServer';
import { chunkedBody, parseRawAnswer, rawExchange } from '../support/rawHttp';
import { parseGraphBody, type GraphBody } from '../support/graphBody';
import { tsxScript } from '../support/npmStartProcess';

/**
 * Findings of an outside probe against `npm start`, reproduced over real sockets: oversized and slow
 * bodies, and the development issuer's token endpoint under DNS rebinding and oversized claims.
 */

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const LIMIT = 1024;

let server: LocalServer;
let port: number;

beforeAll(async () => {
  server = await startUnconfiguredLocalServer({
    requestTimeoutMs: 400,
    env: {
      MAX_BODY_BYTES: String(LIMIT),
    },
  });
  port = Number(new URL(server.url).port);
});

afterAll(() => server?.close());

const profilePhones = (oid: string) => `/beta/users/${oid}/profile/phones`;
const stillServing = async () => expect((await fetch(`${server.url}/dev-issuer/keys`)).status).toBe(200);

describe('request bodies', () => {
  test('a chunked POST over 1 MiB without Content-Length gets a Graph 413 and the server keeps serving', async () => {
    const head = `POST ${profilePhones('x')} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const answer = parseRawAnswer(await rawExchange(port, head, chunkedBody(1_100_000)));
    expect(answer.status).toBe(413);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(answer.body.error).toMatchObject({
      code: 'requestEntityTooLarge',
      message: expect.stringContaining(String(LIMIT)) as unknown,
    });
    expect(answer.body.error.innerError['request-id']).toBe(answer.headers['request-id']);
    await stillServing();
    // Twice more, with and without a token: the server survives each.
    const token = await server.devIssuer!.mint({ scp: 'User.ReadWrite' });
    const withToken = `POST ${profilePhones(randomUUID())} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
    expect(parseRawAnswer(await rawExchange(port, withToken, chunkedBody(1_100_000))).status).toBe(413);
    expect(parseRawAnswer(await rawExchange(port, head, chunkedBody(1_100_000))).status).toBe(413);
    await stillServing();
  });

  test('a Content-Length over MAX_BODY_BYTES is refused before any body byte is sent', async () => {
    const head = `POST ${profilePhones('x')} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${LIMIT + 1}\r\n\r\n`;
    // No body is sent: the answer can only come from the Content-Length check.
    const answer = parseRawAnswer(await rawExchange(port, head, [], /\}\}\}$/));
    expect(answer.status).toBe(413);
    expect(answer.body.error.message).toContain(`${LIMIT} bytes`);
  });

  test('a chunked body is cut off as soon as it passes MAX_BODY_BYTES (413), one just under it reaches the handler', async () => {
    const head = `POST ${profilePhones('x')} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const over = parseRawAnswer(await rawExchange(port, head, chunkedBody(LIMIT + 1, 512)));
    expect(over.status).toBe(413);

    const oid = randomUUID();
    const token = await server.devIssuer!.mint({ oid, scp: 'User.ReadWrite', wids: [] });
    // Padded with JSON whitespace to exactly the limit.
    const json = JSON.stringify({ number: '+1 425 555 0100' });
    const body = json + ' '.repeat(LIMIT - Buffer.byteLength(json));
    expect(Buffer.byteLength(body)).toBe(LIMIT);
    const under = await fetch(`${server.url}${profilePhones(oid)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    });
    expect(under.status).toBe(201);
  });

  test('a body that stops arriving gets a Graph 408 and the connection is closed (requestTimeoutMs)', async () => {
    const head = `POST ${profilePhones('x')} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"number":`;
    const answer = parseRawAnswer(await rawExchange(port, head));
    expect(answer.status).toBe(408);
    expect(answer.headers.connection).toBe('close');
    expect(answer.body.error).toMatchObject({ code: 'requestTimeout' });
    await stillServing();
  });

  test('headers that stop arriving get a 408 and the connection is closed', async () => {
    const answer = parseRawAnswer(
      await rawExchange(port, `POST ${profilePhones('x')} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: `),
    );
    expect(answer.status).toBe(408);
    expect(answer.body.error.code).toBe('requestTimeout');
  });
});

/** The dev issuer's answer: a token on success, a Graph error otherwise. */
type DevIssuerBody = GraphBody & { access_token: string };

/** A request with a Host header of the test's choosing (fetch always sends the URL's). */
function issuerRequest(
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; body: DevIssuerBody }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({
      host: '127.0.0.1',
      port,
      path,
      method: body === undefined ? 'GET' : 'POST',
      headers,
    });
    request.on('error', reject).on('response', (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, body: parseGraphBody(text) as DevIssuerBody }));
    });
    request.end(body);
  });
}

const mint = (headers: Record<string, string>, body = '{}') =>
  issuerRequest('/dev-issuer/token', { 'content-type': 'application/json', ...headers }, body);

describe('development issuer', () => {
  test.each([
    'evil.example',
    'evil.example:PORT',
    'localhost',
    'localhost:1',
    '127.0.0.1.nip.io:PORT',
    'localhost.evil.example:PORT',
  ])('refuses Host %p (DNS rebinding): 403, no token', async (host) => {
    const answer = await mint({ host: host.replace('PORT', String(port)) });
    expect(answer.status).toBe(403);
    expect(answer.body.error.code).toBe('accessDenied');
    expect(answer.body).not.toHaveProperty('access_token');
    expect((await issuerRequest('/dev-issuer/keys', { host: host.replace('PORT', String(port)) })).status).toBe(403);
  });

  test.each(['localhost:PORT', 'LocalHost:PORT', '127.0.0.1:PORT', '127.1.2.3:PORT', '[::1]:PORT'])(
    "accepts loopback Host %p with the server's port",
    async (host) => {
      const answer = await mint({ host: host.replace('PORT', String(port)) });
      expect(answer.status).toBe(200);
      expect(decodeJwt(answer.body.access_token).iss).toBe(`${server.url}/dev-issuer`);
    },
  );

  test('refuses a cross-origin page (Origin not loopback), accepts a loopback one', async () => {
    const host = `127.0.0.1:${port}`;
    for (const origin of ['https://evil.example', 'null', 'http://localhost.evil.example:3000', 'file://']) {
      const answer = await mint({ host, origin });
      expect([origin, answer.status]).toEqual([origin, 403]);
      expect(answer.body).not.toHaveProperty('access_token');
    }
    for (const origin of ['http://localhost:3000', `http://127.0.0.1:${port}`]) {
      expect([origin, (await mint({ host, origin })).status]).toEqual([origin, 200]);
    }
  });

  test('bounds the claims: long texts, long lists, control characters and large bodies are refused', async () => {
    const host = `127.0.0.1:${port}`;
    const cases: Array<[object, string]> = [
      [{ name: 'n'.repeat(257) }, 'name: must be at most 256 characters'],
      [{ upn: `${'u'.repeat(300)}@x` }, 'upn: must be at most 256 characters'],
      [{ roles: Array.from({ length: 21 }, (_, i) => `Role${i}`) }, 'roles'],
      [{ wids: Array.from({ length: 21 }, () => randomUUID()).join(',') }, 'wids: must list at most 20 values'],
      [{ roles: ['r'.repeat(129)] }, 'roles.0: must be at most 128 characters'],
      [{ scp: Array.from({ length: 21 }, (_, i) => `Scope${i}`).join(' ') }, 'scp: must list at most 20 scopes'],
      [{ name: 'line\nbreak' }, 'name: must not contain control characters'],
    ];
    for (const [options, message] of cases) {
      const answer = await mint({ host }, JSON.stringify(options));
      expect([message, answer.status]).toEqual([message, 400]);
      expect(answer.body.error.message).toContain(message);
    }
    const large = await mint({ host }, JSON.stringify({ name: 'x'.repeat(5000) }));
    expect(large.status).toBe(413);
    // Within the bounds, a token is still minted.
    expect(
      (
        await mint(
          { host },
          JSON.stringify({ name: 'n'.repeat(256), roles: Array.from({ length: 20 }, (_, i) => `R${i}`) }),
        )
      ).status,
    ).toBe(200);
  });
});

describe('npm run token follows PORT', () => {
  test('the banner names the server for a port other than 7071', () => {
    expect(server.banner).toContain(`More tokens: npm run token -- --server ${server.url}`);
  });

  test('without --server it asks 127.0.0.1:$PORT', async () => {
    const env = { ...process.env, PORT: String(port) };
    const { stdout } = await run(...tsxScript('scripts/token.ts', '--scp', 'User.ReadWrite'), {
      cwd: ROOT,
      env,
    });
    expect(decodeJwt(stdout.trim())).toMatchObject({ iss: `${server.url}/dev-issuer`, scp: 'User.ReadWrite' });
  });

  test('without PORT it takes PORT from local.settings.json in the working directory, like npm start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'graph-phones-token-'));
    try {
      writeFileSync(
        join(dir, 'local.settings.json'),
        JSON.stringify({ IsEncrypted: false, Values: { PORT: String(port) } }),
      );
      const env = { ...process.env };
      delete env.PORT;
      const { stdout } = await run(...tsxScript('scripts/token.ts'), { cwd: dir, env });
      expect(decodeJwt(stdout.trim()).iss).toBe(`${server.url}/dev-issuer`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('PORT=abc is one line naming PORT (exit 1, nothing on stdout)', async () => {
    const failure = await run(...tsxScript('scripts/token.ts'), {
      cwd: ROOT,
      env: { ...process.env, PORT: 'abc' },
    }).catch((error: { code: number; stdout: string; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1, stdout: '' });
    expect((failure as { stderr: string }).stderr.split('\n')[0]).toMatch(
      /^PORT must be a port number between 1 and 65535, got 'abc'/,
    );
  });
});
