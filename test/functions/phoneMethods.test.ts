import { randomUUID } from 'node:crypto';
import { GLOBAL_READER as GLOBAL_READER_ROLE } from '../../shared/auth/permissions';
import {
  ALTERNATE_MOBILE_ID,
  AUTHENTICATION_ADMINISTRATOR,
  MOBILE_ID,
  OFFICE_ID,
  PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
} from '../support/constants';
import { loadServiceWith } from '../support/isolated';
import type { GraphBody } from '../support/graphBody';
import { invoke } from '../support/invoke';
import { PHONE_METHODS, randomNumber, storedMethods } from '../support/phoneMethods';
import { resourceCalls, type ResourceCalls } from '../support/resourceCalls';
import { testService } from '../support/service';
import { appToken, userToken } from '../support/tokens';

/**
 * The phone authentication method operations (list, get, create, update, delete, enable and disable
 * SMS sign-in) through the real pipeline and storage, every answer read back from the stored document.
 */

const api = resourceCalls(testService().handlers, PHONE_METHODS);
const policyOn = loadServiceWith({ SMS_SIGN_IN_ENABLED: 'true' });
const apiOn = resourceCalls(policyOn.handlers, PHONE_METHODS);
afterAll(() => policyOn.dispose());

const admin = () => userToken();
/** Reads numbers whole (an Authentication Administrator alone reads other users' numbers masked). */
const wholeReader = () => userToken({ wids: [PRIVILEGED_AUTHENTICATION_ADMINISTRATOR] });

/** A user holding the given method types, created through the API. */
async function userWith(types: Array<'mobile' | 'alternateMobile' | 'office'>, through: ResourceCalls = api) {
  const userId = randomUUID();
  const token = await admin();
  const numbers: Record<string, string> = {};
  for (const phoneType of types) {
    numbers[phoneType] = randomNumber();
    const result = await through.create(userId, { token, body: { phoneNumber: numbers[phoneType], phoneType } });
    expect(result.status).toBe(201);
  }
  return { userId, token, numbers };
}

describe('list and get', () => {
  test('list: every method once, in the order mobile, alternateMobile, office, with the collection context', async () => {
    const { userId, numbers } = await userWith(['office', 'mobile', 'alternateMobile']);
    const result = await api.list(userId, { token: await wholeReader() });
    expect(result.status).toBe(200);
    expect(result.body['@odata.context']).toBe(
      `http://localhost:7071/beta/$metadata#users('${userId}')/authentication/phoneMethods`,
    );
    expect(result.body.value.map((method: { id: string }) => method.id)).toEqual([
      MOBILE_ID,
      ALTERNATE_MOBILE_ID,
      OFFICE_ID,
    ]);
    expect(result.body.value.map((method: { phoneNumber: string }) => method.phoneNumber)).toEqual([
      numbers.mobile,
      numbers.alternateMobile,
      numbers.office,
    ]);
    expect(result.body.value.map((method: { smsSignInState: string }) => method.smsSignInState)).toEqual([
      'notAllowedByPolicy',
      'notSupported',
      'notSupported',
    ]);
    expect(await storedMethods(userId)).toHaveLength(3);
  });

  test('list and get take no query options: each $ option given is a 400 naming it; other parameters are ignored', async () => {
    const { userId, token } = await userWith(['mobile']);
    const { handlers } = testService();
    const call = (name: string, path: string, query: Record<string, string>, params?: Record<string, string>) =>
      invoke(handlers[name]!, { userId, token, method: 'GET', path, query, params });
    const two = await call('listPhoneMethods', PHONE_METHODS, { $top: '1', 'api-version': '1', $select: 'id' });
    expect(two.status).toBe(400);
    expect(two.body.error.code).toBe('badRequest');
    expect(two.body.error.message).toBe('The request has 2 invalid query options.');
    expect(
      two.body.error.details.map((detail: { code: string; target: string }) => [detail.code, detail.target]),
    ).toEqual([
      ['invalidQueryOption', '$top'],
      ['invalidQueryOption', '$select'],
    ]);
    const one = await call('getPhoneMethod', `${PHONE_METHODS}/${MOBILE_ID}`, { $expand: 'x' }, { id: MOBILE_ID });
    expect(one.status).toBe(400);
    expect(one.body.error.message).toBe("The query option '$expand' is not supported by this operation.");
    const ignored = await call('listPhoneMethods', PHONE_METHODS, { 'api-version': '1', top: '1' });
    expect(ignored.status).toBe(200);
    expect(ignored.body.value).toHaveLength(1);
  });

  test('list of a user without methods: 200 and an empty value', async () => {
    const result = await api.list(randomUUID(), { token: await admin() });
    expect(result.status).toBe(200);
    expect(result.body.value).toEqual([]);
  });

  test('get: the entity with its context; any letter case of the id', async () => {
    const { userId, numbers } = await userWith(['mobile']);
    const result = await api.get(userId, MOBILE_ID.toUpperCase(), { token: await wholeReader() });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({
      '@odata.context': `http://localhost:7071/beta/$metadata#users('${userId}')/authentication/phoneMethods/$entity`,
      id: MOBILE_ID,
      phoneNumber: numbers.mobile,
      phoneType: 'mobile',
      smsSignInState: 'notAllowedByPolicy',
    });
  });

  test.each([
    ['a type the user does not have', OFFICE_ID],
    ['an id that is no phone method id', randomUUID()],
    ['a non-GUID id', 'not-an-id'],
  ])('get of %s: 404 itemNotFound', async (_name, id) => {
    const { userId, token } = await userWith(['mobile']);
    const result = await api.get(userId, id, { token });
    expect(result.status).toBe(404);
    expect(result.body.error.code).toBe('itemNotFound');
  });
});

