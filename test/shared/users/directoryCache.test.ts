import { randomUUID } from 'node:crypto';
import { DirectoryUnavailable } from '../../../shared/users/directory';
import { DirectoryCache, type DirectoryCacheOptions } from '../../../shared/users/directoryCache';
import { directoryCredential } from '../../../shared/users/directoryToken';
import { GraphDirectory, retryAfterSeconds } from '../../../shared/users/graphDirectory';
import { TEST_MANAGED_IDENTITY_CLIENT_ID } from '../../support/constants';
import { startStandInDirectory, type StandInDirectory } from '../../support/standInDirectory';
import { ownManagedIdentity } from '../../support/standInManagedIdentity';

/**
 * The directory cache over the real Graph client, against the stand-in directory and managed identity
 * on loopback. Time is a hand-moved clock: expiry is tested without sleeping. Calls are counted at the
 * stand-in.
 */

const identity = ownManagedIdentity();

interface Setup {
  stand: StandInDirectory;
  graph: GraphDirectory;
  cache: DirectoryCache;
  clock: { now: number };
  /** Directory calls for a key (any letter case). */
  callsFor: (key: string) => number;
}

const setups: Setup[] = [];
afterEach(async () => {
  for (const setup of setups.splice(0)) {
    setup.graph.dispose();
    await setup.stand.close();
  }
});

async function setup(options: Omit<DirectoryCacheOptions, 'clock'> = {}): Promise<Setup> {
  const stand = await startStandInDirectory();
  const clock = { now: Date.now() };
  const graph = new GraphDirectory({
    endpoint: stand.url,
    credential: directoryCredential(TEST_MANAGED_IDENTITY_CLIENT_ID),
    clock: () => clock.now,
  });
  const cache = new DirectoryCache(graph, { ...options, clock: () => clock.now });
  const callsFor = (key: string) => stand.calls.filter((call) => call.key.toLowerCase() === key.toLowerCase()).length;
  const made = { stand, graph, cache, clock, callsFor };
  setups.push(made);
  return made;
}

const upn = (name: string) => `${name}.${randomUUID().slice(0, 8)}@contoso.example`;

test('a found user is answered from the cache, without a Promise, case-insensitively, until it expires', async () => {
  const { stand, cache, clock, callsFor } = await setup({ foundSeconds: 300 });
  const adele = stand.newUser(upn('Adele.Vance'));
  expect(await cache.objectIdOf(adele.userPrincipalName)).toBe(adele.id);
  const cached = cache.objectIdOf(adele.userPrincipalName.toUpperCase());
  expect(cached).toBe(adele.id); // a plain value: the pipeline does not await a hit
  clock.now += 299_000;
  expect(cache.objectIdOf(adele.userPrincipalName)).toBe(adele.id);
  expect(callsFor(adele.userPrincipalName)).toBe(1);
  clock.now += 2_000;
  expect(cache.objectIdOf(adele.userPrincipalName)).toBeInstanceOf(Promise);
  await cache.objectIdOf(adele.userPrincipalName);
  expect(callsFor(adele.userPrincipalName)).toBe(2);
});

test('object ids are resolved and cached too, in any letter case', async () => {
  const { stand, cache, callsFor } = await setup();
  const alex = stand.newUser(upn('Alex'));
  expect(await cache.objectIdOf(alex.id.toUpperCase())).toBe(alex.id);
  expect(cache.objectIdOf(alex.id)).toBe(alex.id);
  expect(callsFor(alex.id)).toBe(1);
});

test('concurrent lookups of one key share one directory call', async () => {
  const { stand, cache, callsFor } = await setup();
  const megan = stand.newUser(upn('Megan'));
  stand.fault = { delayMs: 50 };
  const answers = await Promise.all(
    Array.from({ length: 20 }, async (_, i) =>
      cache.objectIdOf(i % 2 ? megan.userPrincipalName : megan.userPrincipalName.toUpperCase()),
    ),
  );
  expect(new Set(answers)).toEqual(new Set([megan.id]));
  expect(callsFor(megan.userPrincipalName)).toBe(1);
});

