import { randomUUID } from 'node:crypto';
import { DEFAULT_STORAGE_TIMING } from '../../../shared/storage/timing';
import { ALTERNATE_MOBILE_ID, MOBILE_ID } from '../../support/constants';
import { batchHandlerFor, createItem, postBatch } from '../../support/batch';
import { loadServiceBehindFaultProxy, loadServiceWith } from '../../support/isolated';
import { randomNumber, storedMethods } from '../../support/phoneMethods';
import { testService } from '../../support/service';
import { storedItems } from '../../support/storage';
import { userToken } from '../../support/tokens';

/**
 * `POST /beta/$batch` case by case, through the real pipeline and storage: every item is answered by
 * its registration's own handler, every write is read back from the stored documents.
 */

const batch = batchHandlerFor(testService().services);
let token: string;
beforeAll(async () => {
  token = await userToken();
});

const users = (count: number) => Array.from({ length: count }, () => randomUUID());

describe('a batch of independent requests', () => {
  test('20 creates for 20 users: 200, one 201 per item in request order, each stored once', async () => {
    const ids = users(20);
    const numbers = ids.map(() => randomNumber());
    const result = await postBatch(batch, {
      token,
      requests: ids.map((userId, index) => createItem(String(index + 1), userId, numbers[index]!)),
    });
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toMatch(/^application\/json/);
    expect(result.body.responses?.map((answer: { id: string }) => answer.id)).toEqual(
      ids.map((_, index) => String(index + 1)),
    );
    for (const [index, userId] of ids.entries()) {
      const answer = result.byId[String(index + 1)]!;
      expect(answer.status).toBe(201);
      expect(answer.headers.Location).toBe(
        `http://localhost:7071/beta/users/${userId}/authentication/phoneMethods/${MOBILE_ID}`,
      );
      expect(answer.body).toMatchObject({ id: MOBILE_ID, phoneNumber: numbers[index], phoneType: 'mobile' });
      expect(answer.body?.['@odata.context']).toContain(`users('${userId}')/authentication/phoneMethods/$entity`);
      expect((await storedMethods(userId)).map((method) => method.phoneNumber)).toEqual([numbers[index]]);
    }
  });

  test('the batch has one request-id, each item its own; each item logs one line under the batch invocation', async () => {
    const [first, second] = users(2);
    const result = await postBatch(batch, {
      token,
      requests: [
        createItem('a', first!, randomNumber(), 'mobile', {
          headers: { 'Content-Type': 'application/json', 'client-request-id': 'item-a' },
        }),
        { id: 'b', method: 'GET', url: `/users/${second}/authentication/phoneMethods` },
      ],
    });
    const batchId = result.headers.get('request-id');
    const itemIds = ['a', 'b'].map((id) => result.byId[id]!.headers['request-id']);
    expect(new Set([batchId, ...itemIds]).size).toBe(3);
    expect(result.byId.a!.headers['client-request-id']).toBe('item-a');
    expect(result.byId.b).toMatchObject({ status: 200, body: { value: [] } });
    const lines = result.logs;
    expect(lines.map((line) => [line.function, line.status, line.invocationId])).toEqual(
      expect.arrayContaining([
        ['createPhoneMethod', 201, 'batch-invocation'],
        ['listPhoneMethods', 200, 'batch-invocation'],
        ['batchBeta', 200, 'batch-invocation'],
      ]),
    );
    expect(lines).toHaveLength(3);
    // Identifiers and outcomes only: no phone number, no token.
    const text = JSON.stringify(lines);
    expect(text).not.toMatch(/\+44 ?7\d{9}/);
    expect(text).not.toContain(token);
    expect(lines.map((line) => line.requestId).sort()).toEqual([batchId, ...itemIds].sort());
  });

  test("Graph's URL forms: with or without the leading slash, an absolute URL of this service and version, a query", async () => {
    const [userId] = users(1);
    const result = await postBatch(batch, {
      token: await userToken({ scp: 'UserAuthenticationMethod.ReadWrite.All User.Read.All' }),
      requests: [
        createItem('1', userId!, randomNumber()),
        { id: '2', method: 'GET', url: `users/${userId}/authentication/phoneMethods`, dependsOn: ['1'] },
        {
          id: '3',
          method: 'GET',
          url: `http://localhost:7071/beta/users/${userId}/authentication/phoneMethods/${MOBILE_ID}`,
          dependsOn: ['1'],
        },
        { id: '4', method: 'get', url: `/users/${userId}/profile/phones?$top=1`, dependsOn: ['1'] },
      ],
    });
    expect(result.status).toBe(200);
    expect([1, 2, 3, 4].map((id) => result.byId[String(id)]!.status)).toEqual([201, 200, 200, 200]);
    expect(result.byId['2']!.body?.value).toHaveLength(1);
    expect(result.byId['3']!.body?.id).toBe(MOBILE_ID);
    expect(result.byId['4']!.body?.value).toEqual([]);
  });

  test('a failed item fails alone: bad body, unknown route, unserved method, missing Content-Type, permission', async () => {
    const [good, other] = users(2);
    const readOnly = await userToken({ scp: 'UserAuthenticationMethod.Read.All' });
    const result = await postBatch(batch, {
      token,
      requests: [
        createItem('ok', good!, randomNumber()),
        createItem('badNumber', other!, 'not a number'),
        { id: 'noRoute', method: 'GET', url: `/users/${other}/authentication/fidoMethods` },
        { id: 'noMethod', method: 'PUT', url: `/users/${other}/authentication/phoneMethods` },
        {
          id: 'noType',
          method: 'POST',
          url: `/users/${other}/authentication/phoneMethods`,
          body: { phoneType: 'office' },
        },
      ],
    });
    expect(result.status).toBe(200);
    expect(Object.fromEntries(Object.values(result.byId).map((answer) => [answer.id, answer.status]))).toEqual({
      ok: 201,
      badNumber: 400,
      noRoute: 400,
      noMethod: 405,
      noType: 415,
    });
    expect(result.byId.noRoute!.body?.error).toMatchObject({
      code: 'BadRequest',
      message: "Resource not found for the segment 'fidoMethods'.",
    });
    expect(result.byId.noMethod!.headers.Allow).toContain('POST');
    expect(await storedMethods(other!)).toEqual([]);

    const denied = await postBatch(batch, { token: readOnly, requests: [createItem('1', other!, randomNumber())] });
    expect(denied.status).toBe(200);
    expect(denied.byId['1']).toMatchObject({ status: 403, body: { error: { code: 'accessDenied' } } });
    expect(await storedMethods(other!)).toEqual([]);
  });
});

