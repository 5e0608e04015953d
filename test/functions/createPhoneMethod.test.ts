import { randomUUID } from 'node:crypto';
import { phoneAuthenticationMethodResource } from '../../shared/models/phoneAuthenticationMethod';
import {
  ALTERNATE_MOBILE_ID,
  MOBILE_ID,
  OFFICE_ID,
  PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
} from '../support/constants';
import { invoke } from '../support/invoke';
import { storedItems } from '../support/storage';
import { appToken, userToken } from '../support/tokens';
import { testService } from '../support/service';

const { createPhoneMethod } = testService();

const PATH = 'authentication/phoneMethods';
const ODATA_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

const call = (userId: string, token: string, body: unknown, headers?: Record<string, string>) =>
  invoke(createPhoneMethod, { userId, token, body, path: PATH, headers });

const storedFor = (userId: string) => storedItems('phoneMethods', userId);

describe('POST /beta/users/{userId}/authentication/phoneMethods', () => {
  test('201 with Graph headers, @odata.context first, Location, and the stored document', async () => {
    const userId = randomUUID();
    const token = await userToken();
    const result = await call(
      userId.toUpperCase(),
      token,
      { phoneNumber: '+1 2065550100', phoneType: 'mobile' },
      {
        'client-request-id': 'caller-chosen-id-1',
      },
    );

    expect(result.status).toBe(201);
    expect(result.headers.get('content-type')).toBe(ODATA_JSON);
    expect(result.headers.get('odata-version')).toBe('4.0');
    expect(result.headers.get('cache-control')).toBe('no-cache');
    expect(result.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.headers.get('client-request-id')).toBe('caller-chosen-id-1');
    expect(result.headers.get('location')).toBe(
      `http://localhost:7071/beta/users/${userId}/authentication/phoneMethods/${MOBILE_ID}`,
    );

    expect(Object.keys(result.body)[0]).toBe('@odata.context');
    expect(result.body['@odata.context']).toBe(
      `http://localhost:7071/beta/$metadata#users('${userId.toUpperCase()}')/authentication/phoneMethods/$entity`,
    );
    expect(result.body).toMatchObject({
      '@odata.type': '#microsoft.graph.phoneAuthenticationMethod',
      id: MOBILE_ID,
      phoneNumber: '+1 2065550100',
      phoneType: 'mobile',
      smsSignInState: 'notAllowedByPolicy',
    });
    expect(Date.now() - Date.parse(result.body.createdDateTime)).toBeLessThan(60_000);
    const { '@odata.context': _context, ...resource } = result.body;
    expect(phoneAuthenticationMethodResource.parse(resource)).toEqual(resource);

    // With the tenant policy off a new mobile is stored notEnabled and reported notAllowedByPolicy.
    const stored = await storedFor(userId);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toEqual({ ...resource, smsSignInState: 'notEnabled' });
  });

  test('client-request-id defaults to request-id', async () => {
    const result = await call(randomUUID(), await userToken(), { phoneNumber: '+1 2065550100', phoneType: 'office' });
    expect(result.status).toBe(201);
    expect(result.headers.get('client-request-id')).toBe(result.headers.get('request-id'));
  });

  test.each([
    ['+12065550100', '+1 2065550100'],
    ['+1 2065550100x123', '+1 2065550100x123'],
    ['+44 07911123456', '+44 7911123456'],
    ['+33612345678', '+33 612345678'],
  ])('accepts %s and stores it as %s', async (given, normalized) => {
    const userId = randomUUID();
    const result = await call(userId, await userToken(), { phoneNumber: given, phoneType: 'mobile' });
    expect(result.status).toBe(201);
    expect(result.body.phoneNumber).toBe(normalized);
    expect((await storedFor(userId))[0]!.phoneNumber).toBe(normalized);
  });

  test.each([
    '2065550100',
    '+1 555',
    '+999 12345678',
    '+1 (206) 555-0100',
    '+12 065550100',
    'call me',
    '+1 2065550100 ext 5',
  ])('rejects the phone number %j with a 400 naming phoneNumber, and stores nothing', async (phoneNumber) => {
    const userId = randomUUID();
    const result = await call(userId, await userToken(), { phoneNumber, phoneType: 'mobile' });
    expect(result.status).toBe(400);
    expect(result.body.error.code).toBe('badRequest');
    expect(result.body.error.details.map((d: { target: string }) => d.target)).toEqual(['phoneNumber']);
    expect(await storedFor(userId)).toEqual([]);
  });

  test('fixed ids per type; office and alternateMobile are notSupported for SMS sign-in', async () => {
    const userId = randomUUID();
    const token = await userToken();
    const office = await call(userId, token, { phoneNumber: '+1 4255550100', phoneType: 'office' });
    const mobile = await call(userId, token, { phoneNumber: '+1 4255550101', phoneType: 'mobile' });
    const alternate = await call(userId, token, { phoneNumber: '+1 4255550102', phoneType: 'alternateMobile' });
    expect([office.status, mobile.status, alternate.status]).toEqual([201, 201, 201]);
    expect([office.body.id, mobile.body.id, alternate.body.id]).toEqual([OFFICE_ID, MOBILE_ID, ALTERNATE_MOBILE_ID]);
    expect([office.body.smsSignInState, mobile.body.smsSignInState, alternate.body.smsSignInState]).toEqual([
      'notSupported',
      'notAllowedByPolicy',
      'notSupported',
    ]);
    expect((await storedFor(userId)).map((d) => d.id).sort()).toEqual(
      [ALTERNATE_MOBILE_ID, MOBILE_ID, OFFICE_ID].sort(),
    );
  });

  test('a second method of a type is 409 conflict and leaves the first one as it was', async () => {
    const userId = randomUUID();
    const token = await userToken();
    expect((await call(userId, token, { phoneNumber: '+1 2065550100', phoneType: 'mobile' })).status).toBe(201);
    const second = await call(userId, token, { phoneNumber: '+1 2065550199', phoneType: 'mobile' });
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('conflict');
    const stored = await storedFor(userId);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.phoneNumber).toBe('+1 2065550100');
  });

  test('N parallel creates of one type: exactly one 201, the rest 409, one document', async () => {
    const userId = randomUUID();
    const token = await userToken();
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        call(userId, token, { phoneNumber: `+1 20655501${String(i).padStart(2, '0')}`, phoneType: 'office' }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(11);
    const winner = results.find((r) => r.status === 201)!;
    const stored = await storedFor(userId);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.phoneNumber).toBe(winner.body.phoneNumber);
  });

  test('alternateMobile without a mobile method is 400 and stores nothing', async () => {
    const userId = randomUUID();
    const result = await call(userId, await userToken(), {
      phoneNumber: '+1 2065550100',
      phoneType: 'alternateMobile',
    });
    expect(result.status).toBe(400);
    expect(result.body.error.details).toEqual([expect.objectContaining({ target: 'phoneType' })]);
    expect(await storedFor(userId)).toEqual([]);
  });

  test("Graph's documented example request (placeholder values) gets a 400 listing each placeholder property", async () => {
    const userId = randomUUID();
    const seedExample = {
      '@odata.type': '#microsoft.graph.phoneAuthenticationMethod',
      phoneNumber: 'String',
      phoneType: 'String',
      smsSignInState: 'String',
    };
    const result = await call(userId, await userToken(), seedExample);
    expect(result.status).toBe(400);
    expect(result.body.error.details.map((d: { target: string }) => d.target).sort()).toEqual([
      'phoneNumber',
      'phoneType',
      'smsSignInState',
    ]);
    expect(await storedFor(userId)).toEqual([]);
  });

  test('server-managed properties of the right type are accepted and replaced by the server', async () => {
    const userId = randomUUID();
    const result = await call(userId, await userToken(), {
      '@odata.type': 'microsoft.graph.phoneAuthenticationMethod',
      id: 'my-own-id',
      smsSignInState: 'ready',
      createdDateTime: '2001-01-01T00:00:00Z',
      phoneNumber: '+1 2065550100',
      phoneType: 'office',
    });
    expect(result.status).toBe(201);
    expect(result.body.id).toBe(OFFICE_ID);
    expect(result.body.smsSignInState).toBe('notSupported');
    expect(result.body.createdDateTime).not.toBe('2001-01-01T00:00:00Z');
  });

  test.each([
    [
      { phoneNumber: '+1 2065550100', phoneType: 'mobile', color: 'red' },
      'color',
      "The property 'color' does not exist on type 'microsoft.graph.phoneAuthenticationMethod'.",
    ],
    [{ phoneNumber: '+1 2065550100', phoneType: 'unknownFutureValue' }, 'phoneType', undefined],
    [
      { phoneNumber: '+1 2065550100', phoneType: 'mobile', smsSignInState: 'unknownFutureValue' },
      'smsSignInState',
      undefined,
    ],
    [
      { '@odata.type': '#microsoft.graph.itemPhone', phoneNumber: '+1 2065550100', phoneType: 'mobile' },
      '@odata.type',
      undefined,
    ],
    [{ phoneNumber: '+1 2065550100', phoneType: 'mobile', id: 42 }, 'id', undefined],
    [{ phoneType: 'mobile' }, 'phoneNumber', "The property 'phoneNumber' is required."],
  ])('400 for %j naming %s', async (body, target, message) => {
    const userId = randomUUID();
    const result = await call(userId, await userToken(), body);
    expect(result.status).toBe(400);
    expect(result.body.error.details).toEqual([expect.objectContaining({ target, ...(message ? { message } : {}) })]);
    expect(await storedFor(userId)).toEqual([]);
  });
});

