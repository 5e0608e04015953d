import { randomUUID } from 'node:crypto';
import { KeySet } from '../../../shared/auth/keySet';
import { createTokenVerifier } from '../../../shared/auth/verifyToken';
import { TEST_CLIENT_APP_ID, TEST_TENANT_ID } from '../../support/constants';
import { bearer, refusal, requestWith, startAuthFixture, type AuthFixture } from '../../support/authFixture';

/**
 * The token verifier with a real JWKS server and real RS256 tokens whose claims were signed by the
 * issuer but are malformed: the signature does not make them safe to use.
 */

let fx: AuthFixture;
beforeEach(async () => {
  fx = await startAuthFixture();
});
afterEach(() => fx.close());

const INVALID_TOKEN = /^Bearer realm="graph-phones", error="invalid_token", error_description="[^"]+"$/;

async function expect401(token: string): Promise<void> {
  const error = await refusal(fx.authenticate(token));
  expect(error.status).toBe(401);
  expect(error.code).toBe('InvalidAuthenticationToken');
  expect(error.headers['WWW-Authenticate']).toMatch(INVALID_TOKEN);
}

describe('issuer-signed claims that are not safe to use', () => {
  const oid = randomUUID();
  test.each([
    ['oid "{GUID}" (would escape the own-account rule)', { oid: `{${oid}}` }],
    ['oid "../x"', { oid: '../x' }],
    ['oid of 9,000 characters', { oid: 'a'.repeat(9_000) }],
    ['oid as an array', { oid: [oid] }],
    ['oid as a number', { oid: 12 }],
    ['tid as an array holding our tenant', { tid: [TEST_TENANT_ID] }],
    ['tid braced', { tid: `{${TEST_TENANT_ID}}` }],
    ['tid missing (a tenant is configured)', { tid: undefined }],
    ['tid of another tenant', { tid: randomUUID() }],
  ])('%s: 401 InvalidAuthenticationToken', async (_name, claims) => {
    await expect401(await fx.sign({ claims }));
  });

  test('an upper-case oid and tid are accepted and lower-cased', async () => {
    const caller = await fx.authenticate(
      await fx.sign({ claims: { oid: oid.toUpperCase(), tid: TEST_TENANT_ID.toUpperCase() } }),
    );
    expect(caller.objectId).toBe(oid);
    expect(caller.tenantId).toBe(TEST_TENANT_ID);
  });

  test('display names reach the Caller as plain text of at most 256 characters; bad azp and upn are dropped', async () => {
    const caller = await fx.authenticate(
      await fx.sign({
        claims: {
          name: `\u202e${'N'.repeat(5_000)}\u0000`,
          app_displayname: '\u0007\u200b',
          azp: '{not-a-guid}',
          appid: TEST_CLIENT_APP_ID,
          upn: `${'u'.repeat(200)}@contoso.example`,
          preferred_username: 'adele@contoso.example',
        },
      }),
    );
    expect(caller.displayName).toBe('N'.repeat(256));
    expect(caller.appDisplayName).toBeUndefined();
    expect(caller.appId).toBe(TEST_CLIENT_APP_ID);
    expect(caller.userPrincipalName).toBe('adele@contoso.example');
  });

  test('a non-Entra issuer without a configured tenant: a token without tid is accepted, a malformed tid is still refused', async () => {
    const iss = 'https://issuer.test.example/';
    const verifier = createTokenVerifier(
      { ...fx.auth, tenantIds: [], issuers: [iss] },
      new KeySet(fx.auth.jwksUri, { now: fx.clock.now }),
      {
        now: fx.clock.now,
      },
    );
    const caller = await verifier.authenticate(bearer(await fx.sign({ claims: { iss, tid: undefined } })));
    expect(caller.tenantId).toBeUndefined();
    const error = await refusal(verifier.authenticate(bearer(await fx.sign({ claims: { iss, tid: ['x'] } }))));
    expect(error.status).toBe(401);
  });
});