describe('dependsOn', () => {
  test('a chain runs in order: mobile, then alternateMobile, then the list shows both', async () => {
    const [userId] = users(1);
    const result = await postBatch(batch, {
      token,
      requests: [
        { id: 'list', method: 'GET', url: `/users/${userId}/authentication/phoneMethods`, dependsOn: ['alternate'] },
        createItem('alternate', userId!, randomNumber(), 'alternateMobile', { dependsOn: ['mobile'] }),
        createItem('mobile', userId!, randomNumber()),
      ],
    });
    expect([result.byId.mobile!.status, result.byId.alternate!.status, result.byId.list!.status]).toEqual([
      201, 201, 200,
    ]);
    expect(result.byId.list!.body?.value?.map((method: { id: string }) => method.id)).toEqual([
      MOBILE_ID,
      ALTERNATE_MOBILE_ID,
    ]);
  });

  test('a chain with a failing dependency: the dependents answer 424 failedDependency and write nothing, others run', async () => {
    const [userId, other] = users(2);
    const result = await postBatch(batch, {
      token,
      requests: [
        createItem('1', userId!, 'not a number'),
        createItem('2', userId!, randomNumber(), 'mobile', { dependsOn: ['1'] }),
        createItem('3', userId!, randomNumber(), 'office', { dependsOn: ['2'] }),
        createItem('4', other!, randomNumber()),
      ],
    });
    expect(result.status).toBe(200);
    expect(['1', '2', '3', '4'].map((id) => result.byId[id]!.status)).toEqual([400, 424, 424, 201]);
    expect(result.byId['2']!.body?.error).toMatchObject({
      code: 'failedDependency',
      message: "The request depends on request '1', which failed.",
    });
    expect(result.byId['3']!.body?.error?.message).toContain("'2'");
    expect(result.byId['2']!.headers['request-id']).not.toBe(result.byId['3']!.headers['request-id']);
    expect(await storedMethods(userId!)).toEqual([]);
    expect(await storedMethods(other!)).toHaveLength(1);
  });

  test('ids and dependsOn compare case-insensitively, as Graph says', async () => {
    const [userId] = users(1);
    const result = await postBatch(batch, {
      token,
      requests: [
        createItem('Mobile', userId!, randomNumber()),
        createItem('x', userId!, randomNumber(), 'office', { dependsOn: ['MOBILE'] }),
      ],
    });
    expect([result.byId.Mobile!.status, result.byId.x!.status]).toEqual([201, 201]);
  });
});

