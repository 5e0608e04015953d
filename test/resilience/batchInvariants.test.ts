import { randomUUID } from 'node:crypto';
import { ALTERNATE_MOBILE_ID, MOBILE_ID } from '../support/constants';
import { batchHandlerFor, createItem, postBatch } from '../support/batch';
import { loadServiceWith } from '../support/isolated';
import { checkNumberInvariants, randomNumber } from '../support/phoneMethods';
import { userToken } from '../support/tokens';

/**
 * Items of one batch run concurrently, and batches run concurrently with each other: 50 batches that
 * all touch one user (and race other users for one number, with the SMS sign-in policy on) must leave
 * every rule of the stored state intact: one method per type, no alternateMobile without a mobile, at
 * most one user `ready` per number, and no item answered with an unexpected failure.
 */

const service = loadServiceWith({ SMS_SIGN_IN_ENABLED: 'true' });
const batch = batchHandlerFor(service.services);
afterAll(() => service.dispose());

const BATCHES = 50;

test(`${BATCHES} concurrent batches on one user keep every invariant`, async () => {
  const token = await userToken();
  const user = randomUUID();
  const others = Array.from({ length: 5 }, () => randomUUID());
  const shared = randomNumber();
  const methods = (userId: string) => `/users/${userId}/authentication/phoneMethods`;

  const batches = Array.from({ length: BATCHES }, (_, index) => {
    const other = others[index % others.length]!;
    const mine = index % 3 === 0 ? shared : randomNumber();
    return [
      createItem('mobile', user, mine),
      createItem('alternate', user, randomNumber(), 'alternateMobile', { dependsOn: index % 2 ? ['mobile'] : [] }),
      createItem('office', user, randomNumber(), 'office'),
      { id: 'dropMobile', method: 'DELETE', url: `${methods(user)}/${MOBILE_ID}` },
      { id: 'dropAlternate', method: 'DELETE', url: `${methods(user)}/${ALTERNATE_MOBILE_ID}` },
      {
        id: 'renumber',
        method: 'PATCH',
        url: `${methods(user)}/${MOBILE_ID}`,
        headers: { 'Content-Type': 'application/json' },
        body: { phoneNumber: shared },
      },
      createItem('otherMobile', other, shared),
      {
        id: 'enable',
        method: 'POST',
        url: `${methods(other)}/${MOBILE_ID}/enableSmsSignIn`,
        dependsOn: ['otherMobile'],
      },
      { id: 'list', method: 'GET', url: methods(user) },
    ];
  });

  const results = await Promise.all(batches.map((requests) => postBatch(batch, { token, requests })));
  expect(results.map((result) => result.status)).toEqual(results.map(() => 200));
  const statuses = results.flatMap((result) => Object.values(result.byId).map((answer) => answer.status));
  expect(statuses).toHaveLength(BATCHES * 9);
  // Expected refusals (a type already held, a method already gone, a number held by another user,
  // a failed dependency, retries exhausted under contention); never a 500.
  expect(statuses.filter((status) => ![200, 201, 204, 400, 404, 409, 424, 503].includes(status))).toEqual([]);
  expect(statuses.filter((status) => status === 201).length).toBeGreaterThan(0);

  await checkNumberInvariants([user, ...others]);
  // Every list answered inside a batch saw a state that already kept the per-user rules.
  for (const result of results) {
    const listed = result.byId.list!;
    if (listed.status !== 200) continue;
    const types = (listed.body?.value ?? []).map((method) => method.phoneType as string);
    expect(new Set(types).size).toBe(types.length);
    if (types.includes('alternateMobile')) expect(types).toContain('mobile');
  }
}, 180_000);
