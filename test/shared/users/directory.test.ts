import { randomUUID } from 'node:crypto';
import { operations } from '../../../functions/operations';
import { registrationsOf } from '../../../shared/http/pipeline';
import { parseConfig } from '../../../shared/config';
import { directoryMode } from '../../../shared/services';
import { GraphDirectory } from '../../../shared/users/graphDirectory';
import { directoryCredential } from '../../../shared/users/directoryToken';
import {
  MOBILE_ID,
  PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
  TEST_MANAGED_IDENTITY_CLIENT_ID,
} from '../../support/constants';
import { batchHandlerFor, createItem, postBatch } from '../../support/batch';
import { invoke, type Invocation } from '../../support/invoke';
import { loadServiceWith, type IsolatedService } from '../../support/isolated';
import { PHONE_METHODS, randomNumber, storedMethods } from '../../support/phoneMethods';
import { resourceCalls } from '../../support/resourceCalls';
import { startStandInDirectory, type StandInDirectory, type StandInUser } from '../../support/standInDirectory';
import { ownManagedIdentity } from '../../support/standInManagedIdentity';
import { storedItems } from '../../support/storage';
import { appToken, userToken } from '../../support/tokens';

/**
 * `{userId}` through the directory, end to end: the pipeline, the real `ManagedIdentityCredential`
 * against a stand-in App Service identity endpoint, and a stand-in Microsoft Graph on loopback. Each
 * describe block has its own directory (and so its own cache and counts).
 */

const identity = ownManagedIdentity();

/** A delegated administrator allowed every operation on other users. */
// A Privileged Authentication Administrator: reads other users' numbers whole (an Authentication
// Administrator alone reads them masked).
const adminToken = () =>
  userToken({
    scp: 'UserAuthenticationMethod.ReadWrite.All User.ReadWrite.All',
    upn: `admin-${randomUUID()}@contoso.example`,
    wids: [PRIVILEGED_AUTHENTICATION_ADMINISTRATOR],
  });

interface Tenant extends AsyncDisposable {
  directory: StandInDirectory;
  service: IsolatedService;
  close(): Promise<void>;
}

async function tenant(parts: { deadlineMs?: number } = {}): Promise<Tenant> {
  const directory = await startStandInDirectory();
  const service =
    parts.deadlineMs === undefined
      ? loadServiceWith({ DIRECTORY_ENDPOINT: directory.url })
      : loadServiceWith(
          { DIRECTORY_ENDPOINT: directory.url },
          {
            directory: new GraphDirectory({
              endpoint: directory.url,
              credential: directoryCredential(TEST_MANAGED_IDENTITY_CLIENT_ID),
              deadlineMs: parts.deadlineMs,
            }),
          },
        );
  const close = async () => {
    service.dispose();
    await directory.close();
  };
  return { directory, service, close, [Symbol.asyncDispose]: close };
}

/** Every operation on `/users/{userId}/...` with a well-formed request, for the "before anything" checks. */
function everyOperation(service: IsolatedService, userId: string, token: string): Promise<Invocation[]> {
  return Promise.all(
    registrationsOf(operations)
      .filter((registration) => !registration.me)
      .map(({ operation, name }) => {
        const id = operation.path.includes('{id}') ? MOBILE_ID : undefined;
        const body = operation.name.includes('Profile')
          ? { number: '+1 425 555 0100', type: 'mobile' }
          : { phoneNumber: randomNumber(), phoneType: 'mobile' };
        return invoke(service.handlers[name]!, {
          userId,
          token,
          method: operation.method,
          path: id ? operation.path.replace('{id}', id) : operation.path,
          params: id ? { id } : {},
          body: operation.method === 'POST' || operation.method === 'PATCH' ? body : undefined,
        });
      }),
  );
}

/** The parts of an answer's body these tests read. */
const errorOf = (result: Invocation) => (result.body as { error: { code: string; message: string } }).error;
const valueOf = (result: Invocation) => (result.body as { value: unknown[] }).value;
const fieldOf = (result: Invocation, name: string) => (result.body as unknown as Record<string, unknown>)[name];

const nothingStoredFor = async (...keys: string[]) => {
  for (const key of keys) {
    expect(await storedItems('phoneMethods', key)).toEqual([]);
    expect(await storedItems('profilePhones', key)).toEqual([]);
  }
};

