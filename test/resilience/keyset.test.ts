import { randomUUID } from 'node:crypto';
import { invoke } from '../support/invoke';
import { newTestKey } from '../support/keys';
import { controlClock, defaultPublicJwk, startServiceWithOwnKeySet, type ServiceWithOwnKeySet } from '../support/ownKeySet';
import { startJwksServer } from '../support/jwksServer';
import { documentsOf } from '../support/storage';
import { signToken } from '../support/tokens';

/**
 * Key set faults, each on a cold copy of the service with its own JWKS server: the service keeps
 * verifying with the keys it has, answers 503 (not 401) when it has none, and picks up a rotated key
 * with exactly one refresh.
 */

const PATH = 'authentication/phoneMethods';
const validBody = { phoneNumber: '+1 2065550100', phoneType: 'mobile' };
const ADMIN = { scp: 'UserAuthenticationMethod.ReadWrite.All', wids: ['c4e39bd9-1100-46d3-8c65-fb160da0071f'] };
const COOL_DOWN_MS = 5 * 60_000;
const MAX_AGE_MS = 12 * 60 * 60_000;
let requests = 0;
let outages = 0;

afterAll(() => console.log(`keyset: ${requests} requests, ${outages} key set outages or rotations injected`));

let own: ServiceWithOwnKeySet;
let clock: ReturnType<typeof controlClock>;
beforeEach(async () => {
  own = await startServiceWithOwnKeySet();
  clock = controlClock();
});
afterEach(async () => {
  clock.restore();
  await own.close();
});

async function call(options: Parameters<typeof signToken>[0] = {}) {
  const userId = randomUUID();
  const token = await signToken({ ...options, claims: { oid: randomUUID(), ...ADMIN, ...options.claims } });
  requests += 1;
  const result = await invoke(own.service.createPhoneMethod, { userId, token, body: validBody, path: PATH });
  return { ...result, userId };
}

/** Stops the JWKS server; resolves to a function that starts it again on the same URL. */
async function takeKeySetDown(): Promise<() => Promise<void>> {
  outages += 1;
  const port = Number(new URL(own.jwks.url).port);
  await own.jwks.close();
  return async () => {
    own.jwks = await startJwksServer([defaultPublicJwk()], port);
  };
}

test('key set down with keys already cached: requests still succeed, even when the keys are due for refresh', async () => {
  expect((await call()).status).toBe(201);
  await takeKeySetDown();

  expect((await call()).status).toBe(201);
  clock.advance(MAX_AGE_MS + 60_000); // the keys are stale: a refresh is tried, fails, and the old keys stay
  const afterStale = await call();
  expect(afterStale.status).toBe(201);
  expect(await documentsOf('phoneMethods', afterStale.userId)).toHaveLength(1);
  expect(own.service.keySet().fetchCount).toBe(2);

  // An unknown kid with keys in hand is a bad token (401), not an outage (503).
  clock.advance(COOL_DOWN_MS + 1_000);
  const unknownKid = await call({ kid: 'not-published' });
  expect(unknownKid.status).toBe(401);
});

test('key set down at cold start: 503 with Retry-After, not 401, nothing written; recovers when it is back', async () => {
  const restart = await takeKeySetDown();
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const result = await call();
    expect(result.status).toBe(503);
    expect(result.body.error.code).toBe('serviceNotAvailable');
    expect(result.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(await documentsOf('phoneMethods', result.userId)).toEqual([]);
  }
  await restart();
  expect((await call()).status).toBe(201);
  expect(own.jwks.fetches).toBe(1);
});

test('key rotation: a new kid is accepted after exactly one refresh, and the old key keeps working while published', async () => {
  expect((await call()).status).toBe(201);
  expect(own.jwks.fetches).toBe(1);

  const next = newTestKey('rotated-key-2');
  own.jwks.setKeys([next.publicJwk, defaultPublicJwk()]);
  outages += 1;
  clock.advance(COOL_DOWN_MS + 1_000);

  const rotated = await call({ key: next.privateKey, kid: next.kid });
  expect(rotated.status).toBe(201);
  expect(own.jwks.fetches).toBe(2);
  for (let i = 0; i < 5; i += 1) expect((await call({ key: next.privateKey, kid: next.kid })).status).toBe(201);
  expect((await call()).status).toBe(201);
  expect(own.jwks.fetches).toBe(2);
});

test('a failed refresh keeps the last good keys: an empty or broken key set does not replace them', async () => {
  expect((await call()).status).toBe(201);
  own.jwks.setKeys([]);
  outages += 1;
  clock.advance(MAX_AGE_MS + 60_000);
  expect((await call()).status).toBe(201);
  expect(own.jwks.fetches).toBe(2);

  own.jwks.setKeys([{ kty: 'RSA', kid: process.env.TEST_SIGNING_KID, n: 'broken', e: 'AQAB' }]);
  clock.advance(MAX_AGE_MS + 60_000);
  expect((await call()).status).toBe(201);
  expect(own.jwks.fetches).toBe(3);
});
