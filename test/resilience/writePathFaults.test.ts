import { randomUUID } from 'node:crypto';
import type { StorageTiming } from '../../shared/storage/timing';
import { MOBILE_ID } from '../support/constants';
import type { FaultProxy, HeldRequest } from '../support/faultProxy';
import type { Invocation } from '../support/invoke';
import { loadServiceBehindFaultProxy, loadServiceWith, type IsolatedService } from '../support/isolated';
import {
  checkNumberInvariants,
  claimId,
  PHONE_METHODS,
  randomNumber,
  storedClaim,
  storedMethods,
} from '../support/phoneMethods';
import { resourceCalls } from '../support/resourceCalls';
import { storedItems, testContainer } from '../support/storage';
import { userToken } from '../support/tokens';

/**
 * The faults of the write path's fault model, each through a real proxy in front of the real
 * Cosmos-compatible server: a write storage applies after its client gave up, a read served by a
 * replica that lags behind, and a lost answer followed by many other writes to the same user.
 */

/** Short bounds, so a fault that costs a deadline costs a second here. */
const FAST: StorageTiming = { operationDeadlineMs: 1_500, leaseMs: 6_000, clockSkewMs: 100 };

let token: string;
let profileToken: string;
let rig: { proxy: FaultProxy; service: IsolatedService; close(): Promise<void> };
const off = loadServiceWith();
const on = loadServiceWith({ SMS_SIGN_IN_ENABLED: 'true' });
const onApi = resourceCalls(on.handlers, PHONE_METHODS);
const offApi = resourceCalls(off.handlers, PHONE_METHODS);

beforeAll(async () => {
  token = await userToken();
  profileToken = await userToken({ scp: 'User.ReadWrite.All' });
  rig = await loadServiceBehindFaultProxy({ SMS_SIGN_IN_ENABLED: 'true' }, FAST);
});
afterAll(async () => {
  await rig.close();
  on.dispose();
  off.dispose();
});
afterEach(() => {
  rig.proxy.mode = { kind: 'pass' };
  rig.service.services.now = () => new Date();
});

const api = () => resourceCalls(rig.service.handlers, PHONE_METHODS);

/** Holds the next write of a user's phone-method document (claim writes pass), then lets the rest pass. */
async function holdUserDocumentWrite(proxy: FaultProxy, forwarded = false): Promise<HeldRequest> {
  proxy.mode = { kind: 'hold', methods: ['POST', 'PUT', 'DELETE'], forwarded };
  for (;;) {
    const held = await proxy.nextHeld();
    if (held.path.includes('/colls/phoneMethods/') || held.path.includes('/colls/profilePhones/')) {
      proxy.mode = { kind: 'pass' };
      return held;
    }
    held.release('answer');
  }
}

const stateOf = (result: Invocation) => (result.body as { smsSignInState?: string }).smsSignInState;
const idOf = (result: Invocation) => (result.body as { id: string }).id;
const idsOf = (items: Array<Record<string, unknown>>) => items.map((item) => item.id as string);
const mobileOf = async (userId: string) =>
  (await storedMethods(userId)).find((method) => method.phoneType === 'mobile');

describe('a write storage applies after its client gave up', () => {
  let firstNumber = '';
  const cases: Array<{
    name: string;
    prepare: (userId: string, number: string) => Promise<void>;
    act: (userId: string, number: string) => Promise<Invocation>;
    /** The user's stored mobile after the failed request, as it was before. */
    before: (number: string) => Record<string, unknown> | undefined;
  }> = [
    {
      name: 'create of the mobile',
      prepare: async () => {},
      act: (userId, number) => api().create(userId, { token, body: { phoneNumber: number, phoneType: 'mobile' } }),
      before: () => undefined,
    },
    {
      name: 'enableSmsSignIn',
      prepare: async (userId, number) => {
        expect(
          (await offApi.create(userId, { token, body: { phoneNumber: number, phoneType: 'mobile' } })).status,
        ).toBe(201);
      },
      act: (userId) => api().action('enableSmsSignIn', userId, MOBILE_ID, { token }),
      before: (number) => ({ phoneNumber: number, smsSignInState: 'notEnabled' }),
    },
    {
      name: 'change of a ready mobile to the number',
      prepare: async (userId) => {
        firstNumber = randomNumber();
        expect(
          stateOf(await onApi.create(userId, { token, body: { phoneNumber: firstNumber, phoneType: 'mobile' } })),
        ).toBe('ready');
      },
      act: (userId, number) => api().update(userId, MOBILE_ID, { token, body: { phoneNumber: number } }),
      before: () => ({ phoneNumber: firstNumber, smsSignInState: 'ready' }),
    },
  ];

  test.each(cases)(
    '$name: the held write applied after the 503 is refused by storage; another user then gets the number ready, alone',
    async ({ prepare, act, before }) => {
      const [userId, other] = [randomUUID(), randomUUID()];
      const number = randomNumber();
      await prepare(userId, number);
      const pending = act(userId, number);
      const held = await holdUserDocumentWrite(rig.proxy);
      // The client gives up at its deadline, reads back, and proves with a conditional write that the
      // held write can no longer apply.
      expect((await pending).status).toBe(503);
      // Now storage receives the held write, as a slow storage may: its If-Match (or create) fails.
      expect([409, 412]).toContain(await held.apply());
      const expected = before(number);
      if (expected === undefined) expect(await mobileOf(userId)).toBeUndefined();
      else expect(await mobileOf(userId)).toMatchObject(expected);

      const second = await onApi.create(other, { token, body: { phoneNumber: number, phoneType: 'mobile' } });
      expect([second.status, stateOf(second)]).toEqual([201, 'ready']);
      expect(await checkNumberInvariants([userId, other], number)).toEqual([other]);
    },
  );
});