describe('update (PATCH)', () => {
  test('changes the number: 204 with no body, stored normalized, other properties kept', async () => {
    const { userId, token } = await userWith(['office']);
    const before = (await storedMethods(userId))[0]!;
    const result = await api.update(userId, OFFICE_ID, { token, body: { phoneNumber: '+12065550123' } });
    expect(result.status).toBe(204);
    expect(result.body).toBeUndefined();
    expect(await storedMethods(userId)).toEqual([{ ...before, phoneNumber: '+1 2065550123' }]);
  });

  test('phoneType equal to the method type and server-managed properties are accepted (the latter ignored)', async () => {
    const { userId, token } = await userWith(['mobile']);
    const before = (await storedMethods(userId))[0]!;
    const result = await api.update(userId, MOBILE_ID, {
      token,
      body: {
        phoneNumber: '+1 4255550100',
        phoneType: 'mobile',
        id: 'x',
        smsSignInState: 'ready',
        createdDateTime: '2001-01-01T00:00:00Z',
      },
    });
    expect(result.status).toBe(204);
    expect(await storedMethods(userId)).toEqual([{ ...before, phoneNumber: '+1 4255550100' }]);
  });

  test('phoneType different from the method type: 400 naming phoneType, nothing changed', async () => {
    const { userId, token } = await userWith(['mobile']);
    const before = await storedMethods(userId);
    const result = await api.update(userId, MOBILE_ID, {
      token,
      body: { phoneNumber: '+1 4255550100', phoneType: 'office' },
    });
    expect(result.status).toBe(400);
    expect(result.body.error.code).toBe('badRequest');
    expect(result.body.error.details).toEqual([expect.objectContaining({ target: 'phoneType' })]);
    expect(await storedMethods(userId)).toEqual(before);
  });

  test.each([
    [{ phoneNumber: 'call me' }, 'phoneNumber'],
    [{ phoneNumber: '+1 4255550100', smsSignInState: 'sometimes' }, 'smsSignInState'],
    [{ phoneNumber: '+1 4255550100', color: 'red' }, 'color'],
    [{ createdDateTime: 42 }, 'createdDateTime'],
  ])('400 for %j naming %s, nothing changed', async (body, target) => {
    const { userId, token } = await userWith(['mobile']);
    const before = await storedMethods(userId);
    const result = await api.update(userId, MOBILE_ID, { token, body });
    expect(result.status).toBe(400);
    expect(result.body.error.details).toEqual([expect.objectContaining({ target })]);
    expect(await storedMethods(userId)).toEqual(before);
  });

  test('a method the user does not have: 404, nothing stored', async () => {
    const { userId, token } = await userWith(['mobile']);
    const before = await storedMethods(userId);
    const result = await api.update(userId, OFFICE_ID, { token, body: { phoneNumber: '+1 4255550100' } });
    expect(result.status).toBe(404);
    expect(result.body.error.code).toBe('itemNotFound');
    expect(await storedMethods(userId)).toEqual(before);
  });
});