describe('another user by user principal name', () => {
  let t: Tenant;
  let alex: StandInUser;
  let guest: StandInUser;
  beforeAll(async () => {
    t = await tenant();
    alex = t.directory.newUser(`Alex.Wilber.${randomUUID().slice(0, 8)}@contoso.example`);
    guest = t.directory.newUser(`megan_fabrikam.example#EXT#@contoso${randomUUID().slice(0, 8)}.onmicrosoft.com`);
  });
  afterAll(() => t.close());

  test('every phone-method operation by UPN reaches the data of the object id', async () => {
    const api = resourceCalls(t.service.handlers, PHONE_METHODS);
    const token = await adminToken();
    const upn = alex.userPrincipalName.toUpperCase(); // case-insensitive, as Entra ID is

    const created = await api.create(upn, { token, body: { phoneNumber: '+1 2065550100', phoneType: 'mobile' } });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toContain(`/users/${alex.id}/authentication/phoneMethods/${MOBILE_ID}`);
    expect(fieldOf(created, '@odata.context')).toContain(`users('${encodeURIComponent(upn)}')`);
    expect((await storedMethods(alex.id)).map((method) => String(method.id))).toEqual([MOBILE_ID]);

    expect(valueOf(await api.list(upn, { token }))).toHaveLength(1);
    expect(valueOf(await api.list(alex.id, { token }))).toHaveLength(1);
    expect(fieldOf(await api.get(upn, MOBILE_ID, { token }), 'phoneNumber')).toBe('+1 2065550100');
    const updated = await api.update(upn, MOBILE_ID, { token, body: { phoneNumber: '+1 2065550199' } });
    expect(updated.status).toBeLessThan(300);
    expect((await storedMethods(alex.id))[0]!.phoneNumber).toBe('+1 2065550199');
    expect((await api.action('enableSmsSignIn', upn, MOBILE_ID, { token })).status).toBeLessThan(500);
    expect((await api.action('disableSmsSignIn', upn, MOBILE_ID, { token })).status).toBe(204);
    expect((await api.delete(upn, MOBILE_ID, { token })).status).toBe(204);
    expect(await storedMethods(alex.id)).toEqual([]);
  });

  test('every profile-phone operation by UPN reaches the data of the object id', async () => {
    const token = await adminToken();
    const upn = alex.userPrincipalName;
    const call = (
      name: string,
      options: { method: 'GET' | 'POST' | 'PATCH' | 'DELETE'; id?: string; body?: unknown },
    ) =>
      invoke(t.service.handlers[name]!, {
        userId: upn,
        token,
        method: options.method,
        path: options.id ? `profile/phones/${options.id}` : 'profile/phones',
        params: options.id ? { id: options.id } : {},
        body: options.body,
      });

    const created = await call('createProfilePhone', { method: 'POST', body: { number: '555 0100', type: 'home' } });
    expect(created.status).toBe(201);
    const id = String(fieldOf(created, 'id'));
    expect(created.headers.get('location')).toContain(`/users/${alex.id}/profile/phones/${id}`);
    expect(valueOf(await call('listProfilePhones', { method: 'GET' }))).toHaveLength(1);
    expect(fieldOf(await call('getProfilePhone', { method: 'GET', id }), 'number')).toBe('555 0100');
    expect((await call('updateProfilePhone', { method: 'PATCH', id, body: { number: '555 0199' } })).status).toBe(200);
    expect((await storedItems('profilePhones', alex.id))[0]!.number).toBe('555 0199');
    expect((await call('deleteProfilePhone', { method: 'DELETE', id })).status).toBe(204);
    expect(await storedItems('profilePhones', alex.id)).toEqual([]);
  });

  test("a guest's #EXT# name arrives percent-decoded, is sent to the directory encoded, and resolves", async () => {
    const api = resourceCalls(t.service.handlers, PHONE_METHODS);
    const token = await adminToken();
    const created = await api.create(guest.userPrincipalName, {
      token,
      body: { phoneNumber: '+1 2065550100', phoneType: 'mobile' },
    });
    expect(created.status).toBe(201);
    expect(await storedMethods(guest.id)).toHaveLength(1);
    const call = t.directory.calls.find((c) => c.key === guest.userPrincipalName)!;
    expect(call.url).toBe(
      `/v1.0/users/${guest.userPrincipalName.replace('#', '%23').replace('#', '%23').replace('@', '%40')}?$select=id,userPrincipalName`,
    );
  });

  test("/me is the token's oid without a directory call", async () => {
    const before = t.directory.calls.length;
    const oid = randomUUID();
    const token = await userToken({ oid, scp: 'User.ReadWrite', wids: [] });
    const result = await invoke(t.service.handlers.createProfilePhoneMe!, {
      userId: '',
      me: true,
      token,
      path: 'profile/phones',
      body: { number: '555 0100' },
    });
    expect(result.status).toBe(201);
    expect(await storedItems('profilePhones', oid)).toHaveLength(1);
    expect(t.directory.calls.length).toBe(before);
  });

  test('a token without the permission is refused before the directory is asked (no existence oracle)', async () => {
    const before = t.directory.calls.length;
    const selfOnly = await userToken({ scp: 'User.ReadWrite', wids: [] });
    const results = await Promise.all(
      [alex.userPrincipalName, 'nobody@contoso.example'].map((userId) =>
        invoke(t.service.handlers.listProfilePhones!, {
          userId,
          token: selfOnly,
          method: 'GET',
          path: 'profile/phones',
        }),
      ),
    );
    expect(results.map((result) => [result.status, errorOf(result).code])).toEqual([
      [403, 'accessDenied'],
      [403, 'accessDenied'],
    ]);
    expect(t.directory.calls.length).toBe(before);
  });

  test('the token is asked for {DIRECTORY_ENDPOINT}/.default as the user-assigned identity, once, and sent on every call', () => {
    const forDirectory = identity().requests.filter((request) => request.resource === t.directory.url);
    expect(forDirectory).toEqual([
      {
        resource: t.directory.url,
        clientId: TEST_MANAGED_IDENTITY_CLIENT_ID,
        apiVersion: '2019-08-01',
        headerMatched: true,
      },
    ]);
    expect(t.directory.calls.length).toBeGreaterThan(1);
    const issued = identity().issued.get(t.directory.url);
    expect(new Set(t.directory.calls.map((call) => call.authorization))).toEqual(new Set([`Bearer ${issued}`]));
  });

  test('one directory call per user and key: later requests (any letter case) are answered from the cache', () => {
    const keys = t.directory.calls.map((call) => call.key.toLowerCase());
    expect(keys.length).toBe(new Set(keys).size);
  });
});

