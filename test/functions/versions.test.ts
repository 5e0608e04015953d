import { randomUUID } from 'node:crypto';
import { operations } from '../../functions/operations';
import { registrationsOf } from '../../shared/http/pipeline';
import { API_VERSIONS } from '../../shared/http/versions';
import { MOBILE_ID, OFFICE_ID, PRIVILEGED_AUTHENTICATION_ADMINISTRATOR } from '../support/constants';
import { loadServiceWith } from '../support/isolated';
import { PHONE_METHODS, randomNumber, storedMethods } from '../support/phoneMethods';
import { resourceCalls } from '../support/resourceCalls';
import type { Invocation } from '../support/invoke';
import { userToken } from '../support/tokens';

/**
 * Every phone-method operation through each version's own registration (`/beta/...` and `/v1.0/...`),
 * with the status code that version answers, the stored state read back, and links that name the
 * version of the request. Profile phones exist in beta only.
 */

const service = loadServiceWith({ SMS_SIGN_IN_ENABLED: 'true' });
afterAll(() => service.dispose());

/** What each operation answers per version (Graph v1.0 documents 204 for update, delete and the SMS actions). */
const ANSWERS = {
  beta: { list: 200, get: 200, create: 201, update: 204, remove: 204, enable: 204, disable: 204 },
  'v1.0': { list: 200, get: 200, create: 201, update: 204, remove: 204, enable: 204, disable: 204 },
} as const;

const contextOf = (result: Invocation) => (result.body as { '@odata.context'?: string })['@odata.context'];

test('phone methods and methods list and get are registered in both versions; profile phones and the SMS actions on methods in beta only', () => {
  const registrations = registrationsOf(operations);
  const betaOnly = (name: string, collectionPath: string) =>
    collectionPath === 'profile/phones' || (collectionPath === 'authentication/methods' && /SmsSignIn$/.test(name));
  for (const operation of operations) {
    const versions = [...new Set(registrations.filter((r) => r.operation === operation).map((r) => r.version))];
    expect([operation.name, versions]).toEqual([
      operation.name,
      betaOnly(operation.name, operation.collectionPath) ? ['beta'] : [...API_VERSIONS],
    ]);
  }
});

describe.each(API_VERSIONS)('%s', (version) => {
  const api = resourceCalls(service.handlers, PHONE_METHODS, version);
  const answers = ANSWERS[version];

  test('the whole lifecycle of a user’s phone methods, with this version’s status codes and links', async () => {
    const userId = randomUUID();
    // A Privileged Authentication Administrator reads numbers whole (maskedNumbers.test.ts covers the mask).
    const token = await userToken({ wids: [PRIVILEGED_AUTHENTICATION_ADMINISTRATOR] });
    const mobile = randomNumber();

    const created = await api.create(userId, { token, body: { phoneNumber: mobile, phoneType: 'mobile' } });
    expect(created.status).toBe(answers.create);
    expect(created.headers.get('location')).toBe(
      `http://localhost:7071/${version}/users/${userId}/authentication/phoneMethods/${MOBILE_ID}`,
    );
    expect(contextOf(created)).toBe(
      `http://localhost:7071/${version}/$metadata#users('${userId}')/authentication/phoneMethods/$entity`,
    );
    const office = await api.create(userId, { token, body: { phoneNumber: randomNumber(), phoneType: 'office' } });
    expect(office.status).toBe(answers.create);

    const list = await api.list(userId, { token });
    expect(list.status).toBe(answers.list);
    expect(contextOf(list)).toBe(
      `http://localhost:7071/${version}/$metadata#users('${userId}')/authentication/phoneMethods`,
    );
    expect((list.body as { value: Array<{ id: string }> }).value.map((method) => method.id)).toEqual([
      MOBILE_ID,
      OFFICE_ID,
    ]);

    const got = await api.get(userId, MOBILE_ID, { token });
    expect([got.status, (got.body as { phoneNumber?: string }).phoneNumber]).toEqual([answers.get, mobile]);
    expect(contextOf(got)).toContain(`/${version}/$metadata#users(`);

    const changed = randomNumber();
    const updated = await api.update(userId, MOBILE_ID, { token, body: { phoneNumber: changed } });
    expect([updated.status, updated.body]).toEqual([answers.update, undefined]);

    const disabled = await api.action('disableSmsSignIn', userId, MOBILE_ID, { token });
    expect(disabled.status).toBe(answers.disable);
    expect((await storedMethods(userId)).find((m) => m.phoneType === 'mobile')).toMatchObject({
      phoneNumber: changed,
      smsSignInState: 'notEnabled',
    });
    const enabled = await api.action('enableSmsSignIn', userId, MOBILE_ID, { token });
    expect(enabled.status).toBe(answers.enable);
    expect((await storedMethods(userId)).find((m) => m.phoneType === 'mobile')?.smsSignInState).toBe('ready');

    const removed = await api.delete(userId, OFFICE_ID, { token });
    expect(removed.status).toBe(answers.remove);
    expect((await storedMethods(userId)).map((m) => m.phoneType)).toEqual(['mobile']);
  });

  test('/me names the caller in this version', async () => {
    const oid = randomUUID();
    const token = await userToken({ oid, scp: 'UserAuthenticationMethod.Read', wids: [] });
    const list = await api.list('ignored', { token, me: true });
    expect(list.status).toBe(200);
    expect(contextOf(list)).toBe(
      `http://localhost:7071/${version}/$metadata#users('${oid}')/authentication/phoneMethods`,
    );
  });
});

test('profile phones have no v1.0 registration', () => {
  const names = Object.keys(service.handlers);
  expect(names).toContain('listProfilePhones');
  expect(names).toContain('listPhoneMethodsV1');
  expect(names.filter((name) => /ProfilePhone/.test(name) && name.endsWith('V1'))).toEqual([]);
});
