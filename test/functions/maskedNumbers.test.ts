import { randomUUID } from 'node:crypto';
import { maskPhoneNumber } from '../../shared/auth/maskedNumbers';
import {
  AUTHENTICATION_ADMINISTRATOR,
  GLOBAL_ADMINISTRATOR,
  GLOBAL_READER,
  PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
} from '../../shared/auth/permissions';
import { API_VERSIONS } from '../../shared/http/versions';
import { MOBILE_ID, OFFICE_ID } from '../support/constants';
import { loadServiceWith } from '../support/isolated';
import { PHONE_METHODS, storedMethods } from '../support/phoneMethods';
import { resourceCalls } from '../support/resourceCalls';
import { appToken, userToken } from '../support/tokens';

/**
 * Graph masks phone-method numbers for an Authentication Administrator reading another user: the
 * country code and the last two digits stay. Every role (and the user themself, and applications)
 * reads through list and get on phoneMethods and on methods, in both versions; storage never changes.
 */

const service = loadServiceWith({});
afterAll(() => service.dispose());
const api = resourceCalls(service.handlers, PHONE_METHODS);

const MOBILE = '+1 2065550100';
const OFFICE = '+1 4255550123x789';

test('the mask keeps the country code and the last two digits, turns every other digit into X and drops an extension', () => {
  expect(maskPhoneNumber('+1 2065550100')).toBe('+1 XXXXXXXX00');
  expect(maskPhoneNumber('+1 4255550123x789')).toBe('+1 XXXXXXXX23');
  expect(maskPhoneNumber('+44 7700900123')).toBe('+44 XXXXXXXX23');
  expect(maskPhoneNumber('+358 12')).toBe('+358 12');
});

/** Every read of the two numbers through phoneMethods and methods, list and get, in every version. */
async function readNumbers(userId: string, token: string, me = false): Promise<string[]> {
  const numbers: string[] = [];
  for (const version of API_VERSIONS) {
    for (const collection of [PHONE_METHODS, 'authentication/methods']) {
      const calls = resourceCalls(service.handlers, collection, version);
      const listed = await calls.list(userId, { token, me });
      expect(listed.status).toBe(200);
      numbers.push(...(listed.body as { value: Array<{ phoneNumber: string }> }).value.map((m) => m.phoneNumber));
      for (const id of [MOBILE_ID, OFFICE_ID]) {
        const got = await calls.get(userId, id, { token, me });
        expect(got.status).toBe(200);
        numbers.push((got.body as { phoneNumber: string }).phoneNumber);
      }
    }
  }
  return numbers;
}

async function userWithNumbers(userId = randomUUID()) {
  const token = await userToken();
  for (const [phoneNumber, phoneType] of [
    [MOBILE, 'mobile'],
    [OFFICE, 'office'],
  ] as const)
    expect((await api.create(userId, { token, body: { phoneNumber, phoneType } })).status).toBe(201);
  return userId;
}

/** 2 versions × 2 collections × (list + 2 gets), each read giving both numbers once over list and gets. */
const EIGHT_TIMES = (mobile: string, office: string) =>
  Array.from({ length: 4 }, () => [mobile, office, mobile, office]).flat();

const scp = 'UserAuthenticationMethod.Read.All';
test.each([
  ['Authentication Administrator only', [AUTHENTICATION_ADMINISTRATOR], true],
  ['Privileged Authentication Administrator', [PRIVILEGED_AUTHENTICATION_ADMINISTRATOR], false],
  ['Global Administrator', [GLOBAL_ADMINISTRATOR], false],
  ['Global Reader', [GLOBAL_READER], false],
  [
    'Authentication Administrator and Privileged Authentication Administrator',
    [AUTHENTICATION_ADMINISTRATOR, PRIVILEGED_AUTHENTICATION_ADMINISTRATOR],
    false,
  ],
  ['Authentication Administrator and Global Reader', [AUTHENTICATION_ADMINISTRATOR, GLOBAL_READER], false],
  [
    'Authentication Administrator and Global Administrator',
    [AUTHENTICATION_ADMINISTRATOR, GLOBAL_ADMINISTRATOR],
    false,
  ],
])('another user, delegated, %s: masked %s', async (_name, wids, masked) => {
  const userId = await userWithNumbers();
  const numbers = await readNumbers(userId, await userToken({ scp, wids: [...wids] }));
  expect(numbers).toEqual(masked ? EIGHT_TIMES('+1 XXXXXXXX00', '+1 XXXXXXXX23') : EIGHT_TIMES(MOBILE, OFFICE));
  expect((await storedMethods(userId)).map((m) => m.phoneNumber).sort()).toEqual([MOBILE, OFFICE].sort());
});

test('the user themself reads their numbers whole, even holding only the Authentication Administrator role', async () => {
  const oid = await userWithNumbers();
  const token = await userToken({ oid, scp: 'UserAuthenticationMethod.Read', wids: [AUTHENTICATION_ADMINISTRATOR] });
  expect(await readNumbers(oid, token)).toEqual(EIGHT_TIMES(MOBILE, OFFICE));
  expect(await readNumbers(oid, token, true)).toEqual(EIGHT_TIMES(MOBILE, OFFICE));
});

test('applications read numbers whole', async () => {
  const userId = await userWithNumbers();
  expect(await readNumbers(userId, await appToken(['UserAuthenticationMethod.Read.All']))).toEqual(
    EIGHT_TIMES(MOBILE, OFFICE),
  );
});

test('writes by an Authentication Administrator are unchanged: the number sent is stored whole', async () => {
  const userId = await userWithNumbers();
  const token = await userToken({
    scp: 'UserAuthenticationMethod.ReadWrite.All',
    wids: [AUTHENTICATION_ADMINISTRATOR],
  });
  expect((await api.update(userId, OFFICE_ID, { token, body: { phoneNumber: '+1 4255550199' } })).status).toBe(204);
  expect((await storedMethods(userId)).find((m) => m.phoneType === 'office')?.phoneNumber).toBe('+1 4255550199');
  expect((await api.get(userId, OFFICE_ID, { token })).body).toMatchObject({ phoneNumber: '+1 XXXXXXXX99' });
});