describe('a user the directory does not have', () => {
  let t: Tenant;
  beforeAll(async () => {
    t = await tenant();
  });
  afterAll(() => t.close());

  test.each([
    ['an object id', () => randomUUID()],
    ['a user principal name', () => `nobody.${randomUUID().slice(0, 8)}@contoso.example`],
    ['something that cannot name a user', () => 'not a user'],
  ])('%s: 404 Request_ResourceNotFound for every operation, nothing stored', async (_kind, keyOf) => {
    const key = keyOf();
    const results = await everyOperation(t.service, key, await adminToken());
    expect(results.length).toBeGreaterThanOrEqual(12);
    for (const result of results) {
      expect({ status: result.status, error: errorOf(result) }).toMatchObject({
        status: 404,
        error: {
          code: 'Request_ResourceNotFound',
          message: `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`,
        },
      });
    }
    await nothingStoredFor(key, key.toLowerCase());
  });

  test('an app token gets the same 404', async () => {
    const key = randomUUID();
    const result = await invoke(t.service.handlers.createPhoneMethod!, {
      userId: key,
      token: await appToken(['UserAuthenticationMethod.ReadWrite.All']),
      path: 'authentication/phoneMethods',
      body: { phoneNumber: '+1 2065550100', phoneType: 'mobile' },
    });
    expect([result.status, errorOf(result).code]).toEqual([404, 'Request_ResourceNotFound']);
    await nothingStoredFor(key);
  });

  test('an unknown name is asked once however often it is requested (within its 30 s)', async () => {
    const key = `ghost.${randomUUID().slice(0, 8)}@contoso.example`;
    const token = await adminToken();
    for (let i = 0; i < 3; i += 1) await everyOperation(t.service, key, token);
    expect(t.directory.calls.filter((call) => call.key === key)).toHaveLength(1);
  });
});