describe('delete', () => {
  test('204 and the method is gone; the others stay', async () => {
    const { userId, token } = await userWith(['mobile', 'office']);
    const result = await api.delete(userId, OFFICE_ID, { token });
    expect(result.status).toBe(204);
    expect((await storedMethods(userId)).map((method) => method.id)).toEqual([MOBILE_ID]);
    expect((await api.get(userId, OFFICE_ID, { token })).status).toBe(404);
  });

  test('the mobile while an alternateMobile exists: 400, both stay; after deleting the alternate it works', async () => {
    const { userId, token } = await userWith(['mobile', 'alternateMobile']);
    const refused = await api.delete(userId, MOBILE_ID, { token });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('badRequest');
    expect((await storedMethods(userId)).map((method) => method.id).sort()).toEqual(
      [ALTERNATE_MOBILE_ID, MOBILE_ID].sort(),
    );
    expect((await api.delete(userId, ALTERNATE_MOBILE_ID, { token })).status).toBe(204);
    expect((await api.delete(userId, MOBILE_ID, { token })).status).toBe(204);
    expect(await storedMethods(userId)).toEqual([]);
  });

  test('a method the user does not have: 404', async () => {
    const { userId, token } = await userWith(['office']);
    const result = await api.delete(userId, MOBILE_ID, { token });
    expect(result.status).toBe(404);
    expect(result.body.error.code).toBe('itemNotFound');
    expect(await storedMethods(userId)).toHaveLength(1);
  });
});

describe('enable and disable SMS sign-in', () => {
  test('policy off: enable is 400 and changes nothing; the mobile reports notAllowedByPolicy', async () => {
    const { userId, token } = await userWith(['mobile']);
    const before = await storedMethods(userId);
    const result = await api.action('enableSmsSignIn', userId, MOBILE_ID, { token });
    expect(result.status).toBe(400);
    expect(result.body.error.code).toBe('badRequest');
    expect(await storedMethods(userId)).toEqual(before);
    expect(before[0]!.smsSignInState).toBe('notEnabled');
    expect((await api.get(userId, MOBILE_ID, { token })).body.smsSignInState).toBe('notAllowedByPolicy');
  });

  test.each([
    ['enable', ALTERNATE_MOBILE_ID],
    ['enable', OFFICE_ID],
    ['disable', OFFICE_ID],
    ['enable', 'not-an-id'],
  ] as const)('%s on %s (not the mobile): 400, nothing changed', async (operation, id) => {
    const { userId, token } = await userWith(['mobile', 'alternateMobile', 'office'], apiOn);
    const before = await storedMethods(userId);
    const result = await apiOn.action(`${operation}SmsSignIn`, userId, id, { token });
    expect(result.status).toBe(400);
    expect(result.body.error.details).toEqual([expect.objectContaining({ target: 'id' })]);
    expect(await storedMethods(userId)).toEqual(before);
  });

  test.each(['enable', 'disable'] as const)('%s without a mobile: 404', async (operation) => {
    const { userId, token } = await userWith(['office'], apiOn);
    const result = await apiOn.action(`${operation}SmsSignIn`, userId, MOBILE_ID, { token });
    expect(result.status).toBe(404);
    expect(result.body.error.code).toBe('itemNotFound');
  });

  test('enable and disable take no body: a body that is not JSON is not read', async () => {
    const { userId, token } = await userWith(['mobile'], apiOn);
    const call = (name: string, action: string) =>
      invoke(policyOn.handlers[name]!, {
        userId,
        token,
        method: 'POST',
        path: `${PHONE_METHODS}/${MOBILE_ID}/${action}`,
        params: { id: MOBILE_ID },
        rawBody: '{not json',
        headers: { 'content-type': 'text/plain' },
      });
    expect((await call('disableSmsSignIn', 'disableSmsSignIn')).status).toBe(204);
    expect((await storedMethods(userId))[0]!.smsSignInState).toBe('notEnabled');
    expect((await call('enableSmsSignIn', 'enableSmsSignIn')).status).toBe(204);
    expect((await storedMethods(userId))[0]!.smsSignInState).toBe('ready');
  });
});

/**
 * Every cell of the four permission rows, allowed and refused, through /users/{id} and /me. Each
 * operation runs against a fresh user holding a mobile and an office method (policy on, so enabling
 * can succeed); a refused call must leave the stored methods as they were.
 */
