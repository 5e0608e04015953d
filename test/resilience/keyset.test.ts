import { randomUUID } from 'node:crypto';
import { startJwksServer } from '../support/jwksServer';
import { newTestKey } from '../support/keys';
import { controlClock } from '../support/ownKeySet';
import { COOL_DOWN_MS, MAX_AGE_MS, refusal, startAuthFixture, type AuthFixture } from '../support/authFixture';

/**
 * Key set faults, each with its own JWKS server on loopback and a verifier built over its own KeySet
 * (no function handler): the verifier keeps verifying with the keys it has, answers 503 (not 401) when
 * it has none, picks up a new kid with exactly one refresh, and a kid the issuer re-keyed too.
 * Time moves only through the injected clock.
 */

let requests = 0;
let outages = 0;
afterAll(() => console.log(`keyset: ${requests} requests, ${outages} key set outages or rotations injected`));

let fx: AuthFixture;
beforeEach(async () => {
  fx = await startAuthFixture();
});
afterEach(() => fx.close());

/** Authenticates a fresh token, or `token` when given (which may then come from the cache). */
async function call(
  options: Parameters<AuthFixture['sign']>[0] = {},
  token?: string,
): Promise<{ status: number; retryAfter?: string }> {
  requests += 1;
  const attempt = fx.authenticate(token ?? (await fx.sign(options)));
  try {
    await attempt;
    return { status: 200 };
  } catch {
    const error = await refusal(attempt);
    return { status: error.status, retryAfter: error.headers['Retry-After'] };
  }
}

/** Stops the JWKS server; resolves to a function that starts it again on the same URL. */
async function takeKeySetDown(): Promise<() => Promise<void>> {
  outages += 1;
  const port = Number(new URL(fx.jwks.url).port);
  await fx.jwks.close();
  return async () => {
    fx.jwks = await startJwksServer([fx.key.publicJwk], port);
  };
}

test('key set down with keys already cached: tokens still verify, even when the keys are due for refresh', async () => {
  expect((await call()).status).toBe(200);
  await takeKeySetDown();

  expect((await call()).status).toBe(200);
  fx.clock.advance(MAX_AGE_MS + 60_000); // the keys are stale: a refresh is tried, fails, and the old keys stay
  expect((await call()).status).toBe(200);
  expect(fx.keySet.fetchCount).toBe(2);

  // An unknown kid with keys in hand is a bad token (401), not an outage (503).
  fx.clock.advance(COOL_DOWN_MS + 1_000);
  expect((await call({ kid: 'not-published' })).status).toBe(401);
});

test('key set down at cold start: 503 with Retry-After, not 401; recovers when it is back', async () => {
  const restart = await takeKeySetDown();
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const result = await call();
    expect(result.status).toBe(503);
    expect(result.retryAfter).toMatch(/^[1-9]\d*$/);
  }
  await restart();
  expect((await call()).status).toBe(200);
  expect(fx.jwks.fetches).toBe(1);
});

test('a new kid is accepted after exactly one refresh, and the old key keeps working while published', async () => {
  expect((await call()).status).toBe(200);
  expect(fx.jwks.fetches).toBe(1);

  const next = newTestKey('rotated-key-2');
  fx.jwks.setKeys([next.publicJwk, fx.key.publicJwk]);
  outages += 1;
  fx.clock.advance(COOL_DOWN_MS + 1_000);

  expect((await call({ key: next })).status).toBe(200);
  expect(fx.jwks.fetches).toBe(2);
  for (let i = 0; i < 5; i += 1) expect((await call({ key: next })).status).toBe(200);
  expect((await call()).status).toBe(200);
  expect(fx.jwks.fetches).toBe(2);
});

test('a failed refresh keeps the last good keys: an empty or broken key set does not replace them', async () => {
  expect((await call()).status).toBe(200);
  fx.jwks.setKeys([]);
  outages += 1;
  fx.clock.advance(MAX_AGE_MS + 60_000);
  expect((await call()).status).toBe(200);
  expect(fx.jwks.fetches).toBe(2);

  fx.jwks.setKeys([{ kty: 'RSA', kid: fx.key.kid, n: 'broken', e: 'AQAB' }]);
  fx.clock.advance(MAX_AGE_MS + 60_000);
  expect((await call()).status).toBe(200);
  expect(fx.jwks.fetches).toBe(3);
  expect(fx.keySet.generation).toBe(1);
});