describe("$batch: its items' users are looked up together, in one JSON batch to the directory", () => {
  test('20 creates by user principal name: one directory call of 20 lookups, every item stored under its object id', async () => {
    await using t = await tenant();
    const users = Array.from({ length: 20 }, (_, i) =>
      t.directory.newUser(`batch${i}.${randomUUID().slice(0, 8)}@contoso.example`),
    );
    const result = await postBatch(batchHandlerFor(t.service.services), {
      token: await adminToken(),
      requests: users.map((user, i) => createItem(String(i + 1), user.userPrincipalName, randomNumber())),
    });
    expect(result.status).toBe(200);
    expect(users.map((_, i) => result.byId[String(i + 1)]!.status)).toEqual(users.map(() => 201));
    expect(t.directory.batches).toEqual([20]);
    expect(t.directory.calls.map((call) => call.key).sort()).toEqual(
      users.map((user) => user.userPrincipalName).sort(),
    );
    for (const user of users) expect(await storedMethods(user.id)).toHaveLength(1);
  });

  test('only the users an item may act on are looked up; unknown ones answer 404 and the rest are unaffected', async () => {
    await using t = await tenant();
    const [first, second] = [0, 1].map((i) =>
      t.directory.newUser(`mixed${i}.${randomUUID().slice(0, 8)}@contoso.example`),
    );
    const unknown = `nobody.${randomUUID().slice(0, 8)}@contoso.example`;
    const selfOnly = await userToken({ scp: 'UserAuthenticationMethod.ReadWrite', wids: [] });
    const denied = await postBatch(batchHandlerFor(t.service.services), {
      token: selfOnly,
      requests: [first!, second!].map((user, i) => createItem(String(i + 1), user.userPrincipalName, randomNumber())),
    });
    expect([denied.byId['1']!.status, denied.byId['2']!.status]).toEqual([403, 403]);
    expect(t.directory.calls).toEqual([]);

    const mixed = await postBatch(batchHandlerFor(t.service.services), {
      token: await adminToken(),
      requests: [
        createItem('1', first!.userPrincipalName, randomNumber()),
        createItem('2', unknown, randomNumber()),
        createItem('3', 'not a user', randomNumber()),
        { id: '4', method: 'GET', url: `/users/${second!.id}/authentication/phoneMethods` },
        { id: '5', method: 'GET', url: '/me/authentication/phoneMethods' },
      ],
    });
    expect(['1', '2', '3', '4', '5'].map((id) => mixed.byId[id]!.status)).toEqual([201, 404, 404, 200, 200]);
    expect(t.directory.batches).toEqual([3]);
    expect(t.directory.calls.map((call) => call.key).sort()).toEqual(
      [first!.userPrincipalName, unknown, second!.id].sort(),
    );
    await nothingStoredFor(unknown);
  });
});