describe('the whole batch is refused, and no item runs', () => {
  const refusals: Array<[string, (userId: string) => unknown, RegExp]> = [
    ['no requests array', () => ({ value: [] }), /'requests' array/],
    ['an empty requests array', () => ({ requests: [] }), /no requests/],
    [
      'more than 20 requests',
      (userId) => ({ requests: Array.from({ length: 21 }, (_, i) => createItem(String(i), userId, randomNumber())) }),
      /21 requests; at most 20/,
    ],
    [
      'duplicate ids (ignoring case)',
      (userId) => ({
        requests: [createItem('a', userId, randomNumber()), createItem('A', userId, randomNumber(), 'office')],
      }),
      /'A' is used by more than one request/,
    ],
    [
      'an unknown dependsOn',
      (userId) => ({ requests: [createItem('1', userId, randomNumber(), 'mobile', { dependsOn: ['9'] })] }),
      /depends on '9', which is not in the batch/,
    ],
    [
      'a dependency cycle',
      (userId) => ({
        requests: [
          createItem('1', userId, randomNumber(), 'mobile', { dependsOn: ['2'] }),
          createItem('2', userId, randomNumber(), 'office', { dependsOn: ['1'] }),
        ],
      }),
      /cycle/,
    ],
    [
      'a nested $batch',
      (userId) => ({
        requests: [
          createItem('1', userId, randomNumber()),
          {
            id: '2',
            method: 'POST',
            url: '/$batch',
            body: { requests: [] },
            headers: { 'Content-Type': 'application/json' },
          },
        ],
      }),
      /nested \$batch/,
    ],
    [
      'an item with its own Authorization',
      (userId) => ({
        requests: [
          createItem('1', userId, randomNumber(), 'mobile', {
            headers: { 'Content-Type': 'application/json', Authorization: 'Bearer x' },
          }),
        ],
      }),
      /own Authorization header/,
    ],
    [
      'an absolute URL to another host',
      (userId) => ({
        requests: [
          createItem('1', userId, randomNumber(), 'mobile', {
            url: `https://graph.microsoft.com/beta/users/${userId}/authentication/phoneMethods`,
          }),
        ],
      }),
      /names another host/,
    ],
    [
      'a protocol-relative URL to another host',
      (userId) => ({
        requests: [
          createItem('1', userId, randomNumber(), 'mobile', {
            url: `//evil.example/beta/users/${userId}/authentication/phoneMethods`,
          }),
        ],
      }),
      /names another host/,
    ],
    [
      'a URL that climbs out of the version',
      (userId) => ({
        requests: [
          createItem('1', userId, randomNumber(), 'mobile', {
            url: `/../v1.0/users/${userId}/authentication/phoneMethods`,
          }),
        ],
      }),
      /outside \/beta\//,
    ],
    [
      'a bad method',
      (userId) => ({ requests: [createItem('1', userId, randomNumber(), 'mobile', { method: 'TRACE' })] }),
      /no valid 'method'/,
    ],
    ['an item without an id', (userId) => ({ requests: [createItem('', userId, randomNumber())] }), /needs an 'id'/],
  ];

  test.each(refusals)('%s: 400 naming it', async (_name, body, message) => {
    const [userId] = users(1);
    const result = await postBatch(batch, { token, rawBody: JSON.stringify(body(userId!)) });
    expect(result.status).toBe(400);
    expect(result.body?.error?.code).toBe('badRequest');
    expect(result.body?.error?.message).toMatch(message);
    expect(result.body.responses).toBeUndefined();
    expect(await storedMethods(userId!)).toEqual([]);
    // One line, the batch's own: no item ran.
    expect(result.logs.map((line) => line.function)).toEqual(['batchBeta']);
  });

  test('a body that is not JSON is 400, a body that is not application/json is 415', async () => {
    expect((await postBatch(batch, { token, rawBody: '{"requests": [' })).status).toBe(400);
    expect((await postBatch(batch, { token, rawBody: '[]' })).status).toBe(400);
    const plain = await postBatch(batch, {
      token,
      rawBody: '{"requests":[]}',
      headers: { 'content-type': 'text/plain' },
    });
    expect(plain.status).toBe(415);
  });

  test('no valid token: 401 for the whole batch, nothing runs', async () => {
    const [userId] = users(1);
    const result = await postBatch(batch, { requests: [createItem('1', userId!, randomNumber())] });
    expect(result.status).toBe(401);
    expect(result.body?.error?.code).toBe('InvalidAuthenticationToken');
    expect(await storedMethods(userId!)).toEqual([]);
  });

  test('the body limit is 20 times the single-request limit', async () => {
    using small = loadServiceWith({ MAX_BODY_BYTES: '1024' });
    const handler = batchHandlerFor(small.services);
    const ids = users(20);
    const requests = ids.map((userId, index) =>
      createItem(String(index), userId, randomNumber(), 'mobile', {
        headers: { 'Content-Type': 'application/json', 'x-padding': 'p'.repeat(700) },
      }),
    );
    const body = JSON.stringify({ requests });
    expect(body.length).toBeGreaterThan(1024);
    expect(body.length).toBeLessThan(20 * 1024);
    const accepted = await postBatch(handler, { token, rawBody: body });
    expect(accepted.status).toBe(200);
    expect(Object.values(accepted.byId).every((answer) => answer.status === 201)).toBe(true);

    const tooLarge = await postBatch(handler, {
      token,
      rawBody: JSON.stringify({ requests, padding: 'p'.repeat(20 * 1024) }),
    });
    expect(tooLarge.status).toBe(413);
  });
});

test('a throttled item answers its own 429 with Retry-After; the batch is 200', async () => {
  // Production's deadline: the SDK's wait for storage's 3 s Retry-After fits in it (a shorter one would end as 503).
  await using behindProxy = await loadServiceBehindFaultProxy({}, DEFAULT_STORAGE_TIMING);
  const { proxy, service } = behindProxy;
  const handler = batchHandlerFor(service.services);
  const [userId] = users(1);
  await postBatch(handler, {
    token,
    requests: [{ id: 'warm', method: 'GET', url: `/users/${userId}/profile/phones` }],
  });
  proxy.mode = { kind: 'throttle', retryAfterMs: 3000 };
  const result = await postBatch(handler, { token, requests: [createItem('1', userId!, randomNumber())] });
  expect(result.status).toBe(200);
  expect(result.byId['1']!.status).toBe(429);
  expect(Number(result.byId['1']!.headers['Retry-After'])).toBeGreaterThanOrEqual(3);
  expect(proxy.faultsInjected).toBeGreaterThan(0);
  proxy.mode = { kind: 'pass' };
  expect(await storedItems('phoneMethods', userId!)).toEqual([]);
});
