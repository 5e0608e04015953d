import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { operations } from '../../functions/operations';
import { registrationsOf } from '../../shared/http/pipeline';
import { DEV_TOKEN_PRESETS, SAMPLE_USER_ID } from '../../scripts/local/devTokenPresets';
import { LOCAL_SERVICE_VARIABLES, startLocalServer, type LocalServer } from '../../scripts/localServer';
import { npmHeaderWarning } from '../../scripts/token';

/**
 * What a newcomer meets under the default `npm start`: the API page and its assets, the served
 * OpenAPI document, CORS for loopback origins, the development tenant's defaults (SMS sign-in on, an
 * admin token that can do every documented call), and `npm run token`'s messages.
 */

const ROOT = join(__dirname, '..', '..');
const run = promisify(execFile);
let server: LocalServer;

beforeAll(async () => {
  server = await startLocalServer({
    port: 0,
    quiet: true,
    env: Object.fromEntries([...LOCAL_SERVICE_VARIABLES, 'SMS_SIGN_IN_ENABLED'].map((name) => [name, undefined])),
  });
});

afterAll(() => server?.close());

const bearer = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });

describe('the API page', () => {
  test.each(['/', '/docs', '/docs/'])(
    'GET %s: the page, a token choice per sample caller, scripts only from here',
    async (path) => {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
      const html = await response.text();
      for (const preset of DEV_TOKEN_PRESETS) expect(html).toContain(`<option value="${preset.id}">`);
      // No favicon request either (an empty data: icon).
      const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)]
        .map((match) => match[1]!)
        .filter((source) => source !== 'data:,');
      expect(sources).toEqual(['/docs/swagger-ui.css', '/docs/swagger-ui-bundle.js', '/docs/page.js']);
      for (const source of sources) expect((await fetch(`${server.url}${source}`)).status).toBe(200);
    },
  );

  test("the Swagger UI files are the package's own", async () => {
    const packageDir = join(ROOT, 'node_modules', 'swagger-ui-dist');
    for (const file of ['swagger-ui-bundle.js', 'swagger-ui.css']) {
      const response = await fetch(`${server.url}/docs/${file}`);
      expect(await response.text()).toBe(readFileSync(join(packageDir, file), 'utf8'));
    }
    // Nothing else of the package (nor any other file) is reachable.
    expect((await fetch(`${server.url}/docs/index.html`)).status).toBe(404);
    expect((await fetch(`${server.url}/docs/..%2Fpackage.json`)).status).toBe(404);
  });

  test('/openapi.json names this server, offers the bearer scheme and the sample user as the example userId', async () => {
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      servers: Array<{ url: string }>;
      components: { securitySchemes: Record<string, { type: string; scheme?: string }> };
      paths: Record<
        string,
        Record<string, { security: object[]; parameters?: Array<{ name: string; example?: string }> }>
      >;
    };
    expect(document.servers.map((entry) => entry.url)).toEqual([server.url]);
    expect(document.components.securitySchemes.bearerToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    const create = document.paths['/beta/users/{userId}/profile/phones']!.post!;
    expect(create.security).toContainEqual({ bearerToken: [] });
    expect(create.parameters!.find((parameter) => parameter.name === 'userId')!.example).toBe(SAMPLE_USER_ID);
    // Asked through localhost, the page calls localhost.
    const { port } = new URL(server.url);
    const viaLocalhost = (await (await fetch(`http://localhost:${port}/openapi.json`)).json()) as {
      servers: Array<{ url: string }>;
    };
    expect(viaLocalhost.servers[0]!.url).toBe(`http://localhost:${port}`);
  });

  test('the Function App registers no route for the page: every registration is an operation on a user', () => {
    for (const registration of registrationsOf(operations))
      expect(registration.route).toMatch(/\{userId\}|^(beta|v1\.0)\/me\//);
  });
});

/** A fresh user of the development directory: it knows every user a token is minted for. */
async function directoryUser(): Promise<string> {
  const id = randomUUID();
  await server.devIssuer!.mint({ oid: id, upn: `user.${id.slice(0, 8)}@contoso.example` });
  return id;
}