describe('a read served by a replica that lags behind', () => {
  /** Owner ready on the number (through `on`), and the version of its document before it was. */
  async function readyOwnerWithOlderVersion(number: string): Promise<{ owner: string; older: object }> {
    const owner = randomUUID();
    expect((await offApi.create(owner, { token, body: { phoneNumber: number, phoneType: 'mobile' } })).status).toBe(
      201,
    );
    const { resource: older } = await testContainer('phoneMethods').item(owner, owner).read<object>();
    expect((await onApi.action('enableSmsSignIn', owner, MOBILE_ID, { token })).status).toBe(204);
    return { owner, older: older! };
  }

  /** The rig's service with its clock past every lease of now (a takeover is considered at all). */
  function aLeaseLater() {
    rig.service.services.now = () => new Date(Date.now() + 60_000);
  }

  const paths: Array<{
    name: string;
    prepare: (userId: string, number: string) => Promise<void>;
    act: (userId: string, number: string) => Promise<Invocation>;
    refused: (result: Invocation) => void;
  }> = [
    {
      name: 'create of a mobile',
      prepare: async () => {},
      act: (userId, number) => api().create(userId, { token, body: { phoneNumber: number, phoneType: 'mobile' } }),
      refused: (result) => expect([result.status, stateOf(result)]).toEqual([201, 'phoneNumberNotUnique']),
    },
    {
      name: 'enableSmsSignIn',
      prepare: async (userId, number) => {
        await offApi.create(userId, { token, body: { phoneNumber: number, phoneType: 'mobile' } });
      },
      act: (userId) => api().action('enableSmsSignIn', userId, MOBILE_ID, { token }),
      refused: (result) => expect(result.status).toBe(400),
    },
    {
      name: 'change of a mobile to the number',
      prepare: async (userId) => {
        await onApi.create(userId, { token, body: { phoneNumber: randomNumber(), phoneType: 'mobile' } });
      },
      act: (userId, number) => api().update(userId, MOBILE_ID, { token, body: { phoneNumber: number } }),
      refused: (result) => expect(result.status).toBe(204),
    },
  ];

  test.each(paths)(
    "$name: the owner's document read stale (not yet ready) does not let the number be taken",
    async ({ prepare, act, refused }) => {
      const number = randomNumber();
      const { owner, older } = await readyOwnerWithOlderVersion(number);
      const userId = randomUUID();
      await prepare(userId, number);
      aLeaseLater();
      const faults = rig.proxy.faultsInjected;
      rig.proxy.staleOnce(`/colls/phoneMethods/docs/${owner}`, older);
      refused(await act(userId, number));
      expect(rig.proxy.faultsInjected).toBe(faults + 1);
      expect(await checkNumberInvariants([owner, userId], number)).toEqual([owner]);
      expect((await storedClaim(number))!.ownerUserId).toBe(owner);
    },
  );

  test.each(paths)(
    "$name: the number's claim read stale (an older version whose leases ended) does not let the number be taken",
    async ({ prepare, act, refused }) => {
      const number = randomNumber();
      const owner = randomUUID();
      expect((await onApi.create(owner, { token, body: { phoneNumber: number, phoneType: 'mobile' } })).status).toBe(
        201,
      );
      const { resource: claim } = await testContainer('smsSignInNumbers')
        .item(claimId(number), claimId(number))
        .read<Record<string, unknown>>();
      const userId = randomUUID();
      await prepare(userId, number);
      aLeaseLater();
      // The owner's document is read fresh and shows the number ready; a stale claim adds nothing.
      rig.proxy.staleOnce(`/colls/smsSignInNumbers/docs/${encodeURIComponent(claimId(number))}`, {
        ...claim,
        leases: [],
      });
      refused(await act(userId, number));
      expect(await checkNumberInvariants([owner, userId], number)).toEqual([owner]);
    },
  );
});

