import { createPublicKey, randomUUID } from 'node:crypto';
import { CLOCK_TOLERANCE_SECONDS } from '../../shared/auth/verifyToken';
import { TEST_AUDIENCE, TEST_TENANT_ID } from '../support/constants';
import { decodeSegment, forgeToken, hs256Token, withTamperedPayload } from '../support/forgedTokens';
import { invoke, type Invocation } from '../support/invoke';
import { newTestKey } from '../support/keys';
import { controlClock, startServiceWithOwnKeySet, type ServiceWithOwnKeySet } from '../support/ownKeySet';
import { startRecordingServer } from '../support/recordingServer';
import { storedItems } from '../support/storage';
import { appToken, signToken, userToken, v1Issuer, v2Issuer } from '../support/tokens';
import { testService } from '../support/service';

const { createPhoneMethod, createProfilePhone } = testService();

/**
 * Token attacks against the real verifier: each is refused with the contract's status and
 * WWW-Authenticate challenge, and writes nothing.
 */

const PATH = 'authentication/phoneMethods';
const validBody = { phoneNumber: '+1 2065550100', phoneType: 'mobile' };
const ADMIN = { scp: 'UserAuthenticationMethod.ReadWrite.All', wids: ['c4e39bd9-1100-46d3-8c65-fb160da0071f'] };
let attacksTried = 0;

afterAll(() => console.log(`tokens: ${attacksTried} attacks tried, each refused without a write`));

/** Claims of a valid delegated administrator token, for tokens built by hand. */
function adminClaims(extra: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  const oid = randomUUID();
  return {
    iss: v2Issuer(),
    aud: TEST_AUDIENCE,
    tid: TEST_TENANT_ID,
    iat: now,
    nbf: now,
    exp: now + 3600,
    oid,
    sub: oid.slice(0, 8),
    ...ADMIN,
    ...extra,
  };
}

const adminToken = (claims: Record<string, unknown> = {}, options: Parameters<typeof signToken>[0] = {}) =>
  signToken({ ...options, claims: { oid: randomUUID(), ...ADMIN, ...claims } });

async function attempt(headers: Record<string, string>, query?: Record<string, string>, handler = createPhoneMethod) {
  const userId = randomUUID();
  const result = await invoke(handler, { userId, body: validBody, path: PATH, headers, query });
  attacksTried += 1;
  return { result, userId };
}

async function expectRefused(
  { result, userId }: { result: Invocation; userId: string },
  status: 401 | 403,
  challenge: RegExp,
): Promise<void> {
  expect(result.status).toBe(status);
  expect(result.body.error.code).toBe(status === 401 ? 'InvalidAuthenticationToken' : 'accessDenied');
  expect(result.headers.get('www-authenticate')).toMatch(challenge);
  expect(await storedItems('phoneMethods', userId)).toEqual([]);
}

const INVALID_TOKEN = /^Bearer realm="graph-phones", error="invalid_token", error_description="[^"]+"$/;
const NO_TOKEN = /^Bearer realm="graph-phones"$/;
const INSUFFICIENT_SCOPE = /^Bearer realm="graph-phones", error="insufficient_scope"/;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('how the token is presented', () => {
  test('no Authorization header: 401 with a bare challenge', async () => {
    await expectRefused(await attempt({}), 401, NO_TOKEN);
  });

  test.each([
    ['Basic', () => Promise.resolve(`Basic ${Buffer.from('user:pass').toString('base64')}`)],
    ['a bare token without a scheme', async () => await adminToken()],
    ['MAC', async () => `MAC ${await adminToken()}`],
  ])('wrong scheme: %s', async (_name, value) => {
    await expectRefused(await attempt({ authorization: await value() }), 401, INVALID_TOKEN);
  });

  test.each([', ', ','])(
    'two Authorization values (joined with %j, as the host joins repeated headers)',
    async (separator) => {
      const value = `Bearer ${await adminToken()}${separator}Bearer ${await adminToken()}`;
      await expectRefused(await attempt({ authorization: value }), 401, INVALID_TOKEN);
    },
  );

  test.each(['access_token', 'token', 'code'])(
    'a valid token in the query string (%s) only is never read',
    async (name) => {
      await expectRefused(await attempt({}, { [name]: await adminToken() }), 401, NO_TOKEN);
    },
  );

  test('an oversized token (64 KB) is refused before it is parsed: no key set fetch on a cold service', async () => {
    await using own = await startServiceWithOwnKeySet();
    const huge = await adminToken({ padding: 'x'.repeat(64 * 1024) });
    expect(huge.length).toBeGreaterThan(64 * 1024);
    const userId = randomUUID();
    const result = await invoke(own.service.createPhoneMethod, { userId, token: huge, body: validBody, path: PATH });
    attacksTried += 1;
    await expectRefused({ result, userId }, 401, INVALID_TOKEN);
    expect(own.jwks.fetches).toBe(0);
  });
});

