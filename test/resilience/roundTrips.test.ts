import { randomUUID } from 'node:crypto';
import { ROUND_TRIP_TARGETS } from '../../scripts/bench/roundTrips';
import { MOBILE_ID, OFFICE_ID } from '../support/constants';
import type { FaultProxy } from '../support/faultProxy';
import type { Invocation } from '../support/invoke';
import { loadServiceBehindFaultProxy, loadServiceWith, type IsolatedService } from '../support/isolated';
import { PHONE_METHODS, randomNumber } from '../support/phoneMethods';
import { resourceCalls } from '../support/resourceCalls';
import { userToken } from '../support/tokens';

/**
 * Cosmos requests per operation, counted at a real proxy in pass mode, for the successful uncontended
 * request: each at most its target (scripts/bench/roundTrips.ts), and the phone-method writes without
 * a claim at most 2.
 */

let token: string;
let profileToken: string;
let rig: { proxy: FaultProxy; service: IsolatedService; close(): Promise<void> };
const on = loadServiceWith({ SMS_SIGN_IN_ENABLED: 'true' });
const direct = resourceCalls(on.handlers, PHONE_METHODS);
const counted = () => resourceCalls(rig.service.handlers, PHONE_METHODS);

beforeAll(async () => {
  token = await userToken();
  profileToken = await userToken({ scp: 'User.ReadWrite.All' });
  rig = await loadServiceBehindFaultProxy({ SMS_SIGN_IN_ENABLED: 'true' });
});
afterAll(async () => {
  await rig.close();
  on.dispose();
});

const PHONES = 'profile/phones';
const phonesOf = (handlers: IsolatedService['handlers']) => resourceCalls(handlers, PHONES);

interface Case {
  name: string;
  target: number;
  expected: number;
  /** Prepares a user (without the counted service) and returns the counted request. */
  prepare: (userId: string) => Promise<() => Promise<Invocation>>;
}

const createdPhone = async (userId: string): Promise<string> =>
  (
    (
      await phonesOf(on.handlers).create(userId, {
        token: profileToken,
        body: { number: '+1 206 555 0100', type: 'home' },
      })
    ).body as { id: string }
  ).id;
const readyMobile = async (userId: string) =>
  expect(
    (
      (await direct.create(userId, { token, body: { phoneNumber: randomNumber(), phoneType: 'mobile' } })).body as {
        smsSignInState: string;
      }
    ).smsSignInState,
  ).toBe('ready');
const withOffice = async (userId: string) =>
  expect(
    (await direct.create(userId, { token, body: { phoneNumber: '+44 2079460000', phoneType: 'office' } })).status,
  ).toBe(201);