test('a renamed user principal name resolves to its new owner once the cache expires', async () => {
  const { stand, cache, clock } = await setup({ foundSeconds: 60 });
  const oldName = upn('Lynne');
  const newName = upn('Lynne.Robbins');
  const lynne = stand.newUser(oldName);
  expect(await cache.objectIdOf(oldName)).toBe(lynne.id);

  stand.rename(lynne.id, newName);
  const diego = stand.addUser({ id: randomUUID(), userPrincipalName: oldName }); // the old name is given to Diego
  expect(await cache.objectIdOf(newName)).toBe(lynne.id);
  expect(cache.objectIdOf(oldName)).toBe(lynne.id); // still the cached answer
  clock.now += 61_000;
  expect(await cache.objectIdOf(oldName)).toBe(diego.id);
});

test('an unknown name is remembered for at most 30 s, whatever DIRECTORY_CACHE_SECONDS is', async () => {
  const { stand, cache, clock, callsFor } = await setup({ foundSeconds: 3600, missingSeconds: 600 });
  const name = upn('Isaiah');
  expect(await cache.objectIdOf(name)).toBeNull();
  clock.now += 29_000;
  expect(cache.objectIdOf(name)).toBeNull();
  expect(callsFor(name)).toBe(1);
  const isaiah = stand.newUser(name); // created meanwhile
  clock.now += 2_000;
  expect(await cache.objectIdOf(name)).toBe(isaiah.id);
  expect(callsFor(name)).toBe(2);
});

test('a flood of distinct unknown names stays within its bound and does not push out found users', async () => {
  const { stand, cache, callsFor } = await setup({ maxFound: 100, maxMissing: 50 });
  const users = Array.from({ length: 20 }, (_, i) => stand.newUser(upn(`user${i}`)));
  for (const user of users) await cache.objectIdOf(user.userPrincipalName);
  for (let i = 0; i < 400; i += 1) {
    expect(await cache.objectIdOf(`flood-${i}-${randomUUID()}@contoso.example`)).toBeNull();
    expect(cache.size).toBeLessThanOrEqual(20 + 50);
  }
  expect(cache.size).toBe(70);
  for (const user of users) expect(cache.objectIdOf(user.userPrincipalName)).toBe(user.id);
  expect(users.map((user) => callsFor(user.userPrincipalName))).toEqual(users.map(() => 1));
});

test('found users are bounded too: the least recently used goes first', async () => {
  const { stand, cache, callsFor } = await setup({ maxFound: 3 });
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((name) => stand.newUser(upn(name)));
  for (const user of [a!, b!, c!]) await cache.objectIdOf(user.userPrincipalName);
  expect(cache.objectIdOf(a!.userPrincipalName)).toBe(a!.id); // a is now the most recently used
  await cache.objectIdOf(d!.userPrincipalName); // evicts b
  expect(cache.size).toBe(3);
  expect(cache.objectIdOf(a!.userPrincipalName)).toBe(a!.id);
  expect(cache.objectIdOf(c!.userPrincipalName)).toBe(c!.id);
  expect(cache.objectIdOf(b!.userPrincipalName)).toBeInstanceOf(Promise);
  await cache.objectIdOf(b!.userPrincipalName);
  expect([a, b, c, d].map((user) => callsFor(user!.userPrincipalName))).toEqual([1, 2, 1, 1]);
});

test('a failure is not remembered, and a throttling answer keeps the process off the directory until its Retry-After', async () => {
  const { stand, cache, clock } = await setup();
  const user = stand.newUser(upn('Joni'));
  stand.fault = { status: 429, retryAfter: '10' };
  const first = await Promise.resolve(cache.objectIdOf(user.userPrincipalName)).catch((error: unknown) => error);
  expect(first).toBeInstanceOf(DirectoryUnavailable);
  expect((first as DirectoryUnavailable).retryAfterSeconds).toBe(10);
  stand.fault = undefined;
  clock.now += 4_000;
  const second = await Promise.resolve(cache.objectIdOf(user.userPrincipalName)).catch((error: unknown) => error);
  expect((second as DirectoryUnavailable).retryAfterSeconds).toBe(6);
  expect(stand.calls).toHaveLength(1);
  clock.now += 6_000;
  expect(await cache.objectIdOf(user.userPrincipalName)).toBe(user.id);
  expect(stand.calls).toHaveLength(2);
});

