import { randomUUID } from 'node:crypto';
import { SMS_CLAIM_LEASE_MS } from '../../shared/storage/smsSignInNumbers';
import { MOBILE_ID } from '../support/constants';
import { loadServiceWith } from '../support/isolated';
import {
  checkNumberInvariants,
  claimId,
  PHONE_METHODS,
  randomNumber,
  storedClaim,
  storedMethods,
} from '../support/phoneMethods';
import { resourceCalls } from '../support/resourceCalls';
import { testService } from '../support/service';
import { testContainer } from '../support/storage';
import { userToken } from '../support/tokens';

/**
 * SMS sign-in with the tenant policy on: a mobile is `ready` only when no other user has its number
 * ready, claims are freed by disable, delete and number changes, and abandoned claims are taken over
 * after the lease but in-progress ones are not.
 */

const on = loadServiceWith({ SMS_SIGN_IN_ENABLED: 'true' });
const api = resourceCalls(on.handlers, PHONE_METHODS);
const apiOff = resourceCalls(testService().handlers, PHONE_METHODS);
afterAll(() => on.dispose());

let token: string;
beforeAll(async () => {
  token = await userToken();
});

const mobileOf = async (userId: string) =>
  (await storedMethods(userId)).find((method) => method.phoneType === 'mobile');
async function createMobile(userId: string, phoneNumber: string, through = api) {
  const result = await through.create(userId, { token, body: { phoneNumber, phoneType: 'mobile' } });
  expect(result.status).toBe(201);
  return result.body;
}

test('a new mobile is ready and its number is claimed by its user', async () => {
  const userId = randomUUID();
  const number = randomNumber();
  expect((await createMobile(userId, number)).smsSignInState).toBe('ready');
  expect((await mobileOf(userId))!.smsSignInState).toBe('ready');
  const claim = await storedClaim(number);
  expect(claim).toMatchObject({ id: claimId(number), ownerUserId: userId });
  // One lease, the create's, ending a lease after it was taken.
  expect(claim!.leases).toHaveLength(1);
  expect(Date.parse(claim!.leases![0]!.until) - Date.now()).toBeGreaterThan(SMS_CLAIM_LEASE_MS - 10_000);
  expect((await api.get(userId, MOBILE_ID, { token })).body.smsSignInState).toBe('ready');
});

test('a second user with the same number: phoneNumberNotUnique; enabling it is 400 and stores phoneNumberNotUnique', async () => {
  const [first, second] = [randomUUID(), randomUUID()];
  const number = randomNumber();
  await createMobile(first, number);
  expect((await createMobile(second, number)).smsSignInState).toBe('phoneNumberNotUnique');
  expect((await api.action('disableSmsSignIn', second, MOBILE_ID, { token })).status).toBe(204);
  expect((await mobileOf(second))!.smsSignInState).toBe('notEnabled');

  const refused = await api.action('enableSmsSignIn', second, MOBILE_ID, { token });
  expect(refused.status).toBe(400);
  expect(refused.body.error.details).toEqual([expect.objectContaining({ code: 'phoneNumberNotUnique' })]);
  expect((await mobileOf(second))!.smsSignInState).toBe('phoneNumberNotUnique');
  expect((await storedClaim(number))!.ownerUserId).toBe(first);
  expect(await checkNumberInvariants([first, second], number)).toEqual([first]);
});

test('enabling an already ready mobile is 204 and changes nothing', async () => {
  const userId = randomUUID();
  const number = randomNumber();
  await createMobile(userId, number);
  const before = await storedMethods(userId);
  expect((await api.action('enableSmsSignIn', userId, MOBILE_ID, { token })).status).toBe(204);
  expect(await storedMethods(userId)).toEqual(before);
});

test.each([
  ['disable', (userId: string) => api.action('disableSmsSignIn', userId, MOBILE_ID, { token })],
  ['delete', (userId: string) => api.delete(userId, MOBILE_ID, { token })],
  [
    'a number change',
    (userId: string) => api.update(userId, MOBILE_ID, { token, body: { phoneNumber: randomNumber() } }),
  ],
])('%s frees the number: the claim is gone and another user can enable it', async (_name, free) => {
  const [first, second] = [randomUUID(), randomUUID()];
  const number = randomNumber();
  await createMobile(first, number);
  await createMobile(second, number);
  expect((await free(first)).status).toBe(204);
  expect(await storedClaim(number)).toBeUndefined();
  expect((await api.action('enableSmsSignIn', second, MOBILE_ID, { token })).status).toBe(204);
  expect((await mobileOf(second))!.smsSignInState).toBe('ready');
  expect((await storedClaim(number))!.ownerUserId).toBe(second);
  expect(await checkNumberInvariants([first, second], number)).toEqual([second]);
});