const cases: Case[] = [
  {
    name: 'listProfilePhones',
    target: ROUND_TRIP_TARGETS.listProfilePhones!,
    expected: 200,
    prepare: async (userId) => {
      await createdPhone(userId);
      return () => phonesOf(rig.service.handlers).list(userId, { token: profileToken });
    },
  },
  {
    name: 'getProfilePhone',
    target: ROUND_TRIP_TARGETS.getProfilePhone!,
    expected: 200,
    prepare: async (userId) => {
      const id = await createdPhone(userId);
      return () => phonesOf(rig.service.handlers).get(userId, id, { token: profileToken });
    },
  },
  {
    name: 'createProfilePhone',
    target: ROUND_TRIP_TARGETS.createProfilePhone!,
    expected: 201,
    prepare: async (userId) => {
      await createdPhone(userId);
      return () =>
        phonesOf(rig.service.handlers).create(userId, {
          token: profileToken,
          body: { number: '+1 206 555 0101', type: 'business' },
        });
    },
  },
  {
    name: 'updateProfilePhone',
    target: ROUND_TRIP_TARGETS.updateProfilePhone!,
    expected: 200,
    prepare: async (userId) => {
      const id = await createdPhone(userId);
      return () =>
        phonesOf(rig.service.handlers).update(userId, id, {
          token: profileToken,
          body: { displayName: 'Desk' },
        });
    },
  },
  {
    name: 'deleteProfilePhone',
    target: ROUND_TRIP_TARGETS.deleteProfilePhone!,
    expected: 204,
    prepare: async (userId) => {
      const id = await createdPhone(userId);
      return () => phonesOf(rig.service.handlers).delete(userId, id, { token: profileToken });
    },
  },
  {
    name: 'listPhoneMethods',
    target: ROUND_TRIP_TARGETS.listPhoneMethods!,
    expected: 200,
    prepare: async (userId) => (await readyMobile(userId), () => counted().list(userId, { token })),
  },
  {
    name: 'getPhoneMethod',
    target: ROUND_TRIP_TARGETS.getPhoneMethod!,
    expected: 200,
    prepare: async (userId) => (await readyMobile(userId), () => counted().get(userId, MOBILE_ID, { token })),
  },
  {
    name: 'createPhoneMethod (a mobile, SMS sign-in on)',
    target: ROUND_TRIP_TARGETS.createPhoneMethod!,
    expected: 201,
    prepare: (userId) =>
      Promise.resolve(() =>
        counted().create(userId, { token, body: { phoneNumber: randomNumber(), phoneType: 'mobile' } }),
      ),
  },
  {
    name: 'createPhoneMethod (an office method, no claim)',
    target: 2,
    expected: 201,
    prepare: async (userId) => (
      await readyMobile(userId),
      () => counted().create(userId, { token, body: { phoneNumber: '+44 2079460000', phoneType: 'office' } })
    ),
  },
  {
    name: "updatePhoneMethod (a ready mobile's number)",
    target: ROUND_TRIP_TARGETS.updatePhoneMethod!,
    expected: 204,
    prepare: async (userId) => (
      await readyMobile(userId),
      () => counted().update(userId, MOBILE_ID, { token, body: { phoneNumber: randomNumber() } })
    ),
  },
  {
    name: "updatePhoneMethod (an office method's number, no claim)",
    target: 2,
    expected: 204,
    prepare: async (userId) => {
      await readyMobile(userId);
      await withOffice(userId);
      return () => counted().update(userId, OFFICE_ID, { token, body: { phoneNumber: '+44 2079460001' } });
    },
  },
  {
    name: 'deletePhoneMethod (a ready mobile)',
    target: ROUND_TRIP_TARGETS.deletePhoneMethod!,
    expected: 204,
    prepare: async (userId) => (await readyMobile(userId), () => counted().delete(userId, MOBILE_ID, { token })),
  },
  {
    name: 'deletePhoneMethod (an office method, no claim)',
    target: 2,
    expected: 204,
    prepare: async (userId) => {
      await readyMobile(userId);
      await withOffice(userId);
      return () => counted().delete(userId, OFFICE_ID, { token });
    },
  },
  {
    name: 'enableSmsSignIn',
    target: ROUND_TRIP_TARGETS.enableSmsSignIn!,
    expected: 204,
    prepare: async (userId) => {
      await readyMobile(userId);
      expect((await direct.action('disableSmsSignIn', userId, MOBILE_ID, { token })).status).toBe(204);
      return () => counted().action('enableSmsSignIn', userId, MOBILE_ID, { token });
    },
  },
  {
    name: 'disableSmsSignIn',
    target: ROUND_TRIP_TARGETS.disableSmsSignIn!,
    expected: 204,
    prepare: async (userId) => (
      await readyMobile(userId),
      () => counted().action('disableSmsSignIn', userId, MOBILE_ID, { token })
    ),
  },
];

test('warm-up: the SDK has read what it caches (container definitions) before counting', async () => {
  for (const { prepare } of cases) await (await prepare(randomUUID()))();
});

test.each(cases)('$name: at most $target Cosmos requests', async ({ prepare, target, expected }) => {
  const request = await prepare(randomUUID());
  const before = rig.proxy.requests;
  const result = await request();
  const made = rig.proxy.requests - before;
  expect(result.status).toBe(expected);
  expect(made).toBeGreaterThan(0);
  expect(made).toBeLessThanOrEqual(target);
});