describe('the Authorization header', () => {
  test('absent or blank: 401 with a bare challenge', async () => {
    for (const headers of [{}, { authorization: '   ' }] as Record<string, string>[]) {
      const error = await refusal(fx.verifier.authenticate(requestWith(headers)));
      expect(error.status).toBe(401);
      expect(error.headers['WWW-Authenticate']).toBe('Bearer realm="graph-phones"');
    }
  });

  test('the scheme is case-insensitive; surrounding white space is ignored', async () => {
    const token = await fx.sign();
    expect(await fx.verifier.authenticate(requestWith({ authorization: `bearer ${token}` }))).toMatchObject({
      kind: 'delegated',
    });
    expect(await fx.verifier.authenticate(requestWith({ authorization: ` BEARER ${token}  ` }))).toMatchObject({
      kind: 'delegated',
    });
  });

  test.each([
    ['two tokens', (t: string) => `Bearer ${t}, Bearer ${t}`],
    ['another scheme', (t: string) => `MAC ${t}`],
    ['no scheme', (t: string) => t],
    ['two spaces', (t: string) => `Bearer  ${t}`],
    ['four segments', (t: string) => `Bearer ${t}.x`],
    ['over 16 KiB', (t: string) => `Bearer ${t}${'A'.repeat(16 * 1024)}`],
  ])('%s: 401 invalid_token, nothing fetched', async (_name, value) => {
    const error = await refusal(fx.verifier.authenticate(requestWith({ authorization: value(await fx.sign()) })));
    expect(error.status).toBe(401);
    expect(error.headers['WWW-Authenticate']).toMatch(INVALID_TOKEN);
    expect(fx.jwks.fetches).toBe(0);
  });

  test('a token already in the cache is still refused inside a malformed header', async () => {
    const token = await fx.sign();
    await fx.authenticate(token);
    const malformed = [
      `Bearer ${token}, Bearer ${token}`,
      `MAC ${token}`,
      token,
      `Bearer  ${token}`,
      `Bearer ${token}.x`,
      `Bearer\t${token}`,
    ];
    for (const authorization of malformed) {
      const error = await refusal(fx.verifier.authenticate(requestWith({ authorization })));
      expect(error.status).toBe(401);
      expect(error.headers['WWW-Authenticate']).toMatch(INVALID_TOKEN);
    }
    expect(fx.verifier.stats.cacheHits).toBe(0);
    await fx.authenticate(token);
    expect(fx.verifier.stats).toEqual({ verifications: 1, cacheHits: 1 });
  });
});

describe('how the service builds it', () => {
  test('createTokenVerifier(auth, keySet) with two arguments has the cache on with the defaults', async () => {
    const verifier = createTokenVerifier(fx.auth, new KeySet(fx.auth.jwksUri));
    expect(verifier.cache).toBeDefined();
    expect(verifier.cache).toMatchObject({ maxEntries: 1_000, maxLifetimeMs: 300_000, maxTokenLength: 8_192 });
    const token = await fx.sign();
    const first = await verifier.authenticate(bearer(token));
    expect(await verifier.authenticate(bearer(token))).toBe(first);
    expect(verifier.stats).toEqual({ verifications: 1, cacheHits: 1 });
  });

  test('cache: false verifies every time', async () => {
    fx.rebuild({ verifier: { cache: false } });
    expect(fx.verifier.cache).toBeUndefined();
    const token = await fx.sign();
    await fx.authenticate(token);
    await fx.authenticate(token);
    expect(fx.verifier.stats).toEqual({ verifications: 2, cacheHits: 0 });
  });

  test('bad cache options are refused when the verifier is built', () => {
    expect(() => createTokenVerifier(fx.auth, fx.keySet, { cache: { maxEntries: 0 } })).toThrow(RangeError);
    expect(() => createTokenVerifier(fx.auth, fx.keySet, { cache: { maxLifetimeMs: Number.NaN } })).toThrow(RangeError);
  });
});