test('a number change re-claims the new number: ready, or phoneNumberNotUnique when another user has it', async () => {
  const [first, second] = [randomUUID(), randomUUID()];
  const [taken, free] = [randomNumber(), randomNumber()];
  await createMobile(first, randomNumber());
  await createMobile(second, taken);
  expect((await api.update(first, MOBILE_ID, { token, body: { phoneNumber: taken } })).status).toBe(204);
  expect(await mobileOf(first)).toMatchObject({ phoneNumber: taken, smsSignInState: 'phoneNumberNotUnique' });
  expect((await api.update(first, MOBILE_ID, { token, body: { phoneNumber: free } })).status).toBe(204);
  expect(await mobileOf(first)).toMatchObject({ phoneNumber: free, smsSignInState: 'ready' });
  expect((await storedClaim(free))!.ownerUserId).toBe(first);
  expect((await storedClaim(taken))!.ownerUserId).toBe(second);
});

test('a notEnabled mobile stays notEnabled on its new number and claims nothing', async () => {
  const userId = randomUUID();
  const [number, next] = [randomNumber(), randomNumber()];
  await createMobile(userId, number);
  expect((await api.action('disableSmsSignIn', userId, MOBILE_ID, { token })).status).toBe(204);
  expect((await api.update(userId, MOBILE_ID, { token, body: { phoneNumber: next } })).status).toBe(204);
  expect(await mobileOf(userId)).toMatchObject({ phoneNumber: next, smsSignInState: 'notEnabled' });
  expect(await storedClaim(next)).toBeUndefined();
  expect(await storedClaim(number)).toBeUndefined();
});

test('a mobile created with the policy off is stored notEnabled: with the policy on it reports notEnabled, and can be enabled', async () => {
  const userId = randomUUID();
  const created = await createMobile(userId, randomNumber(), apiOff);
  expect(created.smsSignInState).toBe('notAllowedByPolicy');
  expect((await api.get(userId, MOBILE_ID, { token })).body.smsSignInState).toBe('notEnabled');
  expect((await api.action('enableSmsSignIn', userId, MOBILE_ID, { token })).status).toBe(204);
  expect((await api.get(userId, MOBILE_ID, { token })).body.smsSignInState).toBe('ready');
  // And with the policy off again, it reports notAllowedByPolicy whatever is stored.
  expect((await apiOff.get(userId, MOBILE_ID, { token })).body.smsSignInState).toBe('notAllowedByPolicy');
  expect((await apiOff.list(userId, { token })).body.value[0]?.smsSignInState).toBe('notAllowedByPolicy');
});

describe('claims left behind', () => {
  const old = () => new Date(Date.now() - SMS_CLAIM_LEASE_MS - 5_000).toISOString();
  const writeClaim = (phoneNumber: string, claim: Record<string, unknown>) =>
    testContainer('smsSignInNumbers').items.upsert({ id: claimId(phoneNumber), ...claim });

  test('a stale claim of a user who does not have the number ready is taken over', async () => {
    const number = randomNumber();
    const abandoned = randomUUID();
    await writeClaim(number, { ownerUserId: abandoned, claimedAt: old(), holders: [{ id: randomUUID(), at: old() }] });
    const userId = randomUUID();
    expect((await createMobile(userId, number)).smsSignInState).toBe('ready');
    expect((await storedClaim(number))!.ownerUserId).toBe(userId);
  });

  test('a claim without holders whose owner no longer has the number ready is taken over at once', async () => {
    const number = randomNumber();
    const previous = randomUUID();
    await createMobile(previous, randomNumber());
    await writeClaim(number, { ownerUserId: previous, claimedAt: new Date().toISOString(), holders: [] });
    const userId = randomUUID();
    expect((await createMobile(userId, number)).smsSignInState).toBe('ready');
  });

  test('a fresh claim by a request in progress is not taken over, until its lease has passed', async () => {
    const number = randomNumber();
    const inProgress = randomUUID();
    const now = new Date().toISOString();
    await writeClaim(number, { ownerUserId: inProgress, claimedAt: now, holders: [{ id: randomUUID(), at: now }] });
    const userId = randomUUID();
    expect((await createMobile(userId, number)).smsSignInState).toBe('phoneNumberNotUnique');
    expect((await storedClaim(number))!.ownerUserId).toBe(inProgress);

    // The same service a lease later (its clock moved on): the holder has expired.
    using later = loadServiceWith({ SMS_SIGN_IN_ENABLED: 'true' });
    later.services.now = () => new Date(Date.now() + SMS_CLAIM_LEASE_MS + 1_000);
    expect(
      (await resourceCalls(later.handlers, PHONE_METHODS).action('enableSmsSignIn', userId, MOBILE_ID, { token }))
        .status,
    ).toBe(204);
    expect((await mobileOf(userId))!.smsSignInState).toBe('ready');
    expect((await storedClaim(number))!.ownerUserId).toBe(userId);
  });

  test('an old claim whose owner has the number ready is never taken over', async () => {
    const number = randomNumber();
    const owner = randomUUID();
    await createMobile(owner, number);
    await writeClaim(number, { ownerUserId: owner, claimedAt: old(), holders: [] });
    const userId = randomUUID();
    expect((await createMobile(userId, number)).smsSignInState).toBe('phoneNumberNotUnique');
    expect((await storedClaim(number))!.ownerUserId).toBe(owner);
    expect(await checkNumberInvariants([owner, userId], number)).toEqual([owner]);
  });
});