describe('CORS', () => {
  const target = () => `${server.url}/beta/users/${randomUUID()}/profile/phones`;

  test('a preflight from a loopback origin is answered with the methods and headers a Graph client sends', async () => {
    const response = await fetch(target(), {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST, PATCH, DELETE');
    expect(response.headers.get('access-control-allow-headers')).toMatch(/Authorization, Content-Type/);
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  test('answers to a loopback origin carry the origin and expose request-id and Location', async () => {
    const admin = await server.devIssuer!.mint();
    const response = await fetch(`${server.url}/beta/users/${await directoryUser()}/profile/phones`, {
      method: 'POST',
      headers: { ...bearer(admin), origin: 'http://127.0.0.1:3000' },
      body: JSON.stringify({ number: '+1 (425) 555-0100', type: 'business' }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:3000');
    expect(response.headers.get('access-control-expose-headers')).toMatch(/request-id.*Location/);
    expect(response.headers.get('vary')).toMatch(/Origin/);
  });

  test('other origins get no CORS headers and a refused preflight', async () => {
    const preflight = await fetch(target(), {
      method: 'OPTIONS',
      headers: { origin: 'https://attacker.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(((await preflight.json()) as { error: { code: string } }).error.code).toBe('accessDenied');
    const get = await fetch(target(), { headers: { origin: 'https://attacker.example' } });
    expect(get.status).toBe(401);
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('the development tenant', () => {
  test('SMS sign-in is on: a mobile method is ready and enableSmsSignIn succeeds', async () => {
    const admin = await server.devIssuer!.mint();
    const user = `${server.url}/beta/users/${await directoryUser()}/authentication/phoneMethods`;
    const created = await fetch(user, {
      method: 'POST',
      headers: bearer(admin),
      body: JSON.stringify({ phoneNumber: '+1 2065550123', phoneType: 'mobile' }),
    });
    expect(created.status).toBe(201);
    const { id, smsSignInState } = (await created.json()) as { id: string; smsSignInState: string };
    expect(smsSignInState).toBe('ready');
    const enabled = await fetch(`${user}/${id}/enableSmsSignIn`, { method: 'POST', headers: bearer(admin) });
    expect(enabled.status).toBe(204);
    expect(server.banner).toContain('SMS sign-in policy: on (SMS_SIGN_IN_ENABLED)');
  });

  test("the default admin token manages another user's profile phones and phone methods", async () => {
    const admin = await server.devIssuer!.mint();
    const other = await directoryUser();
    const phone = await fetch(`${server.url}/beta/users/${other}/profile/phones`, {
      method: 'POST',
      headers: bearer(admin),
      body: JSON.stringify({ number: '+1 (425) 555-0100', type: 'business' }),
    });
    expect(phone.status).toBe(201);
    const method = await fetch(`${server.url}/beta/users/${other}/authentication/phoneMethods`, {
      method: 'POST',
      headers: bearer(admin),
      body: JSON.stringify({ phoneNumber: '+1 2065550100', phoneType: 'office' }),
    });
    expect(method.status).toBe(201);
  });

  test('each sample token of the API page gets its documented answer', async () => {
    const tokens = Object.fromEntries(
      await Promise.all(
        DEV_TOKEN_PRESETS.map(async (preset) => [preset.id, await server.devIssuer!.mint(preset.request)]),
      ),
    ) as Record<string, string>;
    const list = (token: string) =>
      fetch(`${server.url}/beta/users/${SAMPLE_USER_ID}/authentication/phoneMethods`, { headers: bearer(token) });
    for (const id of ['admin', 'user', 'reader', 'app'])
      expect([id, (await list(tokens[id]!)).status]).toEqual([id, 200]);
    const write = (token: string) =>
      fetch(`${server.url}/beta/users/${randomUUID()}/profile/phones`, {
        method: 'POST',
        headers: bearer(token),
        body: JSON.stringify({ number: '+1 (425) 555-0100', type: 'home' }),
      });
    // The reader reads only; the user writes only her own profile.
    expect((await write(tokens.reader!)).status).toBe(403);
    expect((await write(tokens.user!)).status).toBe(403);
  });
});

describe('npm run token', () => {
  const env = () => ({ ...process.env, PORT: new URL(server.url).port });

  test('warns on stderr when npm printed its header on a captured stdout, not with -s', async () => {
    const plain = await run('npm', ['run', 'token'], { cwd: ROOT, env: env() });
    expect(plain.stdout).toMatch(/^\s*> graph-phones@/);
    expect(plain.stderr).toContain('npm run -s token');
    const silent = await run('npm', ['run', '-s', 'token'], { cwd: ROOT, env: env() });
    expect(silent.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect(silent.stderr).toBe('');
    expect(npmHeaderWarning({ npm_lifecycle_event: 'token' }, true)).toBeUndefined();
  }, 60_000);

  test('prints the usage after a usage error only', async () => {
    const usage = await run('npm', ['run', '-s', 'token', '--', '--colour', 'blue'], { cwd: ROOT, env: env() }).catch(
      (error: { stderr: string }) => error,
    );
    expect(usage.stderr).toMatch(/Unknown option '--colour'[\s\S]*Usage: npm run token/);
    const refused = await run('npm', ['run', '-s', 'token', '--', '--lifetime', '5'], { cwd: ROOT, env: env() }).catch(
      (error: { stderr: string }) => error,
    );
    expect(refused.stderr).toMatch(/The development issuer refused: lifetime/);
    expect(refused.stderr).not.toContain('Usage:');
  }, 60_000);
});
