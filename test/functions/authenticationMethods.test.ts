import { randomUUID } from 'node:crypto';
import { GLOBAL_READER } from '../../shared/auth/permissions';
import { API_VERSIONS } from '../../shared/http/versions';
import {
  ALTERNATE_MOBILE_ID,
  AUTHENTICATION_ADMINISTRATOR,
  MOBILE_ID,
  OFFICE_ID,
  PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
} from '../support/constants';
import { loadServiceWith } from '../support/isolated';
import type { Invocation } from '../support/invoke';
import { PHONE_METHODS, randomNumber, storedMethods } from '../support/phoneMethods';
import { resourceCalls } from '../support/resourceCalls';
import { appToken, userToken } from '../support/tokens';

/**
 * `/authentication/methods`: the authentication methods this service holds for a user (its phone
 * methods) listed and read in both versions and through `/me`, the SMS sign-in actions through
 * `/beta/.../methods/{id}/...`, and the permission family Graph asks for there.
 */

const service = loadServiceWith({ SMS_SIGN_IN_ENABLED: 'true' });
afterAll(() => service.dispose());
const phoneMethods = resourceCalls(service.handlers, PHONE_METHODS);
const METHODS = 'authentication/methods';
/** `/authentication/methods` in beta; each version's own in the version blocks. */
const methods = resourceCalls(service.handlers, METHODS);

type Method = { id: string; phoneType: string; phoneNumber: string; '@odata.type': string };
const body = <T>(result: Invocation) => result.body as T;

/** A user with a mobile and an office phone method, created through phoneMethods. */
async function userWithMethods() {
  const userId = randomUUID();
  // A Privileged Authentication Administrator reads numbers whole (maskedNumbers.test.ts covers the mask).
  const token = await userToken({ wids: [PRIVILEGED_AUTHENTICATION_ADMINISTRATOR] });
  const numbers = { mobile: randomNumber(), office: randomNumber() };
  for (const phoneType of ['office', 'mobile'] as const) {
    const created = await phoneMethods.create(userId, { token, body: { phoneNumber: numbers[phoneType], phoneType } });
    expect(created.status).toBe(201);
  }
  return { userId, token, numbers };
}

describe.each(API_VERSIONS)('%s', (version) => {
  const methodsIn = resourceCalls(service.handlers, METHODS, version);

  test('list: every phone method, each with its @odata.type, in Graph order, with the collection context', async () => {
    const { userId, token, numbers } = await userWithMethods();
    const result = await methodsIn.list(userId, { token });
    expect(result.status).toBe(200);
    const page = body<{ '@odata.context': string; value: Method[] }>(result);
    expect(page['@odata.context']).toBe(
      `http://localhost:7071/${version}/$metadata#users('${userId}')/authentication/methods`,
    );
    expect(page.value.map(({ id, phoneNumber }) => [id, phoneNumber])).toEqual([
      [MOBILE_ID, numbers.mobile],
      [OFFICE_ID, numbers.office],
    ]);
    expect(page.value.map((method) => method['@odata.type'])).toEqual([
      '#microsoft.graph.phoneAuthenticationMethod',
      '#microsoft.graph.phoneAuthenticationMethod',
    ]);
  });

  test('get: one method with its entity context; an id the user does not have is 404', async () => {
    const { userId, token, numbers } = await userWithMethods();
    const result = await methodsIn.get(userId, OFFICE_ID, { token });
    expect(result.status).toBe(200);
    expect(body<Method & { '@odata.context': string }>(result)).toMatchObject({
      '@odata.context': `http://localhost:7071/${version}/$metadata#users('${userId}')/authentication/methods/$entity`,
      '@odata.type': '#microsoft.graph.phoneAuthenticationMethod',
      id: OFFICE_ID,
      phoneNumber: numbers.office,
    });
    for (const missing of [ALTERNATE_MOBILE_ID, '28c10230-6103-485e-b985-444c60001490', 'password'])
      expect((await methodsIn.get(userId, missing, { token })).status).toBe(404);
  });

  test('/me: the signed-in user reads their own methods with a UserAuthenticationMethod.Read scope', async () => {
    const oid = randomUUID();
    const mobile = randomNumber();
    expect(
      (await phoneMethods.create(oid, { token: await userToken(), body: { phoneNumber: mobile, phoneType: 'mobile' } }))
        .status,
    ).toBe(201);
    const token = await userToken({ oid, scp: 'UserAuthenticationMethod.Read', wids: [] });
    const result = await methodsIn.list('ignored', { token, me: true });
    expect(result.status).toBe(200);
    expect(body<{ value: Method[] }>(result).value.map((method) => method.phoneNumber)).toEqual([mobile]);
    expect((await methodsIn.get('ignored', MOBILE_ID, { token, me: true })).status).toBe(200);
  });
});