describe('a lost answer followed by 20 other writes to the same user reports the true outcome', () => {
  const OTHERS = 20;
  const phonesOf = (handlers: IsolatedService['handlers']) => resourceCalls(handlers, 'profile/phones');

  /** Runs `act` with its document write's answer held, makes 20 other writes, then drops the answer. */
  async function withLostAnswer(act: () => Promise<Invocation>, others: (n: number) => Promise<Invocation>) {
    const pending = act();
    const held = await holdUserDocumentWrite(rig.proxy, true);
    for (let n = 0; n < OTHERS; n += 1) expect((await others(n)).status).toBeLessThan(300);
    held.release('drop');
    return pending;
  }

  describe('profile phones', () => {
    let userId: string;
    let otherPhone: string;
    beforeEach(async () => {
      userId = randomUUID();
      const created = await phonesOf(off.handlers).create(userId, {
        token: profileToken,
        body: { number: '+1 206 555 0100', type: 'home' },
      });
      otherPhone = idOf(created);
    });
    const others = (n: number) =>
      phonesOf(off.handlers).update(userId, otherPhone, {
        token: profileToken,
        body: { displayName: `other ${n}` },
      });

    test('create: 201, stored once', async () => {
      const result = await withLostAnswer(
        () =>
          phonesOf(rig.service.handlers).create(userId, {
            token: profileToken,
            body: { number: '+1 206 555 0101', type: 'business' },
          }),
        others,
      );
      expect(result.status).toBe(201);
      const stored = await storedItems('profilePhones', userId);
      expect(idsOf(stored.filter((phone) => phone.number === '+1 206 555 0101'))).toEqual([idOf(result)]);
    });

    test('PATCH: 200, applied', async () => {
      const result = await withLostAnswer(
        () =>
          phonesOf(rig.service.handlers).update(userId, otherPhone, {
            token: profileToken,
            body: { type: 'mobile' },
          }),
        others,
      );
      expect(result.status).toBe(200);
      expect((await storedItems('profilePhones', userId))[0]).toMatchObject({
        type: 'mobile',
        displayName: 'other 19',
      });
    });

    test('delete: 204, gone', async () => {
      const second = await phonesOf(off.handlers).create(userId, {
        token: profileToken,
        body: { number: '+1 206 555 0102', type: 'home' },
      });
      const result = await withLostAnswer(
        () => phonesOf(rig.service.handlers).delete(userId, idOf(second), { token: profileToken }),
        others,
      );
      expect(result.status).toBe(204);
      expect(idsOf(await storedItems('profilePhones', userId))).toEqual([otherPhone]);
    });
  });

  describe('phone methods', () => {
    let userId: string;
    beforeEach(async () => {
      userId = randomUUID();
      await offApi.create(userId, { token, body: { phoneNumber: randomNumber(), phoneType: 'mobile' } });
    });
    const others = () => offApi.update(userId, MOBILE_ID, { token, body: { phoneNumber: randomNumber() } });
    const office = () => storedMethods(userId).then((methods) => methods.filter((m) => m.phoneType === 'office'));

    test('create: 201, stored; the retry is 409', async () => {
      const create = () =>
        api().create(userId, { token, body: { phoneNumber: '+44 2079460000', phoneType: 'office' } });
      const result = await withLostAnswer(create, others);
      expect(result.status).toBe(201);
      expect(await office()).toHaveLength(1);
      expect((await create()).status).toBe(409);
    });

    test('PATCH: 204, applied', async () => {
      await offApi.create(userId, { token, body: { phoneNumber: '+44 2079460000', phoneType: 'office' } });
      const officeId = (await office())[0]!.id;
      const result = await withLostAnswer(
        () => api().update(userId, officeId, { token, body: { phoneNumber: '+44 2079460001' } }),
        others,
      );
      expect(result.status).toBe(204);
      expect((await office())[0]).toMatchObject({ phoneNumber: '+44 2079460001' });
    });

    test('delete: 204, gone', async () => {
      await offApi.create(userId, { token, body: { phoneNumber: '+44 2079460000', phoneType: 'office' } });
      const officeId = (await office())[0]!.id;
      const result = await withLostAnswer(() => api().delete(userId, officeId, { token }), others);
      expect(result.status).toBe(204);
      expect(await office()).toEqual([]);
    });
  });
});
