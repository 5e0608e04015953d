import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import type { FaultProxy } from '../../support/faultProxy';
import { parseLogLine } from '../../support/graphBody';
import { invoke, type Invocation } from '../../support/invoke';
import { loadServiceBehindFaultProxy, loadServiceWith, type IsolatedService } from '../../support/isolated';
import { newTestKey } from '../../support/keys';
import { storedItems } from '../../support/storage';
import { signToken, userToken, v1Issuer, v2Issuer } from '../../support/tokens';
import { TEST_TENANT_ID } from '../../support/constants';
import { testService } from '../../support/service';

const { createPhoneMethod, createProfilePhone } = testService();

const PATH = 'authentication/phoneMethods';
const validBody = { phoneNumber: '+1 2065550100', phoneType: 'mobile' };

function expectGraphError(result: Invocation, status: number, code: string) {
  expect(result.status).toBe(status);
  expect(result.headers.get('content-type')).toBe('application/json');
  expect(result.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
  expect(result.body).toEqual({
    error: {
      code,
      message: expect.any(String) as unknown,
      details: expect.any(Array) as unknown,
      innerError: {
        date: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/) as unknown,
        'request-id': result.headers.get('request-id'),
        'client-request-id': result.headers.get('client-request-id'),
      },
    },
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('400 badRequest for bodies that are not JSON objects', () => {
  test.each([
    ['truncated JSON', '{"phoneNumber": "+1 2065550100", '],
    ['an array', '[]'],
    ['null', 'null'],
    ['a string', '"+1 2065550100"'],
    ['an empty body', ''],
  ])('%s', async (_name, rawBody) => {
    const userId = randomUUID();
    const result = await invoke(createPhoneMethod, { userId, token: await userToken(), rawBody, path: PATH });
    expectGraphError(result, 400, 'badRequest');
    expect(await storedItems('phoneMethods', userId)).toEqual([]);
  });
});

describe('401 InvalidAuthenticationToken', () => {
  const otherKey = newTestKey('test-key-1');
  const cases: [string, () => Promise<Record<string, string>>, boolean][] = [
    ['no Authorization header', () => Promise.resolve({}), false],
    ['a Basic credential', () => Promise.resolve({ authorization: 'Basic dXNlcjpwYXNz' }), true],
    ['a malformed bearer token', () => Promise.resolve({ authorization: 'Bearer not-a-jwt' }), true],
    [
      'two bearer tokens',
      async () => ({ authorization: `Bearer ${await userToken()}, Bearer ${await userToken()}` }),
      true,
    ],
    [
      'an expired token',
      async () => ({ authorization: `Bearer ${await signToken({ claims: { oid: randomUUID() }, expiresIn: -600 })}` }),
      true,
    ],
    [
      'a token signed by another key under the same kid',
      async () => ({
        authorization: `Bearer ${await signToken({ claims: { oid: randomUUID() }, key: otherKey.privateKey })}`,
      }),
      true,
    ],
    [
      'a wrong audience',
      async () => ({
        authorization: `Bearer ${await signToken({ claims: { oid: randomUUID(), aud: 'api://someone-else' } })}`,
      }),
      true,
    ],
    [
      'an unknown issuer',
      async () => ({
        authorization: `Bearer ${await signToken({ claims: { oid: randomUUID(), iss: 'https://evil.example/' } })}`,
      }),
      true,
    ],
    [
      "another tenant's issuer and tid",
      async () => {
        const tenant = randomUUID();
        return {
          authorization: `Bearer ${await signToken({ claims: { oid: randomUUID(), iss: v2Issuer(tenant), tid: tenant } })}`,
        };
      },
      true,
    ],
    [
      'our issuer with another tid',
      async () => ({
        authorization: `Bearer ${await signToken({ claims: { oid: randomUUID(), tid: randomUUID() } })}`,
      }),
      true,
    ],
    [
      'no oid',
      async () => ({ authorization: `Bearer ${await signToken({ claims: { scp: 'User.ReadWrite' } })}` }),
      true,
    ],
  ];

  test.each(cases)('%s', async (_name, headers, tokenSent) => {
    const userId = randomUUID();
    const result = await invoke(createPhoneMethod, { userId, body: validBody, path: PATH, headers: await headers() });
    expectGraphError(result, 401, 'InvalidAuthenticationToken');
    const challenge = result.headers.get('www-authenticate')!;
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge.includes('error="invalid_token"')).toBe(tokenSent);
    expect(await storedItems('phoneMethods', userId)).toEqual([]);
  });

  test('a token in the query string is never read', async () => {
    const userId = randomUUID();
    const token = await userToken();
    const result = await invoke(createPhoneMethod, {
      userId,
      body: validBody,
      path: PATH,
      query: { access_token: token },
    });
    expectGraphError(result, 401, 'InvalidAuthenticationToken');
    expect(await storedItems('phoneMethods', userId)).toEqual([]);
  });

  test('both the v1 and the v2 Entra issuer are accepted', async () => {
    for (const iss of [v1Issuer(), v2Issuer()]) {
      const token = await signToken({
        claims: {
          iss,
          oid: randomUUID(),
          scp: 'UserAuthenticationMethod.ReadWrite.All',
          wids: ['c4e39bd9-1100-46d3-8c65-fb160da0071f'],
        },
      });
      const result = await invoke(createPhoneMethod, { userId: randomUUID(), token, body: validBody, path: PATH });
      expect(result.status).toBe(201);
    }
  });
});

describe('403, 413, 415', () => {
  test('403 accessDenied with an insufficient_scope challenge', async () => {
    const result = await invoke(createPhoneMethod, {
      userId: randomUUID(),
      token: await userToken({ scp: 'User.Read' }),
      body: validBody,
      path: PATH,
    });
    expectGraphError(result, 403, 'accessDenied');
    expect(result.headers.get('www-authenticate')).toMatch(/^Bearer .*error="insufficient_scope", scope="[^"]+"$/);
  });

  test('413 for a body over the limit, by Content-Length and by actual size', async () => {
    const userId = randomUUID();
    const token = await userToken();
    const big = JSON.stringify({ ...validBody, padding: 'x'.repeat(20_000) });
    const declared = await invoke(createPhoneMethod, {
      userId,
      token,
      rawBody: big,
      path: PATH,
      headers: { 'content-length': String(big.length) },
    });
    expectGraphError(declared, 413, 'requestEntityTooLarge');
    const undeclared = await invoke(createPhoneMethod, { userId, token, rawBody: big, path: PATH });
    expectGraphError(undeclared, 413, 'requestEntityTooLarge');
    expect(await storedItems('phoneMethods', userId)).toEqual([]);
  });

  test.each([['text/plain'], ['application/x-www-form-urlencoded'], ['']])(
    '415 for Content-Type %j',
    async (contentType) => {
      const userId = randomUUID();
      const result = await invoke(createPhoneMethod, {
        userId,
        token: await userToken(),
        body: validBody,
        path: PATH,
        headers: { 'content-type': contentType },
      });
      expectGraphError(result, 415, 'unsupportedMediaType');
      expect(await storedItems('phoneMethods', userId)).toEqual([]);
    },
  );

  test('Content-Type parameters are allowed', async () => {
    const result = await invoke(createPhoneMethod, {
      userId: randomUUID(),
      token: await userToken(),
      body: validBody,
      path: PATH,
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(result.status).toBe(201);
  });
});

describe('429, 503 and 500 from storage faults (a real proxy in front of the server)', () => {
  let proxy: FaultProxy;
  let service: IsolatedService;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ proxy, service, close } = await loadServiceBehindFaultProxy());
  });
  afterAll(() => close());
  afterEach(() => {
    proxy.mode = { kind: 'pass' };
  });

  const callThroughProxy = async (userId: string) =>
    invoke(service.createPhoneMethod, { userId, token: await userToken(), body: validBody, path: PATH });

  test('passes through when there is no fault', async () => {
    const userId = randomUUID();
    expect((await callThroughProxy(userId)).status).toBe(201);
    expect(await storedItems('phoneMethods', userId)).toHaveLength(1);
  });

  test('429 tooManyRequests with Retry-After when storage keeps throttling past the retries', async () => {
    const userId = randomUUID();
    proxy.mode = { kind: 'throttle', retryAfterMs: 20 };
    const before = proxy.faultsInjected;
    const result = await callThroughProxy(userId);
    expectGraphError(result, 429, 'tooManyRequests');
    expect(Number(result.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(proxy.faultsInjected - before).toBeGreaterThan(1); // the SDK retried before giving up
    proxy.mode = { kind: 'pass' };
    expect(await storedItems('phoneMethods', userId)).toEqual([]);
  });

  test('503 serviceNotAvailable with Retry-After when storage refuses connections', async () => {
    const userId = randomUUID();
    await proxy.refuse();
    try {
      const result = await callThroughProxy(userId);
      expectGraphError(result, 503, 'serviceNotAvailable');
      expect(result.headers.get('retry-after')).toMatch(/^\d+$/);
    } finally {
      await proxy.resume();
    }
    expect(await storedItems('phoneMethods', userId)).toEqual([]);
    expect((await callThroughProxy(userId)).status).toBe(201);
  });

  test('503 when storage answers 503', async () => {
    proxy.mode = { kind: 'status', status: 503 };
    expectGraphError(await callThroughProxy(randomUUID()), 503, 'serviceNotAvailable');
  });

  test('500 generalException without internals when storage answers something unexpected', async () => {
    const userId = randomUUID();
    proxy.mode = { kind: 'status', status: 403 };
    const result = await callThroughProxy(userId);
    expectGraphError(result, 500, 'generalException');
    expect(JSON.stringify(result.body)).not.toMatch(/injected|stack|at \w+ \(/);
    // The operator can tell "data-plane role missing" (storage said 403) from an outage or a bug.
    const entry = parseLogLine(result.logs[0]!);
    expect(entry).toMatchObject({ status: 500, errorCode: 'generalException', cause: { status: 403 } });
    expect(typeof (entry.cause as { type?: unknown }).type).toBe('string');
  });

  test('a storage outage is logged with its cause, distinct from a refusal', async () => {
    proxy.mode = { kind: 'status', status: 503 };
    const result = await callThroughProxy(randomUUID());
    expect(JSON.parse(result.logs[0]!)).toMatchObject({
      status: 503,
      errorCode: 'serviceNotAvailable',
      cause: { status: 503 },
    });
  });
});

describe('503 when no signing keys can be fetched at all', () => {
  test('key set unreachable at cold start: 503 with Retry-After, not 401', async () => {
    const port = await freePort();
    using service = loadServiceWith({ AUTH_JWKS_URI: `http://127.0.0.1:${port}/keys` });
    const userId = randomUUID();
    const result = await invoke(service.createPhoneMethod, {
      userId,
      token: await userToken(),
      body: validBody,
      path: PATH,
    });
    expectGraphError(result, 503, 'serviceNotAvailable');
    expect(result.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(parseLogLine(result.logs[0]!).cause).toEqual({ type: 'KeySetUnavailableError' });
    expect(await storedItems('phoneMethods', userId)).toEqual([]);
  });
});

describe('configuration', () => {
  test('a bad variable fails with its name', () => {
    expect(() => loadServiceWith({ COSMOS_ENDPOINT: 'not a url' })).toThrow(/COSMOS_ENDPOINT/);
    expect(() => loadServiceWith({ AUTH_AUDIENCE: undefined })).toThrow(/AUTH_AUDIENCE/);
    expect(() => loadServiceWith({ AUTH_TENANT_ID: 'contoso', AUTH_JWKS_URI: undefined })).toThrow(/AUTH_TENANT_ID/);
    expect(() => loadServiceWith({ SMS_SIGN_IN_ENABLED: 'maybe' })).toThrow(/SMS_SIGN_IN_ENABLED/);
  });

  test('SMS_SIGN_IN_ENABLED=true makes a new mobile method ready', async () => {
    using service = loadServiceWith({ SMS_SIGN_IN_ENABLED: 'true' });
    const result = await invoke(service.createPhoneMethod, {
      userId: randomUUID(),
      token: await userToken(),
      body: validBody,
      path: PATH,
    });
    expect(result.status).toBe(201);
    expect(result.body.smsSignInState).toBe('ready');
  });
});

describe('the request log', () => {
  test('one structured line per request with ids and outcome, and no phone number, name or token', async () => {
    const oid = randomUUID();
    const token = await userToken({ oid, scp: 'User.ReadWrite', wids: [], name: 'Secret Name' });
    const result = await invoke(createProfilePhone, {
      userId: oid,
      token,
      body: { number: '+1 425 555 0177', displayName: 'Private line' },
      path: 'profile/phones',
    });
    expect(result.status).toBe(201);
    expect(result.logs).toHaveLength(1);
    const entry = parseLogLine(result.logs[0]!);
    expect(entry).toMatchObject({
      event: 'request',
      requestId: result.headers.get('request-id'),
      status: 201,
      tenantId: TEST_TENANT_ID,
      callerObjectId: oid,
      targetUserId: oid,
      route: 'beta/{collection:regex(^(users|user)$)}/{userId}/profile/phones',
    });
    expect(typeof entry.durationMs).toBe('number');
    for (const secret of ['555 0177', '5550177', 'Secret Name', 'Private line', token, token.split('.')[1]!]) {
      expect(result.logs[0]).not.toContain(secret);
    }
  });
});
