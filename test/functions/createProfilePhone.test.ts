import { randomUUID } from 'node:crypto';
import { itemPhoneResource } from '../../shared/models/itemPhone';
import { TEST_CLIENT_APP_ID } from '../support/constants';
import { invoke } from '../support/invoke';
import { storedItems } from '../support/storage';
import { appToken, userToken } from '../support/tokens';
import { testService } from '../support/service';

const { createProfilePhone } = testService();

const PATH = 'profile/phones';
const call = (userId: string, token: string, body: unknown, collection = 'users') =>
  invoke(createProfilePhone, { userId, token, body, path: PATH, collection });
const storedFor = (userId: string) => storedItems('profilePhones', userId);

/** A delegated caller editing their own profile. */
async function self(scp = 'User.ReadWrite') {
  const oid = randomUUID();
  return {
    oid,
    token: await userToken({ oid, scp, wids: [], name: 'Megan Bowen', upn: 'Megan.Bowen@Contoso.example' }),
  };
}

describe('POST /beta/users/{userId}/profile/phones', () => {
  test.each(['users', 'user'])(
    '201 on /%s/ with Graph headers, defaults, createdBy from the token, stored as returned',
    async (collection) => {
      const { oid, token } = await self();
      const result = await call(
        oid,
        token,
        { number: ' +1 (425) 555-0100 ', type: 'business', displayName: 'Desk' },
        collection,
      );

      expect(result.status).toBe(201);
      expect(result.headers.get('content-type')).toContain('odata.metadata=minimal');
      expect(result.headers.get('odata-version')).toBe('4.0');
      expect(result.headers.get('location')).toBe(
        `http://localhost:7071/beta/users/${oid}/profile/phones/${result.body.id}`,
      );
      expect(Object.keys(result.body)[0]).toBe('@odata.context');
      expect(result.body['@odata.context']).toBe(
        `http://localhost:7071/beta/$metadata#users('${oid}')/profile/phones/$entity`,
      );
      expect(result.body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(result.body).toMatchObject({
        '@odata.type': '#microsoft.graph.itemPhone',
        number: '+1 (425) 555-0100',
        type: 'business',
        displayName: 'Desk',
        allowedAudiences: 'organization',
        inference: null,
        createdBy: {
          user: { id: oid, displayName: 'Megan Bowen' },
          application: { id: TEST_CLIENT_APP_ID, displayName: null },
        },
      });
      expect(result.body.lastModifiedBy).toEqual(result.body.createdBy);
      expect(result.body.lastModifiedDateTime).toBe(result.body.createdDateTime);
      const { '@odata.context': _context, ...resource } = result.body;
      expect(itemPhoneResource.parse(resource)).toEqual(resource);

      const stored = await storedFor(oid);
      expect(stored).toHaveLength(1);
      expect(stored[0]).toEqual(resource);
    },
  );

  test("the caller's own UPN resolves to their object id; the context keeps the UPN as given", async () => {
    const { oid, token } = await self();
    const result = await call('megan.bowen@contoso.example', token, { number: '555 0100' });
    expect(result.status).toBe(201);
    expect(result.body['@odata.context']).toContain(`users('megan.bowen%40contoso.example')/profile/phones`);
    expect(result.headers.get('location')).toContain(`/beta/users/${oid}/profile/phones/`);
    expect(await storedFor(oid)).toHaveLength(1);
  });

  test('allowedAudiences flags and inference are normalized and kept', async () => {
    const { oid, token } = await self();
    const result = await call(oid, token, {
      number: '+49 30 1234567',
      allowedAudiences: 'family, me,family',
      inference: {
        '@odata.type': '#microsoft.graph.inferenceData',
        confidenceScore: 0.75,
        userHasVerifiedAccuracy: false,
      },
    });
    expect(result.status).toBe(201);
    expect(result.body.allowedAudiences).toBe('me,family');
    expect(result.body.inference).toEqual({ confidenceScore: 0.75, userHasVerifiedAccuracy: false });
  });

  test('the documented example request (placeholder values) gets a 400 listing each placeholder property, and nothing is stored', async () => {
    const { oid, token } = await self();
    const seedExample = {
      '@odata.type': '#Microsoft.Fast.PI.ViewGenerator.V2.Profile.Models.itemPhone',
      allowedAudiences: 'String',
      inference: {
        '@odata.type': 'Microsoft.Fast.PI.ViewGenerator.V2.Profile.Models.inferenceData',
        confidenceScore: 'Double',
        userHasVerifiedAccuracy: true,
      },
      createdBy: {
        '@odata.type': 'Microsoft.Fast.PI.ViewGenerator.V2.Profile.Models.identitySet',
        application: {
          '@odata.type': 'Microsoft.Fast.PI.ViewGenerator.V2.Profile.Models.identity',
          displayName: 'Display Name value',
          id: 'Id value',
        },
        device: { '@odata.type': 'Microsoft.Fast.PI.ViewGenerator.V2.Profile.Models.identity' },
        user: { '@odata.type': 'Microsoft.Fast.PI.ViewGenerator.V2.Profile.Models.identity' },
      },
      displayName: 'Display Name value',
      type: 'String',
      number: 'Number value',
    };
    const result = await call(oid, token, seedExample, 'user');
    expect(result.status).toBe(400);
    expect(result.body.error.details.map((d: { target: string }) => d.target).sort()).toEqual(
      ['allowedAudiences', 'inference.confidenceScore', 'number', 'type'].sort(),
    );
    expect(await storedFor(oid)).toEqual([]);
  });

  test('server-managed properties are type-checked, then the server values win', async () => {
    const { oid, token } = await self();
    const result = await call(oid, token, {
      number: '+1 425 555 0100',
      id: 'chosen-by-client',
      createdDateTime: '2016-12-31T23:59:45.9448095+03:00',
      lastModifiedDateTime: '2017-01-01T00:00:42.7561162+03:00',
      createdBy: { user: { id: 'someone-else', displayName: 'Mallory' } },
      lastModifiedBy: null,
    });
    expect(result.status).toBe(201);
    expect(result.body.id).not.toBe('chosen-by-client');
    expect(result.body.createdDateTime).not.toContain('2016');
    expect(result.body.createdBy.user).toEqual({ id: oid, displayName: 'Megan Bowen' });
  });

  test.each([
    [
      { number: '1', nickname: 'x' },
      'nickname',
      "The property 'nickname' does not exist on type 'microsoft.graph.itemPhone'.",
    ],
    [
      { number: '1', inference: { confidenceScore: 0.5, source: 'x' } },
      'inference.source',
      "The property 'source' does not exist on type 'microsoft.graph.inferenceData'.",
    ],
    [{ number: '1', type: 'unknownFutureValue' }, 'type', undefined],
    [{ number: '1', allowedAudiences: 'me,unknownFutureValue' }, 'allowedAudiences', undefined],
    [{ number: '1', '@odata.type': '#microsoft.graph.phoneAuthenticationMethod' }, '@odata.type', undefined],
    [{ number: '1', createdDateTime: 'yesterday' }, 'createdDateTime', undefined],
    [{ number: '1', inference: { confidenceScore: 1.5 } }, 'inference.confidenceScore', undefined],
    [{ number: 'no digits' }, 'number', undefined],
    [{ number: '   ' }, 'number', undefined],
    [{ number: '1'.repeat(65) }, 'number', undefined],
    [{ number: '1\u0000' }, 'number', undefined],
    [{ number: '1', displayName: 'x'.repeat(257) }, 'displayName', undefined],
    [{}, 'number', "The property 'number' is required."],
  ])('400 for %j naming %s', async (body, target, message) => {
    const { oid, token } = await self();
    const result = await call(oid, token, body);
    expect(result.status).toBe(400);
    expect(result.body.error.code).toBe('badRequest');
    expect(result.body.error.details).toEqual([expect.objectContaining({ target, ...(message ? { message } : {}) })]);
    expect(await storedFor(oid)).toEqual([]);
  });
});

describe('profile phones create permissions', () => {
  const body = { number: '+1 425 555 0100' };

  test.each(['User.ReadWrite', 'User.ReadWrite.All'])('delegated %s on own profile: 201', async (scp) => {
    const { oid, token } = await self(scp);
    expect((await call(oid, token, body)).status).toBe(201);
    expect(await storedFor(oid)).toHaveLength(1);
  });

  test('delegated User.ReadWrite.All on another user: 201', async () => {
    const target = randomUUID();
    const { token } = await self('User.ReadWrite.All');
    expect((await call(target, token, body)).status).toBe(201);
    expect(await storedFor(target)).toHaveLength(1);
  });

  test('delegated User.ReadWrite on another user: 403 naming User.ReadWrite.All', async () => {
    const target = randomUUID();
    const { token } = await self('User.ReadWrite');
    const result = await call(target, token, body);
    expect(result.status).toBe(403);
    expect(result.headers.get('www-authenticate')).toBe(
      'Bearer realm="graph-phones", error="insufficient_scope", scope="User.ReadWrite.All"',
    );
    expect(await storedFor(target)).toEqual([]);
  });

  test('delegated without a User.ReadWrite scope: 403', async () => {
    const { oid, token } = await self('User.Read UserAuthenticationMethod.ReadWrite.All');
    const result = await call(oid, token, body);
    expect(result.status).toBe(403);
    expect(result.headers.get('www-authenticate')).toContain('scope="User.ReadWrite User.ReadWrite.All"');
    expect(await storedFor(oid)).toEqual([]);
  });

  test('application tokens are not supported, whatever their roles: 403', async () => {
    const target = randomUUID();
    const result = await call(target, await appToken(['User.ReadWrite.All']), body);
    expect(result.status).toBe(403);
    expect(result.body.error.code).toBe('accessDenied');
    expect(await storedFor(target)).toEqual([]);
  });
});