describe('forged signatures and algorithms', () => {
  const kid = () => process.env.TEST_SIGNING_KID!;
  // The public half of the signing key, which anyone can fetch from the JWKS.
  const publicKey = () => createPublicKey(process.env.TEST_SIGNING_KEY_PEM!);

  test.each(['none', 'None', 'NONE'])('alg %j with an empty signature', async (alg) => {
    const token = forgeToken({ alg, typ: 'JWT', kid: kid() }, adminClaims());
    await expectRefused(await attempt(bearer(token)), 401, INVALID_TOKEN);
  });

  test('HS256 signed with the RSA public key PEM as the HMAC secret', async () => {
    const token = hs256Token(
      { typ: 'JWT', kid: kid() },
      adminClaims(),
      publicKey().export({ format: 'pem', type: 'spki' }).toString(),
    );
    await expectRefused(await attempt(bearer(token)), 401, INVALID_TOKEN);
  });

  test("HS256 signed with the JWK's modulus (n) as the HMAC secret, as text and as bytes", async () => {
    const n = publicKey().export({ format: 'jwk' }).n!;
    for (const secret of [n, Buffer.from(n, 'base64url')]) {
      const token = hs256Token({ typ: 'JWT', kid: kid() }, adminClaims(), secret);
      await expectRefused(await attempt(bearer(token)), 401, INVALID_TOKEN);
    }
  });

  test.each([
    ['oid (act as someone else)', { oid: randomUUID() }],
    ['scp (grant a permission)', { scp: 'UserAuthenticationMethod.ReadWrite.All Directory.ReadWrite.All' }],
    ['exp (extend the lifetime)', { exp: Math.floor(Date.now() / 1000) + 365 * 86400 }],
    ['tid (another tenant)', { tid: randomUUID() }],
  ])('a tampered payload keeping the signature: %s', async (_name, change) => {
    const token = withTamperedPayload(await adminToken(), change);
    await expectRefused(await attempt(bearer(token)), 401, INVALID_TOKEN);
  });

  test.each([
    ['path traversal', '../../../../etc/passwd'],
    ['SQL text', "' OR 1=1; DROP TABLE keys; --"],
    ['10 KB', 'k'.repeat(10 * 1024)],
    ['a URL', 'http://127.0.0.1:1/keys'],
  ])('kid with %s', async (_name, badKid) => {
    await expectRefused(await attempt(bearer(await adminToken({}, { kid: badKid }))), 401, INVALID_TOKEN);
  });
});

describe('key location headers are never followed', () => {
  test('jku, x5u and an embedded jwk naming an attacker key: refused, and the attacker server gets no request', async () => {
    const attacker = newTestKey('attacker-key');
    await using attackerServer = await startRecordingServer({ keys: [attacker.publicJwk] });
    const headers: Record<string, unknown>[] = [
      { jku: `${attackerServer.url}/keys` },
      { x5u: `${attackerServer.url}/cert.pem` },
      { jwk: attacker.publicJwk },
      { jku: `${attackerServer.url}/keys`, x5u: `${attackerServer.url}/cert.pem`, jwk: attacker.publicJwk },
    ];
    for (const header of headers) {
      for (const kid of [attacker.kid, process.env.TEST_SIGNING_KID!]) {
        const token = await signToken({
          claims: { oid: randomUUID(), ...ADMIN },
          key: attacker.privateKey,
          kid,
          header,
        });
        expect(decodeSegment(token, 0)).toMatchObject(header);
        await expectRefused(await attempt(bearer(token)), 401, INVALID_TOKEN);
      }
    }
    expect(attackerServer.requests).toEqual([]);
  });
});

