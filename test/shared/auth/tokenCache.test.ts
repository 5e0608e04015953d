import { randomUUID } from 'node:crypto';
import type { JWSHeaderParameters } from 'jose';
import { callerFromClaims } from '../../../shared/auth/caller';
import { TokenCache } from '../../../shared/auth/tokenCache';
import { CLOCK_TOLERANCE_SECONDS } from '../../../shared/auth/verifyToken';
import { TEST_TENANT_ID } from '../../support/constants';
import { startJwksServer } from '../../support/jwksServer';
import { newTestKey } from '../../support/keys';
import { bearer, COOL_DOWN_MS, refusal, startAuthFixture, type AuthFixture } from '../../support/authFixture';

/**
 * The cache of verified tokens, one rule per test. Work is counted, never timed: `stats.verifications`
 * (calls of jose's jwtVerify), calls of the KeySet's getKey, and fetches seen by the JWKS server. Time
 * moves only when the test moves the injected clock.
 */

let fx: AuthFixture;
let getKeyCalls: number;
beforeEach(async () => {
  fx = await startAuthFixture();
  countGetKey();
});
afterEach(() => fx.close());

function countGetKey(): void {
  getKeyCalls = 0;
  const original = fx.keySet.getKey;
  fx.keySet.getKey = (header: JWSHeaderParameters) => {
    getKeyCalls += 1;
    return original(header);
  };
}

const work = () => ({ verifications: fx.verifier.stats.verifications, getKeyCalls, fetches: fx.jwks.fetches });

test('a hit returns the same frozen Caller without a key-set call or a signature check', async () => {
  const token = await fx.sign();
  const first = await fx.authenticate(token);
  expect(work()).toEqual({ verifications: 1, getKeyCalls: 1, fetches: 1 });

  for (let i = 0; i < 5; i += 1) expect(await fx.authenticate(token)).toBe(first);
  expect(work()).toEqual({ verifications: 1, getKeyCalls: 1, fetches: 1 });
  expect(fx.verifier.stats.cacheHits).toBe(5);
  expect(Object.isFrozen(first)).toBe(true);
  expect(() => (first.scopes as Set<string>).add('Directory.ReadWrite.All')).toThrow(TypeError);
  expect((await fx.authenticate(token)).scopes.has('Directory.ReadWrite.All')).toBe(false);

  // Another token of the same user is its own entry.
  await fx.authenticate(await fx.sign({ claims: { oid: first.objectId } }));
  expect(work().verifications).toBe(2);
});

test('a hit is answered at once; a miss and a failure are Promises', async () => {
  const token = await fx.sign();
  const miss = fx.verifier.authenticate(bearer(token));
  expect(miss).toBeInstanceOf(Promise);
  const caller = await miss;
  expect(fx.verifier.authenticate(bearer(token))).toBe(caller);
  const failure = fx.verifier.authenticate(bearer(`${token}x`));
  expect(failure).toBeInstanceOf(Promise);
  expect((await refusal(failure)).status).toBe(401);
});

test("an entry is not served after the token's exp (checked against the clock on every hit)", async () => {
  const token = await fx.sign({ expiresIn: 60 });
  await fx.authenticate(token);
  await fx.authenticate(token);
  expect(fx.verifier.stats).toEqual({ verifications: 1, cacheHits: 1 });

  fx.clock.advance(59_000);
  await fx.authenticate(token);
  expect(fx.verifier.stats).toEqual({ verifications: 1, cacheHits: 2 });

  fx.clock.advance(1_000); // exactly exp: the entry is gone; jose still accepts it within the clock tolerance
  await fx.authenticate(token);
  await fx.authenticate(token);
  expect(fx.verifier.stats).toEqual({ verifications: 3, cacheHits: 2 }); // past exp: verified every time, never held
  expect(fx.verifier.cache!.size).toBe(0);

  fx.clock.advance(CLOCK_TOLERANCE_SECONDS * 1000);
  const error = await refusal(fx.authenticate(token));
  expect(error.status).toBe(401);
  expect(error.message).toMatch(/expired/);
});

test('an entry lives at most the maximum lifetime (5 minutes by default), however long the token lives', async () => {
  const token = await fx.sign({ expiresIn: 3600 });
  await fx.authenticate(token);
  fx.clock.advance(5 * 60_000 - 1);
  await fx.authenticate(token);
  expect(fx.verifier.stats).toEqual({ verifications: 1, cacheHits: 1 });
  fx.clock.advance(1);
  await fx.authenticate(token);
  expect(fx.verifier.stats).toEqual({ verifications: 2, cacheHits: 1 });
  await fx.authenticate(token); // held again for a new lifetime
  expect(fx.verifier.stats).toEqual({ verifications: 2, cacheHits: 2 });

  fx.rebuild({ verifier: { cache: { maxLifetimeMs: 1_000 } } });
  await fx.authenticate(token);
  fx.clock.advance(1_000);
  await fx.authenticate(token);
  expect(fx.verifier.stats).toEqual({ verifications: 2, cacheHits: 0 });
});