describe('permissions: the UserAuthenticationMethod family, as Graph asks for on /methods', () => {
  test.each([
    ['own account, UserAuthenticationMethod.Read', { self: true, scp: 'UserAuthenticationMethod.Read', wids: [] }, 200],
    [
      'own account, UserAuthMethod-Phone.ReadWrite only',
      { self: true, scp: 'UserAuthMethod-Phone.ReadWrite', wids: [] },
      403,
    ],
    [
      'another user, Read.All + Global Reader',
      { scp: 'UserAuthenticationMethod.Read.All', wids: [GLOBAL_READER] },
      200,
    ],
    ['another user, Read.All without a role', { scp: 'UserAuthenticationMethod.Read.All', wids: [] }, 403],
    [
      'another user, Read (not .All) + admin',
      { scp: 'UserAuthenticationMethod.Read', wids: [AUTHENTICATION_ADMINISTRATOR] },
      403,
    ],
    [
      'another user, UserAuthMethod-Phone.ReadWrite.All + admin',
      { scp: 'UserAuthMethod-Phone.ReadWrite.All', wids: [AUTHENTICATION_ADMINISTRATOR] },
      403,
    ],
  ] as const)('delegated, %s → %i', async (_name, who, status) => {
    const { userId } = await userWithMethods();
    const token = await userToken({ oid: 'self' in who ? userId : randomUUID(), scp: who.scp, wids: [...who.wids] });
    const result = await methods.list(userId, { token });
    expect(result.status).toBe(status);
    if (status === 403) {
      expect(result.headers.get('www-authenticate')).toContain('UserAuthenticationMethod.');
      expect(result.headers.get('www-authenticate')).not.toContain('UserAuthMethod-Phone');
    }
  });

  test.each([
    ['UserAuthenticationMethod.Read.All', 200],
    ['UserAuthenticationMethod.ReadWrite.All', 200],
    ['UserAuthMethod-Phone.Read.All', 403],
    ['UserAuthMethod-Phone.ReadWrite.All', 403],
  ])('application, role %s → %i', async (role, status) => {
    const { userId } = await userWithMethods();
    expect((await methods.list(userId, { token: await appToken([role]) })).status).toBe(status);
    expect((await methods.get(userId, MOBILE_ID, { token: await appToken([role]) })).status).toBe(status);
  });
});

describe('SMS sign-in through /beta/.../authentication/methods/{id}', () => {
  test('disable and enable act on the stored mobile exactly as on phoneMethods', async () => {
    const { userId, token } = await userWithMethods();
    expect((await methods.action('disableSmsSignIn', userId, MOBILE_ID, { token })).status).toBe(204);
    expect((await storedMethods(userId)).find((m) => m.phoneType === 'mobile')?.smsSignInState).toBe('notEnabled');
    expect((await methods.action('enableSmsSignIn', userId, MOBILE_ID, { token })).status).toBe(204);
    expect((await storedMethods(userId)).find((m) => m.phoneType === 'mobile')?.smsSignInState).toBe('ready');
    const office = await methods.action('enableSmsSignIn', userId, OFFICE_ID, { token });
    expect(office.status).toBe(400);
  });

  test('the phone-only scope is not enough, as on phoneMethods (UserAuthenticationMethod.ReadWrite.All needed)', async () => {
    const { userId } = await userWithMethods();
    const token = await userToken({ scp: 'UserAuthMethod-Phone.ReadWrite.All', wids: [AUTHENTICATION_ADMINISTRATOR] });
    expect((await methods.action('disableSmsSignIn', userId, MOBILE_ID, { token })).status).toBe(403);
    expect((await storedMethods(userId)).find((m) => m.phoneType === 'mobile')?.smsSignInState).toBe('ready');
  });

  test('exist in beta only', () => {
    expect(service.handlers.enableAuthenticationMethodSmsSignIn).toBeDefined();
    expect(service.handlers.disableAuthenticationMethodSmsSignInMe).toBeDefined();
    expect(service.handlers.enableAuthenticationMethodSmsSignInV1).toBeUndefined();
    expect(service.handlers.listAuthenticationMethodsV1).toBeDefined();
  });
});