describe('a directory that cannot answer: 503 with Retry-After, nothing stored', () => {
  let token: string;
  beforeAll(async () => {
    token = await adminToken();
  });

  /** A tenant of its own (its own cache and throttling pause) with one user the service has not seen. */
  async function withUser(run: (t: Tenant, user: StandInUser) => Promise<void>, deadlineMs = 300) {
    await using t = await tenant({ deadlineMs });
    await run(t, t.directory.newUser(`user.${randomUUID()}@contoso.example`));
  }

  async function expectUnavailable(t: Tenant, user: StandInUser): Promise<string[]> {
    const retryAfter: string[] = [];
    for (const key of [user.id, user.userPrincipalName]) {
      for (const result of await everyOperation(t.service, key, token)) {
        expect([result.status, errorOf(result).code]).toEqual([503, 'serviceNotAvailable']);
        expect(Number(result.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect(JSON.stringify(result.body)).not.toMatch(/stand-in|127\.0\.0\.1/);
        retryAfter.push(result.headers.get('retry-after')!);
      }
    }
    await nothingStoredFor(user.id);
    return retryAfter;
  }

  test("throttled (429): Graph's own Retry-After, and the directory is not called again until it has passed", () =>
    withUser(async (t, user) => {
      t.directory.fault = { status: 429, retryAfter: '7' };
      const retryAfter = await expectUnavailable(t, user);
      expect(t.directory.calls).toHaveLength(1);
      expect(retryAfter).toContain('7');
      expect(retryAfter.every((seconds) => Number(seconds) <= 7)).toBe(true);
    }));

  test.each([500, 503, 401, 403])('answering %i', (status) =>
    withUser(async (t, user) => {
      t.directory.fault = { status };
      await expectUnavailable(t, user);
    }),
  );

  test('too slow: the lookup deadline ends the wait', () =>
    withUser(async (t, user) => {
      t.directory.fault = { delayMs: 3_000 };
      await expectUnavailable(t, user);
    }));

  test('the managed identity endpoint refuses a token: 503, and the directory is never called', () =>
    withUser(async (t, user) => {
      identity().refuse = true;
      try {
        await expectUnavailable(t, user);
        expect(t.directory.calls).toEqual([]);
      } finally {
        identity().refuse = false;
      }
    }));

  test('stopped (connections refused): 503', () =>
    withUser(async (t, user) => {
      await t.directory.close();
      await expectUnavailable(t, user);
    }));

  test('a failure is not remembered: the next request after the fault resolves the user', () =>
    withUser(async (t, user) => {
      t.directory.fault = { status: 500 };
      expect((await everyOperation(t.service, user.userPrincipalName, token))[0]!.status).toBe(503);
      t.directory.fault = undefined;
      const [list] = await everyOperation(t.service, user.userPrincipalName, token);
      expect(list!.status).toBeLessThan(300);
    }));
});

describe('DIRECTORY_ENDPOINT=none: the second release (object ids and your own UPN, no existence check)', () => {
  const service = loadServiceWith({ DIRECTORY_ENDPOINT: 'none' });
  afterAll(() => service.dispose());

  test('services have no directory, and the start-up line says so', () => {
    expect(service.services.directory).toBeUndefined();
    expect(service.services.config.directory).toBeUndefined();
    expect(directoryMode(service.services.config)).toBe(
      "off (DIRECTORY_ENDPOINT=none): object ids and the caller's own UPN only, no existence check",
    );
    expect(directoryMode(parseConfig({ ...process.env, DIRECTORY_ENDPOINT: 'https://graph.microsoft.us' }))).toBe(
      'Microsoft Graph at https://graph.microsoft.us (found users cached 300 s)',
    );
  });

  test('a bad DIRECTORY_ENDPOINT or DIRECTORY_CACHE_SECONDS stops the start, naming the variable', () => {
    expect(() => parseConfig({ ...process.env, DIRECTORY_ENDPOINT: 'http://graph.example.com' })).toThrow(
      /DIRECTORY_ENDPOINT: must be an https URL/,
    );
    expect(() => parseConfig({ ...process.env, DIRECTORY_ENDPOINT: 'https://graph.microsoft.com/v1.0' })).toThrow(
      /DIRECTORY_ENDPOINT: must be an origin/,
    );
    expect(() => parseConfig({ ...process.env, DIRECTORY_CACHE_SECONDS: '0' })).toThrow(/DIRECTORY_CACHE_SECONDS/);
    expect(() => parseConfig({ ...process.env, AZURE_CLIENT_ID: 'not-a-guid' })).toThrow(/AZURE_CLIENT_ID/);
    expect(parseConfig({ ...process.env, DIRECTORY_ENDPOINT: '' }).directory?.endpoint).toBe(
      'https://graph.microsoft.com',
    );
  });

  test("another user's UPN is a 400 that says what the path accepts; any object id is accepted", async () => {
    const api = resourceCalls(service.handlers, PHONE_METHODS);
    const token = await adminToken();
    const refused = await api.create('someone.else@contoso.example', {
      token,
      body: { phoneNumber: '+1 2065550100', phoneType: 'mobile' },
    });
    expect(refused.status).toBe(400);
    expect(errorOf(refused).message).toMatch(/object id \(a GUID\)/);
    expect((refused.body as { error: { details: { target: string }[] } }).error.details[0]!.target).toBe('userId');

    const anyone = randomUUID();
    const created = await api.create(anyone, { token, body: { phoneNumber: '+1 2065550100', phoneType: 'mobile' } });
    expect(created.status).toBe(201);
    expect(await storedMethods(anyone)).toHaveLength(1);
  });
});