test('a change of the key set empties the cache: a key withdrawn from the JWKS stops a cached token', async () => {
  const token = await fx.sign();
  await fx.authenticate(token);
  expect(fx.keySet.generation).toBe(1);

  // The issuer rotates: the signing key is withdrawn, a new one published. A token naming the new kid
  // triggers the refresh (after the cool-down).
  const next = newTestKey('rotated-kid');
  fx.jwks.setKeys([next.publicJwk]);
  await fx.authenticate(token);
  expect(fx.verifier.stats.cacheHits).toBe(1); // no refresh yet: the cached token is still served
  fx.clock.advance(COOL_DOWN_MS + 1_000);
  await fx.authenticate(await fx.sign({ key: next }));
  expect(fx.keySet.generation).toBe(2);
  expect(fx.jwks.fetches).toBe(2);

  const error = await refusal(fx.authenticate(token));
  expect(error.status).toBe(401);
  expect(fx.verifier.stats.cacheHits).toBe(1);
});

test('any successful load invalidates, even one that publishes the same keys', async () => {
  const token = await fx.sign();
  const first = await fx.authenticate(token);
  fx.clock.advance(COOL_DOWN_MS + 1_000);
  await refusal(fx.authenticate(await fx.sign({ kid: 'unknown-kid' }))); // refreshes: same keys, new generation
  expect(fx.keySet.generation).toBe(2);
  const again = await fx.authenticate(token);
  expect(again).not.toBe(first);
  expect(again).toEqual(first);
  expect(fx.verifier.stats.verifications).toBe(3);
  await fx.authenticate(token);
  expect(fx.verifier.stats.cacheHits).toBe(1);
});

test('failures are never cached: a bad token stays bad, and a token refused earlier is accepted once it is good', async () => {
  const wrongAudience = await fx.sign({ claims: { aud: 'api://someone-else' } });
  const otherTenant = await fx.sign({ claims: { tid: randomUUID() } });
  for (let i = 0; i < 3; i += 1) {
    expect((await refusal(fx.authenticate(wrongAudience))).status).toBe(401);
    expect((await refusal(fx.authenticate(otherTenant))).status).toBe(401);
  }
  expect(fx.verifier.stats).toEqual({ verifications: 6, cacheHits: 0 });
  expect(fx.verifier.cache!.size).toBe(0);

  // Signed with a key the issuer has not published yet: refused; once published (next refresh), the
  // very same token string is accepted.
  const next = newTestKey('not-yet-published');
  const early = await fx.sign({ key: next });
  expect((await refusal(fx.authenticate(early))).status).toBe(401);
  fx.jwks.setKeys([fx.key.publicJwk, next.publicJwk]);
  fx.clock.advance(COOL_DOWN_MS + 1_000);
  const caller = await fx.authenticate(early);
  expect(caller.tenantId).toBe(TEST_TENANT_ID);
  expect(await fx.authenticate(early)).toBe(caller);

  // A good token after failures works and is cached.
  const good = await fx.sign();
  await fx.authenticate(good);
  await fx.authenticate(good);
  expect(fx.verifier.stats.cacheHits).toBe(2);
});

test('a 503 (no keys at all) is not cached either: the same token succeeds once the key set is back', async () => {
  const port = Number(new URL(fx.jwks.url).port);
  const keys = [fx.key.publicJwk];
  await fx.jwks.close();
  const token = await fx.sign();
  expect((await refusal(fx.authenticate(token))).status).toBe(503);
  fx.jwks = await startJwksServer(keys, port);
  fx.clock.advance(COOL_DOWN_MS + 1_000);
  await fx.authenticate(token);
  await fx.authenticate(token);
  expect(fx.verifier.stats).toEqual({ verifications: 2, cacheHits: 1 });
});

test('tokens over the length limit (8 KiB by default) are verified every time and never held', async () => {
  const long = await fx.sign({ claims: { padding: 'p'.repeat(9 * 1024) } });
  expect(long.length).toBeGreaterThan(8 * 1024);
  for (let i = 0; i < 3; i += 1) await fx.authenticate(long);
  expect(fx.verifier.stats).toEqual({ verifications: 3, cacheHits: 0 });
  expect(fx.verifier.cache!.size).toBe(0);

  const short = await fx.sign({ claims: { padding: 'p'.repeat(5 * 1024) } });
  expect(short.length).toBeLessThanOrEqual(8 * 1024);
  await fx.authenticate(short);
  await fx.authenticate(short);
  expect(fx.verifier.stats).toEqual({ verifications: 4, cacheHits: 1 });

  fx.rebuild({ verifier: { cache: { maxTokenLength: 1_000 } } });
  await fx.authenticate(short);
  await fx.authenticate(short);
  expect(fx.verifier.stats).toEqual({ verifications: 2, cacheHits: 0 });
});