describe('permissions', () => {
  type Op = 'list' | 'get' | 'create' | 'update' | 'remove' | 'enable' | 'disable';
  const success: Record<Op, number> = {
    list: 200,
    get: 200,
    create: 201,
    update: 204,
    remove: 204,
    enable: 204,
    disable: 204,
  };
  const run = (op: Op, userId: string, token: string, me: boolean) => {
    const o = { token, me };
    switch (op) {
      case 'list':
        return apiOn.list(userId, o);
      case 'get':
        return apiOn.get(userId, MOBILE_ID, o);
      case 'create':
        return apiOn.create(userId, { ...o, body: { phoneNumber: randomNumber(), phoneType: 'alternateMobile' } });
      case 'update':
        return apiOn.update(userId, OFFICE_ID, { ...o, body: { phoneNumber: randomNumber() } });
      case 'remove':
        return apiOn.delete(userId, OFFICE_ID, o);
      case 'enable':
        return apiOn.action('enableSmsSignIn', userId, MOBILE_ID, o);
      case 'disable':
        return apiOn.action('disableSmsSignIn', userId, MOBILE_ID, o);
    }
  };
  const ROWS: Array<{
    ops: Op[];
    self?: string;
    selfRefused: string;
    others: string;
    othersRole: string[];
    app: string;
  }> = [
    {
      ops: ['list', 'get'],
      self: 'UserAuthMethod-Phone.Read',
      selfRefused: 'User.Read',
      others: 'UserAuthMethod-Phone.Read.All',
      othersRole: [GLOBAL_READER_ROLE],
      app: 'UserAuthMethod-Phone.Read.All',
    },
    {
      ops: ['create', 'update'],
      selfRefused: 'UserAuthenticationMethod.ReadWrite.All',
      others: 'UserAuthMethod-Phone.ReadWrite.All',
      othersRole: [],
      app: 'UserAuthMethod-Phone.ReadWrite.All',
    },
    {
      ops: ['remove'],
      self: 'UserAuthMethod-Phone.ReadWrite',
      selfRefused: 'UserAuthMethod-Phone.Read',
      others: 'UserAuthMethod-Phone.ReadWrite.All',
      othersRole: [],
      app: 'UserAuthMethod-Phone.ReadWrite.All',
    },
    {
      ops: ['enable', 'disable'],
      self: 'UserAuthenticationMethod.ReadWrite',
      selfRefused: 'UserAuthMethod-Phone.ReadWrite',
      others: 'UserAuthenticationMethod.ReadWrite.All',
      othersRole: [],
      app: 'UserAuthenticationMethod.ReadWrite.All',
    },
  ];
  const cells = ROWS.flatMap((row) => row.ops.map((op) => ({ op, row })));

  async function expectUnchanged(
    userId: string,
    call: (userId: string) => Promise<{ status: number; body: GraphBody }>,
    status: number,
  ) {
    const before = await storedMethods(userId);
    const result = await call(userId);
    expect(result.status).toBe(status);
    expect(await storedMethods(userId)).toEqual(before);
    return result;
  }

  test.each(cells)('$op: on their own account, through /users/{id} and /me', async ({ op, row }) => {
    for (const me of [false, true]) {
      if (row.self) {
        const allowed = await userWith(['mobile', 'office'], apiOn);
        const token = await userToken({ oid: allowed.userId, scp: row.self, wids: [] });
        expect((await run(op, allowed.userId, token, me)).status).toBe(success[op]);
      }
      // Refused: a scope outside the row's self rule (for create/update: any scope, users cannot).
      const refused = await userWith(['mobile', 'office'], apiOn);
      const weak = await userToken({ oid: refused.userId, scp: row.selfRefused, wids: [AUTHENTICATION_ADMINISTRATOR] });
      const result = await expectUnchanged(refused.userId, (id) => run(op, id, weak, me), 403);
      expect(result.body.error.code).toBe('accessDenied');
    }
  });

  test.each(cells)('$op: another user needs the .All scope and a directory role', async ({ op, row }) => {
    const roles = row.othersRole.length > 0 ? row.othersRole : [AUTHENTICATION_ADMINISTRATOR];
    const allowed = await userWith(['mobile', 'office'], apiOn);
    expect((await run(op, allowed.userId, await userToken({ scp: row.others, wids: roles }), false)).status).toBe(
      success[op],
    );
    const refused = await userWith(['mobile', 'office'], apiOn);
    await expectUnchanged(
      refused.userId,
      async (id) => run(op, id, await userToken({ scp: row.others, wids: [] }), false),
      403,
    );
    await expectUnchanged(
      refused.userId,
      async (id) => run(op, id, await userToken({ scp: 'User.ReadWrite.All', wids: roles }), false),
      403,
    );
  });

  test.each(cells)('$op: application role allowed, other roles refused, /me refused with 400', async ({ op, row }) => {
    const allowed = await userWith(['mobile', 'office'], apiOn);
    expect((await run(op, allowed.userId, await appToken([row.app]), false)).status).toBe(success[op]);
    const refused = await userWith(['mobile', 'office'], apiOn);
    await expectUnchanged(
      refused.userId,
      async (id) => run(op, id, await appToken(['User.ReadWrite.All']), false),
      403,
    );
    const me = await run(op, refused.userId, await appToken([row.app]), true);
    expect(me.status).toBe(400);
    expect(me.body.error.message).toBe('/me request is only valid with delegated authentication flow.');
  });
});