describe('claims', () => {
  const tolerance = CLOCK_TOLERANCE_SECONDS;
  const now = () => Math.floor(Date.now() / 1000);

  test.each([
    ['expired beyond the tolerance', () => ({ exp: now() - tolerance - 60 })],
    ['without exp', () => ({ exp: undefined })],
    ['nbf in the future beyond the tolerance', () => ({ nbf: now() + tolerance + 60 })],
    ['a wrong audience', () => ({ aud: 'api://someone-else' })],
    ['an audience list without ours', () => ({ aud: ['api://a', 'api://b'] })],
    [
      "another tenant's issuer and tid",
      () => ({ iss: v2Issuer('0b0b0b0b-1111-2222-3333-444444444444'), tid: '0b0b0b0b-1111-2222-3333-444444444444' }),
    ],
    ["another tenant's v1 issuer with our tid", () => ({ iss: v1Issuer('0b0b0b0b-1111-2222-3333-444444444444') })],
    ['our issuer with another tid', () => ({ tid: '0b0b0b0b-1111-2222-3333-444444444444' })],
    ['no tid', () => ({ tid: undefined })],
    ['a look-alike issuer', () => ({ iss: `${v2Issuer()}/` })],
  ])('%s: 401', async (_name, claims) => {
    await expectRefused(await attempt(bearer(await adminToken(claims()))), 401, INVALID_TOKEN);
  });

  test.each([
    ['nbf within the tolerance', { nbf: Math.floor(Date.now() / 1000) + 120 }],
    ['exp just passed, within the tolerance', { exp: Math.floor(Date.now() / 1000) - 60 }],
    ['the v1 issuer', { iss: v1Issuer(), ver: '1.0' }],
    ['the v2 issuer', { iss: v2Issuer(), ver: '2.0' }],
  ])('%s: accepted', async (_name, claims) => {
    const userId = randomUUID();
    const result = await invoke(createPhoneMethod, {
      userId,
      token: await adminToken(claims),
      body: validBody,
      path: PATH,
    });
    expect(result.status).toBe(201);
    expect(await storedItems('phoneMethods', userId)).toHaveLength(1);
  });
});

describe('permissions smuggled in the wrong claim', () => {
  test('a delegated token whose roles carry the application permission: 403', async () => {
    const token = await userToken({
      scp: 'User.Read',
      wids: [],
      extra: { roles: ['UserAuthenticationMethod.ReadWrite.All'] },
    });
    await expectRefused(await attempt(bearer(token)), 403, INSUFFICIENT_SCOPE);
  });

  test('an app token without the role: 403', async () => {
    await expectRefused(await attempt(bearer(await appToken([]))), 403, INSUFFICIENT_SCOPE);
    await expectRefused(await attempt(bearer(await appToken(['User.ReadWrite.All']))), 403, INSUFFICIENT_SCOPE);
  });

  test('an app token carrying scp-like roles for profile phones: 403 (app-only is not supported there)', async () => {
    const result = await attempt(
      bearer(await appToken(['User.ReadWrite.All'], { scp: undefined })),
      undefined,
      createProfilePhone,
    );
    expect(result.result.status).toBe(403);
    expect(await storedItems('profilePhones', result.userId)).toEqual([]);
  });
});

describe('unknown kid flood (an isolated service with its own key set server)', () => {
  let own: ServiceWithOwnKeySet;
  beforeAll(async () => {
    own = await startServiceWithOwnKeySet();
  });
  afterAll(() => own.close());

  const flood = async (count: number) => {
    const results = await Promise.all(
      Array.from({ length: count }, async () => {
        const token = await adminToken({}, { kid: randomUUID() });
        attacksTried += 1;
        return (
          await invoke(own.service.createPhoneMethod, { userId: randomUUID(), token, body: validBody, path: PATH })
        ).status;
      }),
    );
    expect(results.every((status) => status === 401)).toBe(true);
  };

  test('200 random kids cost at most one key set fetch per cool-down', async () => {
    const clock = controlClock();
    try {
      const warm = await invoke(own.service.createPhoneMethod, {
        userId: randomUUID(),
        token: await adminToken(),
        body: validBody,
        path: PATH,
      });
      expect(warm.status).toBe(201);
      expect(own.jwks.fetches).toBe(1);

      await flood(200);
      expect(own.jwks.fetches).toBe(1); // within the cool-down of the first fetch: none

      clock.advance(5 * 60_000 + 1_000);
      await flood(200);
      expect(own.jwks.fetches).toBe(2); // the next cool-down: exactly one
      expect(own.service.keySet().fetchCount).toBe(2);
    } finally {
      clock.restore();
    }
  });
});