test('at most maxEntries tokens are held; the least recently used goes first', async () => {
  fx.rebuild({ verifier: { cache: { maxEntries: 3 } } });
  const tokens = await Promise.all([1, 2, 3, 4].map(() => fx.sign()));
  for (const token of tokens.slice(0, 3)) await fx.authenticate(token);
  expect(fx.verifier.cache!.size).toBe(3);
  await fx.authenticate(tokens[0]!); // hit: token 0 becomes the most recently used
  await fx.authenticate(tokens[3]!); // evicts token 1, the least recently used
  expect(fx.verifier.cache!.size).toBe(3);
  expect(fx.verifier.stats).toEqual({ verifications: 4, cacheHits: 1 });

  for (const index of [0, 2, 3]) await fx.authenticate(tokens[index]!);
  expect(fx.verifier.stats).toEqual({ verifications: 4, cacheHits: 4 });
  await fx.authenticate(tokens[1]!);
  expect(fx.verifier.stats).toEqual({ verifications: 5, cacheHits: 4 });
  expect(fx.verifier.cache!.size).toBe(3);
});

test('the default bound of 1,000 entries holds under 1,200 distinct tokens', () => {
  const cache = new TokenCache();
  const caller = callerFromClaims({ oid: randomUUID(), tid: TEST_TENANT_ID, scp: 'User.Read' });
  const now = Date.now();
  const exp = Math.floor(now / 1000) + 3600;
  for (let i = 0; i < 1_200; i += 1) cache.set(`token-${i}`, caller, exp, now, 1);
  expect(cache.size).toBe(1_000);
  expect(cache.get('token-0', now, 1)).toBeUndefined();
  expect(cache.get('token-199', now, 1)).toBeUndefined();
  expect(cache.get('token-200', now, 1)).toBe(caller);
  expect(cache.get('token-1199', now, 1)).toBe(caller);
});

test('a token used at least once every maxEntries / 2 writes is never evicted; idle ones are', () => {
  const cache = new TokenCache({ maxEntries: 10 });
  const caller = callerFromClaims({ oid: randomUUID(), tid: TEST_TENANT_ID, scp: 'User.Read' });
  const now = Date.now();
  const exp = Math.floor(now / 1000) + 3600;
  cache.set('busy', caller, exp, now, 1);
  cache.set('idle', caller, exp, now, 1);
  for (let i = 0; i < 200; i += 1) {
    cache.set(`other-${i}`, caller, exp, now, 1);
    if (i % 5 === 4) expect(cache.get('busy', now, 1)).toBe(caller);
    expect(cache.size).toBeLessThanOrEqual(10);
  }
  expect(cache.get('busy', now, 1)).toBe(caller);
  expect(cache.get('idle', now, 1)).toBeUndefined();
  expect(cache.get('other-189', now, 1)).toBeUndefined();
  expect(cache.get('other-199', now, 1)).toBe(caller);
});

test('the key is the exact token string', () => {
  const cache = new TokenCache();
  const caller = callerFromClaims({ oid: randomUUID(), tid: TEST_TENANT_ID });
  const now = Date.now();
  cache.set('aaa.bbb.ccc', caller, Math.floor(now / 1000) + 60, now, 1);
  expect(cache.get('aaa.bbb.ccc', now, 1)).toBe(caller);
  for (const other of ['aaa.bbb.cc', 'aaa.bbb.ccC', 'aaa.bbb.ccc ', 'AAA.bbb.ccc'])
    expect(cache.get(other, now, 1)).toBeUndefined();
  // A token verified with keys older than the cache's generation is not stored.
  cache.set('aaa.bbb.ccc', caller, Math.floor(now / 1000) + 60, now, 2);
  cache.set('old.key.token', caller, Math.floor(now / 1000) + 60, now, 1);
  expect(cache.get('old.key.token', now, 2)).toBeUndefined();
  expect(cache.get('aaa.bbb.ccc', now, 2)).toBe(caller);
});

test('tokens that end alike are told apart by their whole string', () => {
  const cache = new TokenCache();
  const first = callerFromClaims({ oid: randomUUID(), tid: TEST_TENANT_ID });
  const second = callerFromClaims({ oid: randomUUID(), tid: TEST_TENANT_ID });
  const now = Date.now();
  const exp = Math.floor(now / 1000) + 60;
  const signature = 's'.repeat(342);
  const [a, b] = ['header.payloadA.', 'header.payloadB.'].map((start) => start + signature);
  cache.set(a!, first, exp, now, 1);
  expect(cache.get(a!, now, 1)).toBe(first);
  expect(cache.get(b!, now, 1)).toBeUndefined();
  // The newer of the two takes the slot; neither is ever answered with the other's Caller.
  cache.set(b!, second, exp, now, 1);
  expect(cache.get(b!, now, 1)).toBe(second);
  expect(cache.get(a!, now, 1)).toBeUndefined();
  expect(cache.size).toBe(1);
  // A copy of the string (as each request carries) is the same token.
  expect(cache.get(Buffer.from(b!).toString('latin1'), now, 1)).toBe(second);
});