describe('prefetch: several users in one JSON batch', () => {
  test('one batch for the keys not held; lookups join it; a held or repeated key is not asked again', async () => {
    const { stand, cache, callsFor } = await setup();
    const [adele, alex, held] = ['Adele', 'Alex', 'Held'].map((name) => stand.newUser(upn(name)));
    const unknown = upn('nobody');
    expect(await cache.objectIdOf(held!.userPrincipalName)).toBe(held!.id);
    stand.fault = { delayMs: 30 }; // still pending when the lookups below are made
    cache.prefetch([
      adele!.userPrincipalName,
      adele!.userPrincipalName.toUpperCase(),
      alex!.id,
      held!.userPrincipalName,
      unknown,
    ]);
    const answers = [adele!.userPrincipalName, alex!.id.toUpperCase(), held!.userPrincipalName, unknown].map((key) =>
      cache.objectIdOf(key),
    );
    expect(answers.map((answer) => answer instanceof Promise)).toEqual([true, true, false, true]);
    expect(await Promise.all(answers.map(async (answer) => answer))).toEqual([adele!.id, alex!.id, held!.id, null]);
    expect(stand.batches).toEqual([3]);
    expect([adele!.userPrincipalName, alex!.id, held!.userPrincipalName, unknown].map(callsFor)).toEqual([1, 1, 1, 1]);
    expect(stand.calls.every((call) => call.url.endsWith('?$select=id,userPrincipalName'))).toBe(true);
    // Remembered like any other answer: no call at all now.
    cache.prefetch([adele!.userPrincipalName, alex!.id, unknown]);
    expect(stand.calls).toHaveLength(4);
    expect(cache.objectIdOf(alex!.id)).toBe(alex!.id);
  });

  test('one key is a plain lookup, not a batch', async () => {
    const { stand, cache } = await setup();
    const megan = stand.newUser(upn('Megan'));
    cache.prefetch([megan.userPrincipalName]);
    expect(await cache.objectIdOf(megan.userPrincipalName)).toBe(megan.id);
    expect(stand.batches).toEqual([]);
    expect(stand.calls).toHaveLength(1);
  });

  test("throttled lookups in the batch fail with Graph's Retry-After, keep the process off the directory, and are not remembered", async () => {
    const { stand, cache, clock } = await setup();
    const users = ['Joni', 'Lee'].map((name) => stand.newUser(upn(name)));
    stand.fault = { status: 429, retryAfter: '8' };
    cache.prefetch(users.map((user) => user.userPrincipalName));
    const failures = await Promise.all(
      users.map((user) => Promise.resolve(cache.objectIdOf(user.userPrincipalName)).catch((error: unknown) => error)),
    );
    expect(
      failures.map((error) => [error instanceof DirectoryUnavailable, (error as DirectoryUnavailable).code]),
    ).toEqual([
      [true, 429],
      [true, 429],
    ]);
    expect(failures.map((error) => (error as DirectoryUnavailable).retryAfterSeconds)).toEqual([8, 8]);
    stand.fault = undefined;
    clock.now += 3_000;
    cache.prefetch(users.map((user) => user.userPrincipalName));
    const paused = await Promise.resolve(cache.objectIdOf(users[0]!.userPrincipalName)).catch(
      (error: unknown) => error,
    );
    expect((paused as DirectoryUnavailable).retryAfterSeconds).toBe(5);
    expect(stand.batches).toEqual([2]);
    clock.now += 5_000;
    cache.prefetch(users.map((user) => user.userPrincipalName));
    expect(await Promise.all(users.map(async (user) => cache.objectIdOf(user.userPrincipalName)))).toEqual(
      users.map((user) => user.id),
    );
    expect(stand.batches).toEqual([2, 2]);
  });

  test('a directory that refuses connections fails every key of the batch, and nothing is remembered', async () => {
    const { stand, cache } = await setup();
    const users = ['Pradeep', 'Isaiah'].map((name) => stand.newUser(upn(name)));
    await stand.close();
    cache.prefetch(users.map((user) => user.userPrincipalName));
    const failures = await Promise.all(
      users.map((user) => Promise.resolve(cache.objectIdOf(user.userPrincipalName)).catch((error: unknown) => error)),
    );
    expect(failures.map((error) => (error as DirectoryUnavailable).code)).toEqual(['UNREACHABLE', 'UNREACHABLE']);
    expect(cache.size).toBe(0);
  });

  test('a batch answer that leaves a lookup out fails that key alone, and it is not remembered', async () => {
    const { stand, cache } = await setup();
    const [kept, left] = ['Kept', 'Left'].map((name) => stand.newUser(upn(name)));
    stand.fault = { leaveOut: left!.userPrincipalName };
    cache.prefetch([kept!.userPrincipalName, left!.userPrincipalName]);
    const [found, missing] = await Promise.all(
      [kept!, left!].map((user) =>
        Promise.resolve(cache.objectIdOf(user.userPrincipalName)).catch((error: unknown) => error),
      ),
    );
    expect(found).toBe(kept!.id);
    expect(missing).toBeInstanceOf(DirectoryUnavailable);
    expect((missing as DirectoryUnavailable).code).toBe('BAD_ANSWER');
    stand.fault = undefined;
    expect(await cache.objectIdOf(left!.userPrincipalName)).toBe(left!.id);
    expect(stand.batches).toEqual([2]);
  });

  test('more keys than one batch takes: batches of 20', async () => {
    const { stand, graph } = await setup();
    const users = Array.from({ length: 45 }, (_, i) => stand.newUser(upn(`u${i}`)));
    const outcomes = await graph.findUsers(users.map((user) => user.id));
    expect(outcomes).toEqual(users.map((user) => ({ id: user.id, userPrincipalName: user.userPrincipalName })));
    expect(stand.batches).toEqual([20, 20, 5]);
  });
});