describe('the issuer re-keys an existing kid', () => {
  test('a token of the new key is accepted after exactly one refresh; tokens of the withdrawn key then fail', async () => {
    const cachedOld = await fx.sign();
    expect((await call({}, cachedOld)).status).toBe(200);
    expect((await call({}, cachedOld)).status).toBe(200); // served from the cache
    expect(fx.jwks.fetches).toBe(1);

    // Same kid, new key material.
    const rekeyed = newTestKey(fx.key.kid);
    fx.jwks.setKeys([rekeyed.publicJwk]);
    outages += 1;
    fx.clock.advance(COOL_DOWN_MS + 1_000);

    // Until a token of the new key arrives, nothing tells the service: the withdrawn key still verifies.
    expect((await call()).status).toBe(200);
    expect(fx.jwks.fetches).toBe(1);

    const verificationsBefore = fx.verifier.stats.verifications;
    expect((await call({ key: rekeyed })).status).toBe(200);
    expect(fx.jwks.fetches).toBe(2);
    expect(fx.verifier.stats.verifications - verificationsBefore).toBe(2); // the failed check and one retry

    for (let i = 0; i < 3; i += 1) expect((await call({ key: rekeyed })).status).toBe(200);
    expect(fx.jwks.fetches).toBe(2);

    // The withdrawn key: a fresh token and the one that was cached both fail now, with no further fetch.
    expect((await call()).status).toBe(401);
    expect((await call({}, cachedOld)).status).toBe(401);
    expect(fx.jwks.fetches).toBe(2);
  });

  test('the refresh after a failed signature shares the cool-down: within it, no fetch and a 401', async () => {
    expect((await call()).status).toBe(200);
    const rekeyed = newTestKey(fx.key.kid);
    fx.jwks.setKeys([rekeyed.publicJwk]);

    // Within the cool-down of the first fetch: the new key's token is refused, nothing fetched.
    const early = await fx.sign({ key: rekeyed });
    expect((await call({}, early)).status).toBe(401);
    expect(fx.jwks.fetches).toBe(1);

    // After it, the very same token string is accepted (the earlier failure was not cached).
    fx.clock.advance(COOL_DOWN_MS + 1_000);
    expect((await call({}, early)).status).toBe(200);
    expect(fx.jwks.fetches).toBe(2);
  });

  test('forged signatures under a known kid cost at most one fetch per cool-down and at most one retry each', async () => {
    expect((await call()).status).toBe(200);
    const attacker = newTestKey(fx.key.kid);
    const flood = async (count: number) => {
      const statuses = await Promise.all(
        Array.from({ length: count }, async () => {
          requests += 1;
          const token = await fx.sign({ key: attacker, claims: { oid: randomUUID() } });
          return (await refusal(fx.authenticate(token))).status;
        }),
      );
      expect(statuses.every((status) => status === 401)).toBe(true);
    };

    const before = fx.verifier.stats.verifications;
    await flood(100);
    expect(fx.jwks.fetches).toBe(1);
    expect(fx.verifier.stats.verifications - before).toBe(100); // within the cool-down: same key, no retry

    fx.clock.advance(COOL_DOWN_MS + 1_000);
    const verificationsBefore = fx.verifier.stats.verifications;
    await flood(100);
    expect(fx.jwks.fetches).toBe(2);
    // The JWKS still publishes the real key: a refresh brings a new key object for the kid, so the
    // requests that waited on it retry once; no request checks more than twice.
    expect(fx.verifier.stats.verifications - verificationsBefore).toBeLessThanOrEqual(200);

    // The real key still works.
    expect((await call()).status).toBe(200);
  });
});

test('without injected clocks, the key set and the cache follow a fake Date installed after they were built', async () => {
  // As the token-attack suite does: the service is built first, then the test takes over Date.
  fx.rebuild({ keySet: { now: undefined }, verifier: { now: undefined } });
  const cached = await fx.sign();
  expect((await call({}, cached)).status).toBe(200);
  const clock = controlClock();
  try {
    const next = newTestKey('rotated-under-a-fake-clock');
    fx.jwks.setKeys([fx.key.publicJwk, next.publicJwk]);
    clock.advance(COOL_DOWN_MS + 1_000);
    expect((await call({ key: next })).status).toBe(200);
    expect(fx.jwks.fetches).toBe(2);

    expect((await call({}, cached)).status).toBe(200);
    expect((await call({}, cached)).status).toBe(200);
    const hits = fx.verifier.stats.cacheHits;
    clock.advance(5 * 60_000); // the cache's maximum lifetime
    expect((await call({}, cached)).status).toBe(200);
    expect(fx.verifier.stats.cacheHits).toBe(hits);
  } finally {
    clock.restore();
  }
});
