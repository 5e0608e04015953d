import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeJwt } from 'jose';
import type { LocalServer } from '../../scripts/localServer';
import { startUnconfiguredLocalServer } from '../support/devLocalServer';
import { AUTHENTICATION_ADMINISTRATOR, MOBILE_ID } from '../support/constants';
import { storedItems } from '../support/storage';
import { parseGraphBody, type GraphBody } from '../support/graphBody';
import { tsxScript } from '../support/npmStartProcess';

/**
 * `npm start` with nothing configured: the real function handlers behind plain node:http, the
 * embedded Cosmos-compatible server and the development issuer, driven over HTTP with fetch, curl
 * and the `npm run token` CLI.
 */

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const PHONE = '+1 2065550100';

let server: LocalServer;
const logLines: string[] = [];
/** The shared test JWKS server (globalSetup): a loopback server without a development issuer. */
const testJwksOrigin = new URL(process.env.AUTH_JWKS_URI!).origin;
const globalCosmosEndpoint = process.env.COSMOS_ENDPOINT;

beforeAll(async () => {
  server = await startUnconfiguredLocalServer({
    log: (line) => logLines.push(line),
  });
});

afterAll(() => server?.close());

function post(path: string, token: string | undefined, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    ...init,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...init.headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Every answer of this server is JSON. */
const bodyOf = async (response: Response): Promise<GraphBody> => parseGraphBody(await response.text());

const selfToken = (oid: string) => server.devIssuer!.mint({ oid, scp: 'User.ReadWrite', wids: [] });

describe('zero-install start', () => {
  test('embedded Cosmos and the development issuer are used; the env the service reads points at them', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.baseUrl).toBe(`${server.url}/beta`);
    expect(server.functions).toEqual(expect.arrayContaining(['createPhoneMethod', 'createProfilePhone']));
    expect(process.env.COSMOS_ENDPOINT).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(process.env.COSMOS_ENDPOINT).not.toBe(globalCosmosEndpoint);
    expect(process.env.AUTH_ISSUER).toBe(`${server.url}/dev-issuer`);
    expect(process.env.AUTH_JWKS_URI).toBe(`${server.url}/dev-issuer/keys`);
    expect(process.env.AUTH_AUDIENCE).toBe('api://graph-phones-local');
    expect(process.env.AUTH_TENANT_ID).toBeUndefined();
  });

  test('the JWKS of the development issuer is served with one RS256 public key', async () => {
    const response = await fetch(`${server.url}/dev-issuer/keys`);
    expect(response.status).toBe(200);
    const { keys } = (await response.json()) as { keys: Record<string, unknown>[] };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(keys[0]).not.toHaveProperty('d');
  });

  test('the banner names both endpoints and its curl commands create resources (201)', async () => {
    const banner = server.banner;
    // Routes as a person writes them, grouped by resource, never in Functions route syntax.
    expect(banner).toMatch(
      /^ {2}authentication\/phoneMethods\n {4}GET {4}\/beta\/users\/\{userId\}\/authentication\/phoneMethods$/m,
    );
    expect(banner).toMatch(/^ {4}POST {3}\/beta\/users\/\{userId\}\/profile\/phones$/m);
    expect(banner).toContain('Routes (each also under /beta/me/..., /v1.0/me/... for the signed-in user):');
    expect(banner).not.toContain('regex(');
    const curls = banner.split('\n').filter((line) => line.startsWith('curl '));
    expect(curls).toHaveLength(2);

    const statuses = await Promise.all(curls.map(runCurl));
    expect(statuses).toEqual([201, 201]);

    // The banner's admin token is a delegated Authentication Administrator who may also manage any
    // user's profile phones; the self token is the profile owner's.
    const [adminClaims, selfClaims] = curls.map((line) => decodeJwt(/Bearer ([\w.-]+)/.exec(line)![1]!));
    expect(adminClaims).toMatchObject({
      scp: 'User.ReadWrite User.ReadWrite.All UserAuthenticationMethod.ReadWrite.All',
      wids: [AUTHENTICATION_ADMINISTRATOR],
      idtyp: 'user',
    });
    expect(selfClaims).toMatchObject({ scp: 'User.ReadWrite UserAuthenticationMethod.ReadWrite' });
    // Both curl lines name their user by user principal name: sample users of the development directory.
    expect(banner).toContain('development directory (in memory): adele@contoso.example, alex@contoso.example');
    expect(curls[1]).toContain(`/beta/users/${String(selfClaims!.upn)}/profile/phones`);
    expect(curls[0]).toContain('/beta/users/alex@contoso.example/authentication/phoneMethods');
    expect(curls[0]).not.toContain(String(adminClaims!.oid));
  });
});