describe('phoneMethods create permissions', () => {
  const body = { phoneNumber: '+1 2065550100', phoneType: 'mobile' };

  test.each([
    'UserAuthMethod-Phone.ReadWrite',
    'UserAuthMethod-Phone.ReadWrite.All',
    'UserAuthenticationMethod.ReadWrite',
    'UserAuthenticationMethod.ReadWrite.All',
  ])('delegated %s with a directory role on another user: 201', async (scp) => {
    const userId = randomUUID();
    expect((await call(userId, await userToken({ scp: `User.Read ${scp}` }), body)).status).toBe(201);
    expect(await storedFor(userId)).toHaveLength(1);
  });

  test('the Privileged Authentication Administrator role is accepted too', async () => {
    const result = await call(randomUUID(), await userToken({ wids: [PRIVILEGED_AUTHENTICATION_ADMINISTRATOR] }), body);
    expect(result.status).toBe(201);
  });

  test.each([
    ['no phone scope', { scp: 'User.Read User.ReadWrite.All' }, 'scope="UserAuthMethod-Phone.ReadWrite'],
    [
      'a reader role only (Global Reader)',
      { wids: ['f2ef992c-3afb-46b9-b7cf-a126ee74c451'] },
      'error="insufficient_scope"',
    ],
    ['no wids at all', { wids: [] }, 'error="insufficient_scope"'],
  ])('delegated with %s: 403 and nothing written', async (_name, options, header) => {
    const userId = randomUUID();
    const result = await call(userId, await userToken(options), body);
    expect(result.status).toBe(403);
    expect(result.body.error.code).toBe('accessDenied');
    expect(result.headers.get('www-authenticate')).toContain(header);
    expect(await storedFor(userId)).toEqual([]);
  });

  test('delegated on the caller themself (by object id or own UPN): 403', async () => {
    const oid = randomUUID();
    const token = await userToken({ oid, upn: 'Adele@Contoso.example' });
    const byId = await call(oid, token, body);
    const byUpn = await call('adele@contoso.example', token, body);
    expect([byId.status, byUpn.status]).toEqual([403, 403]);
    expect(await storedFor(oid)).toEqual([]);
  });

  test("another user's UPN is a 400 that says what the path accepts", async () => {
    const result = await call('someone.else@contoso.example', await userToken(), body);
    expect(result.status).toBe(400);
    expect(result.body.error.message).toMatch(/object id \(a GUID\)/);
    expect(result.body.error.details[0]?.target).toBe('userId');
  });

  test.each(['UserAuthenticationMethod.ReadWrite.All', 'UserAuthMethod-Phone.ReadWrite.All'])(
    'application role %s: 201',
    async (role) => {
      const userId = randomUUID();
      expect((await call(userId, await appToken([role]), body)).status).toBe(201);
      expect(await storedFor(userId)).toHaveLength(1);
    },
  );

  test('application without a phone role (a delegated scope name in roles does not count): 403', async () => {
    const userId = randomUUID();
    const result = await call(
      userId,
      await appToken(['User.ReadWrite.All', 'UserAuthenticationMethod.ReadWrite']),
      body,
    );
    expect(result.status).toBe(403);
    expect(result.headers.get('www-authenticate')).toContain(
      'scope="UserAuthenticationMethod.ReadWrite.All UserAuthMethod-Phone.ReadWrite.All"',
    );
    expect(await storedFor(userId)).toEqual([]);
  });

  test('a delegated token whose roles carry the application permission is judged by scp only: 403', async () => {
    const userId = randomUUID();
    const token = await userToken({ scp: 'User.Read', extra: { roles: ['UserAuthenticationMethod.ReadWrite.All'] } });
    expect((await call(userId, token, body)).status).toBe(403);
    expect(await storedFor(userId)).toEqual([]);
  });
});