test('the token is asked once for {endpoint}/.default, as the user-assigned identity, and sent on every call', async () => {
  const { stand, cache } = await setup();
  const users = Array.from({ length: 5 }, (_, i) => stand.newUser(upn(`t${i}`)));
  await Promise.all(users.map(async (user) => cache.objectIdOf(user.userPrincipalName)));
  const forStand = () => identity().requests.filter((request) => request.resource === stand.url);
  expect(forStand()).toHaveLength(1);
  expect(forStand()[0]).toMatchObject({ clientId: TEST_MANAGED_IDENTITY_CLIENT_ID, headerMatched: true });
  expect(new Set(stand.calls.map((call) => call.authorization))).toEqual(
    new Set([`Bearer ${identity().issued.get(stand.url)}`]),
  );
  expect(stand.calls.every((call) => call.url.endsWith('?$select=id,userPrincipalName'))).toBe(true);
});

test("a name starting with '$' uses Graph's users('...') form; other keys are one encoded path segment", async () => {
  const { graph } = await setup();
  expect(graph.urlFor("$o'neil@contoso.example").pathname).toBe("/v1.0/users('%24o''neil%40contoso.example')");
  expect(graph.urlFor('megan_fabrikam.example#EXT#@contoso.onmicrosoft.com').pathname).toBe(
    '/v1.0/users/megan_fabrikam.example%23EXT%23%40contoso.onmicrosoft.com',
  );
  const { stand, cache } = await setup();
  const dollar = stand.newUser(`$o'neil.${randomUUID().slice(0, 8)}@contoso.example`);
  expect(await cache.objectIdOf(dollar.userPrincipalName)).toBe(dollar.id);
});

test('Retry-After: seconds or an HTTP date, within 1..300', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  expect(retryAfterSeconds('7', now)).toBe(7);
  expect(retryAfterSeconds('0', now)).toBe(1);
  expect(retryAfterSeconds('86400', now)).toBe(300);
  expect(retryAfterSeconds('Thu, 01 Jan 2026 00:00:20 GMT', now)).toBe(20);
  expect(retryAfterSeconds('soon', now)).toBeUndefined();
  expect(retryAfterSeconds(undefined, now)).toBeUndefined();
});