/** Runs a printed curl line as a shell would (curl is on the machine); falls back to replaying it with fetch. */
async function runCurl(line: string): Promise<number> {
  try {
    const { stdout } = await run('sh', ['-c', `${line} -s`]);
    return Number(/^HTTP\/[\d.]+ (\d{3})/.exec(stdout)![1]);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 127) throw error;
    const url = /'(http[^']+)'/.exec(line)![1]!;
    const token = /Bearer ([\w.-]+)/.exec(line)![1]!;
    const body = /-d '([^']+)'/.exec(line)![1]!;
    return (
      await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body,
      })
    ).status;
  }
}

describe('routing like the Functions host', () => {
  test('phoneMethods: 201 over HTTP, read back from the embedded Cosmos server', async () => {
    const userId = randomUUID();
    await server.devIssuer!.mint({ oid: userId }); // the user is in the development directory
    const token = await server.devIssuer!.mint({ scp: 'UserAuthenticationMethod.ReadWrite.All' });
    const response = await post(
      `/beta/users/${userId}/authentication/phoneMethods`,
      token,
      { phoneNumber: PHONE, phoneType: 'mobile' },
      {
        headers: { 'client-request-id': 'local-run-1' },
      },
    );
    expect(response.status).toBe(201);
    expect(response.headers.get('client-request-id')).toBe('local-run-1');
    expect(response.headers.get('location')).toBe(
      `${server.url}/beta/users/${userId}/authentication/phoneMethods/${MOBILE_ID}`,
    );
    const body = await bodyOf(response);
    expect(body).toMatchObject({ id: MOBILE_ID, phoneNumber: PHONE, phoneType: 'mobile' });

    const stored = await storedItems('phoneMethods', userId);
    expect(stored).toEqual([expect.objectContaining({ id: MOBILE_ID, phoneNumber: PHONE, phoneType: 'mobile' })]);
  });

  test.each([
    ['/beta/users/', 'users'],
    ['/beta/user/', 'user (the singular form some clients send)'],
    ['/Beta/USERS/', 'any letter case'],
  ])('profile phones on %s (%s) → 201', async (prefix) => {
    const oid = randomUUID();
    const response = await post(`${prefix}${oid}/Profile/Phones`, await selfToken(oid), {
      number: '+1 (425) 555-0100',
    });
    expect(response.status).toBe(201);
    expect((await bodyOf(response)).createdBy.user?.id).toBe(oid);
    expect(await storedItems('profilePhones', oid)).toHaveLength(1);
  });

  test("{userId} is URL-decoded: the caller's own UPN, percent-encoded, resolves to their object id", async () => {
    const oid = randomUUID();
    const token = await server.devIssuer!.mint({ oid, scp: 'User.ReadWrite', upn: 'dev.user@graph-phones.local' });
    const response = await post(
      `/beta/users/${encodeURIComponent('Dev.User@graph-phones.local')}/profile/phones`,
      token,
      { number: '555 0100' },
    );
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toContain(`/beta/users/${oid}/profile/phones/`);
  });

  test("the regex constraint is honoured: /beta/people/... is not a route (Graph's 400 naming 'people')", async () => {
    const response = await post(`/beta/people/${randomUUID()}/profile/phones`, undefined, {});
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/json');
    const body = await bodyOf(response);
    expect(body.error).toMatchObject({ code: 'BadRequest', message: "Resource not found for the segment 'people'." });
    expect(body.error.innerError['request-id']).toBe(response.headers.get('request-id'));
  });

  test("under /beta/ and /v1.0/, an unknown path is Graph's 400 naming the first segment that matched nothing", async () => {
    for (const [path, segment] of [
      ['/beta/users/x/authentication', 'authentication'],
      ['/beta/users/x/authentication/phoneMethods/a/b/c', 'b'],
      ['/beta/users/x/authentication/fido2Methods', 'fido2Methods'],
      ['/v1.0/users/x/profile/phones', 'profile'],
      ['/v1.0/me/profile/phones/1', 'profile'],
      ['/v1.0/user/x/authentication/phoneMethods', 'user'],
      ['/v1.0/users/x/authentication/methods/a/enableSmsSignIn', 'enableSmsSignIn'],
      ['/beta/groups', 'groups'],
      ['/beta/users/a%20b/friends', 'friends'],
    ]) {
      const response = await post(path!, undefined, {});
      expect([path, response.status]).toEqual([path, 400]);
      expect([path, (await bodyOf(response)).error]).toEqual([
        path,
        expect.objectContaining({ code: 'BadRequest', message: `Resource not found for the segment '${segment}'.` }),
      ]);
    }
  });

  test('outside /beta/ and /v1.0/ no function serves a path: 404', async () => {
    for (const path of ['/v2.0/users/x/authentication/phoneMethods', '/api/beta/users/x/profile/phones', '/']) {
      const response = await post(path, undefined, {});
      expect([path, response.status]).toEqual([path, 404]);
      expect((await bodyOf(response)).error.code).toBe('ResourceNotFound');
    }
  });

  test.each(['beta', 'v1.0'])(
    'a wrong method on a known %s route → 405 Graph error with Allow naming the methods it has',
    async (version) => {
      const response = await fetch(`${server.url}/${version}/users/${randomUUID()}/authentication/phoneMethods`, {
        method: 'PUT',
      });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')?.split(/,\s*/).sort()).toEqual(['GET', 'POST']);
      expect((await bodyOf(response)).error).toMatchObject({
        code: 'MethodNotAllowed',
        message: 'Specified HTTP method is not allowed for the request target.',
      });
      const item = await fetch(`${server.url}/${version}/me/authentication/phoneMethods/x/enableSmsSignIn`);
      expect([item.status, item.headers.get('allow')]).toEqual([405, 'POST']);
    },
  );

  test('the handler sees the real headers: no token → 401 with WWW-Authenticate; two Authorization headers → 401', async () => {
    const path = `/beta/users/${randomUUID()}/authentication/phoneMethods`;
    const none = await post(path, undefined, { phoneNumber: PHONE, phoneType: 'mobile' });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="graph-phones"');

    // fetch folds repeated headers into one line; node:http sends two real Authorization lines.
    const token = await server.devIssuer!.mint({ scp: 'UserAuthenticationMethod.ReadWrite.All' });
    const twice = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(`${server.url}${path}`, {
        method: 'POST',
        // A raw header list is sent as given (Node then adds no Host header itself).
        headers: [
          'host',
          new URL(server.url).host,
          'content-type',
          'application/json',
          'authorization',
          `Bearer ${token}`,
          'authorization',
          `Bearer ${token}`,
        ],
      });
      request.on('response', (response) => resolve(response.resume().statusCode!)).on('error', reject);
      request.end(JSON.stringify({ phoneNumber: PHONE, phoneType: 'mobile' }));
    });
    expect(twice).toBe(401);
  });

  test('bodies over the configured limit (MAX_BODY_BYTES, default 16384) get a 413 from the server, before the handler', async () => {
    const oid = randomUUID();
    const token = await selfToken(oid);
    const overLimit = await post(
      `/beta/users/${oid}/profile/phones`,
      token,
      JSON.stringify({ number: '1', displayName: 'x'.repeat(20_000) }),
    );
    expect(overLimit.status).toBe(413);
    expect((await bodyOf(overLimit)).error).toMatchObject({
      code: 'requestEntityTooLarge',
      message: expect.stringContaining('16384') as unknown,
    });

    const farOver = await post(`/beta/users/${oid}/profile/phones`, token, 'x'.repeat(1_100_000));
    expect(farOver.status).toBe(413);
    expect((await bodyOf(farOver)).error).toMatchObject({
      code: 'requestEntityTooLarge',
      message: expect.stringContaining('16384') as unknown,
    });
    expect(await storedItems('profilePhones', oid)).toHaveLength(0);
  });

  test("GET /openapi.json serves the service's OpenAPI document", async () => {
    const response = await fetch(`${server.url}/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths).length).toBeGreaterThanOrEqual(2);
  });

  test('one log line per function request, with ids only: no token, no phone number', async () => {
    const oid = randomUUID();
    const before = logLines.length;
    const response = await post(`/beta/users/${oid}/profile/phones`, await selfToken(oid), {
      number: '+1 (425) 555-0177',
      displayName: 'Desk',
    });
    expect(response.status).toBe(201);
    const lines = logLines.slice(before);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      event: 'request',
      function: 'createProfilePhone',
      status: 201,
      callerObjectId: oid,
    });

    // The banner (with its development tokens) is printed once at start; request lines never carry one.
    const all = logLines.filter((line) => line !== server.banner).join('\n');
    expect(all).not.toMatch(/eyJ[\w-]+\.eyJ/);
    expect(all).not.toContain('555-01');
    expect(all).not.toContain('2065550100');
    expect(all).not.toContain('Desk');
  });
});

describe('npm run token', () => {
  const token = (...args: string[]) => run(...tsxScript('scripts/token.ts', ...args), { cwd: ROOT });

  test('mints a token the running server accepts, with the requested claims; prints only the token', async () => {
    const oid = randomUUID();
    const { stdout } = await token(
      '--server',
      server.url,
      '--oid',
      oid,
      '--scp',
      'User.ReadWrite',
      '--wids',
      '',
      '--name',
      'Dev Person',
      '--lifetime',
      '600',
    );
    const printed = stdout.trim();
    expect(printed).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const claims = decodeJwt(printed);
    expect(claims).toMatchObject({
      oid,
      scp: 'User.ReadWrite',
      wids: [],
      name: 'Dev Person',
      iss: `${server.url}/dev-issuer`,
      aud: 'api://graph-phones-local',
    });
    expect(claims.exp! - claims.iat!).toBe(600);

    const response = await post(`/beta/user/${oid}/profile/phones`, printed, { number: '555 0100' });
    expect(response.status).toBe(201);
  });

  test('an app-only token (--roles) is accepted by phoneMethods', async () => {
    const { stdout } = await token('--server', server.url, '--roles', 'UserAuthenticationMethod.ReadWrite.All');
    expect(decodeJwt(stdout.trim())).toMatchObject({ idtyp: 'app', roles: ['UserAuthenticationMethod.ReadWrite.All'] });
    const target = randomUUID();
    await server.devIssuer!.mint({ oid: target }); // the user is in the development directory
    const response = await post(`/beta/users/${target}/authentication/phoneMethods`, stdout.trim(), {
      phoneNumber: PHONE,
      phoneType: 'office',
    });
    expect(response.status).toBe(201);
  });

  test('refuses a server that is not on loopback (exit 1, nothing on stdout)', async () => {
    const failure = await token('--server', 'https://graph.example.com').catch(
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failure).toMatchObject({ code: 1, stdout: '' });
    expect((failure as { stderr: string }).stderr).toContain('Refusing https://graph.example.com');
  });

  test('refuses a loopback server without a development issuer, and bad options', async () => {
    const noIssuer = await token('--server', testJwksOrigin).catch((error: { code: number; stderr: string }) => error);
    expect(noIssuer).toMatchObject({ code: 1 });
    expect((noIssuer as { stderr: string }).stderr).toContain('has no development issuer');

    const badOid = await token('--server', server.url, '--oid', 'not-a-guid').catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(badOid).toMatchObject({ code: 1 });
    expect((badOid as { stderr: string }).stderr).toContain('oid: must be a GUID');
  });
});
