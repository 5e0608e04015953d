import { randomUUID } from 'node:crypto';
import { HttpRequest, InvocationContext, type HttpHandler } from '@azure/functions';
import fc from 'fast-check';
import { getConfig } from '../../shared/config';
import { itemPhoneResource } from '../../shared/models/itemPhone';
import { phoneAuthenticationMethodResource } from '../../shared/models/phoneAuthenticationMethod';
import { parseGraphBody, type GraphBody } from '../support/graphBody';
import { invoke, type Invocation } from '../support/invoke';
import { testContainer } from '../support/storage';
import { userToken } from '../support/tokens';
import { testService } from '../support/service';

const { createPhoneMethod, createProfilePhone } = testService();

/**
 * Property-based fuzzing of both bodies and of the path's user id, in-process through the real
 * handlers (storage is only touched by 201s). Seeded and reproducible: FUZZ_SEED=<n> replays a run.
 * Properties: never a 5xx; never a write after a 4xx; every 201 matches the response schema exactly;
 * every 400 names the offending properties in `details[].target`.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20_240_601);
const RUNS = Number(process.env.FUZZ_RUNS ?? 1_200);
/** Every user id of this run starts with it, so one query finds whatever the run wrote. */
const RUN_PREFIX = randomUUID().slice(0, 8);
const runUserId = () => `${RUN_PREFIX}${randomUUID().slice(8)}`;

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

interface Endpoint {
  name: 'phoneMethods' | 'profilePhones';
  handler: HttpHandler;
  path: string;
  declared: string[];
  required: string[];
  resource: { strict(): { parse(value: unknown): unknown } };
  token: string;
}

const counts = { cases: 0, created: 0, rejected: 0, byStatus: {} as Record<number, number> };
const createdUsers = new Set<string>();
const rejectedUsers = new Set<string>();

// --- arbitraries -------------------------------------------------------------------------------

/** Strings a client or an attacker might send: any code unit, bidi/zero-width/control, huge, numeric look-alikes. */
const nastyString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({
    unit: fc.constantFrom('\u202e', '\u200b', '\u0000', '\u001b', '\ud800', '\ufeff', '\u2028', '+', '1', ' ', 'x'),
    maxLength: 30,
  }),
  fc.constantFrom(
    '',
    ' ',
    'String',
    'Double',
    'x'.repeat(15_000),
    '１２３４５６',
    '+1 206\u0000555 0100',
    '\u202e0010 555 602 1+',
  ),
);

const anyJson = fc.jsonValue({ maxDepth: 3 });

/** Undeclared keys, prototype-pollution keys included, at any level. */
const extraKeys = fc.dictionary(
  fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS), fc.string({ minLength: 1, maxLength: 12 })),
  anyJson,
  { maxKeys: 2 },
);

const maybe = <T>(value: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 3, arbitrary: value }, { weight: 1, arbitrary: anyJson });

const validPhoneNumber = fc.oneof(
  fc.constantFrom('+1 2065550100', '+12065550100', '+44 7700900123', '+1 2065550100x123', '+49 301234567'),
  fc.stringMatching(/^\+[1-9]\d{0,2} ?\d{6,12}(x\d{1,4})?$/),
);

const phoneMethodBody = fc
  .tuple(
    fc.record(
      {
        phoneNumber: maybe(fc.oneof(validPhoneNumber, nastyString)),
        phoneType: maybe(fc.constantFrom('mobile', 'office', 'alternateMobile', 'unknownFutureValue', 'Mobile')),
        id: maybe(fc.uuid()),
        smsSignInState: maybe(fc.constantFrom('ready', 'notSupported', 'unknownFutureValue')),
        createdDateTime: maybe(fc.constantFrom('2024-01-01T00:00:00Z', 'yesterday')),
        '@odata.type': maybe(
          fc.constantFrom('#microsoft.graph.phoneAuthenticationMethod', '#microsoft.graph.itemPhone'),
        ),
      },
      { requiredKeys: [] },
    ),
    fc.oneof({ weight: 3, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: extraKeys }),
  )
  .map(([declared, extra]) => ({ ...extra, ...declared }));

const inference = fc.oneof(
  fc.constant(null),
  fc
    .tuple(
      fc.record(
        { confidenceScore: maybe(fc.double({ min: -1, max: 2 })), userHasVerifiedAccuracy: maybe(fc.boolean()) },
        { requiredKeys: [] },
      ),
      fc.oneof({ weight: 3, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: extraKeys }),
    )
    .map(([declared, extra]) => ({ ...extra, ...declared })),
);

const itemPhoneBody = fc
  .tuple(
    fc.record(
      {
        number: maybe(fc.oneof(fc.constantFrom('+1 425 555 0100', '555-0100 ext. 7'), nastyString)),
        type: maybe(fc.constantFrom('home', 'business', 'mobile', 'homeFax', 'unknownFutureValue', 'Mobile')),
        displayName: maybe(nastyString),
        allowedAudiences: maybe(
          fc.constantFrom('me', 'me,family', 'organization, everyone', 'unknownFutureValue', 'String'),
        ),
        inference: maybe(inference),
        createdBy: maybe(fc.constantFrom({ user: { id: 'x' } }, { user: { id: 'x', __proto__: { admin: true } } })),
        '@odata.type': maybe(
          fc.constantFrom('#microsoft.graph.itemPhone', 'microsoft.graph.phoneAuthenticationMethod'),
        ),
      },
      { requiredKeys: [] },
    ),
    fc.oneof({ weight: 3, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: extraKeys }),
  )
  .map(([declared, extra]) => ({ ...extra, ...declared }));

/** How the body travels: as JSON, or mangled in a way that must be refused before validation. */
type Mangling = 'none' | 'truncated' | 'contentType' | 'oversize' | 'deepNesting' | 'notAnObject';
const mangling = fc.oneof(
  { weight: 12, arbitrary: fc.constant<Mangling>('none') },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Mangling>('truncated', 'contentType', 'oversize', 'deepNesting', 'notAnObject'),
  },
);

interface Encoded {
  raw: string;
  headers: Record<string, string>;
  /** The status a mangled body must get. */
  expected?: number;
  /** The top-level object the service will see, when it is one. */
  sent?: object;
}

function encode(body: object, how: Mangling, bias: number): Encoded {
  const json = JSON.stringify(body);
  switch (how) {
    case 'truncated':
      return { raw: json.slice(0, Math.max(0, Math.floor(json.length * bias) - 1)), headers: {}, expected: 400 };
    case 'contentType':
      return {
        raw: json,
        headers: { 'content-type': ['text/plain', 'application/xml', 'application/jsonx', ''][Math.floor(bias * 4)]! },
        expected: 415,
      };
    case 'oversize':
      return {
        raw: JSON.stringify({ ...body, pad: 'x'.repeat(getConfig().maxBodyBytes) }),
        headers: {},
        expected: 413,
      };
    case 'deepNesting': {
      const depth = 1_000 + Math.floor(bias * 20_000);
      const raw = `{"number":${'['.repeat(depth)}${']'.repeat(depth)}}`;
      return raw.length <= getConfig().maxBodyBytes
        ? { raw, headers: {}, expected: 400, sent: { number: [] } }
        : { raw, headers: {}, expected: 413 };
    }
    case 'notAnObject':
      return { raw: JSON.stringify([body]), headers: {}, expected: 400 };
    default:
      return { raw: json, headers: {}, sent: body };
  }
}

// --- properties -------------------------------------------------------------------------------

function record(result: Invocation, userId: string): void {
  counts.cases += 1;
  counts.byStatus[result.status] = (counts.byStatus[result.status] ?? 0) + 1;
  if (result.status === 201) createdUsers.add(userId);
  else rejectedUsers.add(userId);
}

/** The properties every answer must have, whatever was sent. */
function checkAnswer(endpoint: Endpoint, body: unknown, result: Invocation): void {
  expect(result.status).toBeLessThan(500);
  if (result.status === 201) {
    const { '@odata.context': _context, ...resource } = result.body;
    endpoint.resource.strict().parse(resource);
    return;
  }
  expect(result.body.error.details).toEqual(expect.any(Array));
  if (result.status !== 400) return;
  const targets: string[] = result.body.error.details.map((detail: { target: string }) => detail.target);
  expect(targets.length).toBeGreaterThan(0);
  const sent = body !== null && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body) : [];
  // Each target names a property that was sent or is required, or the body or path as a whole.
  const named = ['(body)', 'userId', ...sent, ...endpoint.required];
  for (const target of targets) {
    expect(named.filter((name) => target === name || target.startsWith(`${name}.`))).not.toEqual([]);
  }
  // Each undeclared top-level property is named by itself.
  if (!targets.includes('(body)')) {
    for (const key of sent.filter((name) => !endpoint.declared.includes(name))) expect(targets).toContain(key);
  }
}

let endpoints: Endpoint[];

beforeAll(async () => {
  endpoints = [
    {
      name: 'phoneMethods',
      handler: createPhoneMethod,
      path: 'authentication/phoneMethods',
      declared: ['@odata.type', 'id', 'smsSignInState', 'createdDateTime', 'phoneNumber', 'phoneType'],
      required: ['phoneNumber', 'phoneType'],
      resource: phoneAuthenticationMethodResource,
      token: await userToken(),
    },
    {
      name: 'profilePhones',
      handler: createProfilePhone,
      path: 'profile/phones',
      declared: [
        '@odata.type',
        'id',
        'createdDateTime',
        'createdBy',
        'lastModifiedDateTime',
        'lastModifiedBy',
        'allowedAudiences',
        'inference',
        'displayName',
        'type',
        'number',
      ],
      required: ['number'],
      resource: itemPhoneResource,
      token: await userToken({ scp: 'User.ReadWrite.All', wids: [] }),
    },
  ];
});

afterAll(async () => {
  // No write after a 4xx: of all the partitions this run used, only those that got a 201 hold anything.
  const written = new Set<string>();
  for (const container of ['phoneMethods', 'profilePhones'] as const) {
    const { resources } = await testContainer(container)
      .items.query<string>({
        query: 'SELECT VALUE c.userId FROM c WHERE STARTSWITH(c.userId, @prefix)',
        parameters: [{ name: '@prefix', value: RUN_PREFIX }],
      })
      .fetchAll();
    resources.forEach((userId) => written.add(userId));
  }
  const writesAfterRejection = [...written].filter((userId) => rejectedUsers.has(userId) || !createdUsers.has(userId));
  console.log(
    `fuzz: seed ${SEED}, ${counts.cases} cases (${JSON.stringify(counts.byStatus)}), ${written.size} partitions written, ` +
      `${writesAfterRejection.length} writes after 4xx, prototype ${Object.keys(Object.prototype).length === 0 ? 'clean' : 'POLLUTED'}`,
  );
  expect(writesAfterRejection).toEqual([]);
  expect(createdUsers.size).toBe(written.size);
  expect(Object.keys(Object.prototype)).toEqual([]);
});

describe.each(['phoneMethods', 'profilePhones'] as const)('%s', (name) => {
  const endpoint = () => endpoints.find((candidate) => candidate.name === name)!;
  const body = name === 'phoneMethods' ? phoneMethodBody : itemPhoneBody;

  test('bodies: never a 5xx, 201s match the schema, 400s name the offending properties', async () => {
    await fc.assert(
      fc.asyncProperty(body, mangling, fc.double({ min: 0, max: 0.999, noNaN: true }), async (value, how, bias) => {
        const userId = runUserId();
        const { raw, headers, expected, sent } = encode(value, how, bias);
        const result = await invoke(endpoint().handler, {
          userId,
          token: endpoint().token,
          rawBody: raw,
          headers,
          path: endpoint().path,
        });
        record(result, userId);
        if (expected) expect(result.status).toBe(expected);
        checkAnswer(endpoint(), sent, result);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  test('path user ids: anything the directory does not know is a 404 naming the id as given', async () => {
    const segment = fc
      .oneof(
        fc.uuid().map((id) => `${RUN_PREFIX}${id.slice(8)}`),
        fc.uuid().map((id) => `${RUN_PREFIX}${id.slice(8)}`.toUpperCase()),
        nastyString,
        fc.constantFrom(
          '../users/x',
          '..%2F..%2F',
          "' OR 1=1 --",
          '00000000-0000-0000-0000-00000000000g',
          '{00000000-0000-0000-0000-000000000000}',
          'me',
          '__proto__',
        ),
      )
      .filter((text) => !/\p{Cs}/u.test(text)); // the host percent-decodes paths to well-formed text only
    await fc.assert(
      fc.asyncProperty(segment, async (userId) => {
        const valid =
          endpoint().name === 'phoneMethods'
            ? { phoneNumber: '+1 2065550100', phoneType: 'mobile' }
            : { number: '555 0100' };
        const result = await invoke(endpoint().handler, {
          userId,
          token: endpoint().token,
          body: valid,
          path: endpoint().path,
        });
        record(result, userId.toLowerCase());
        expect(result.status).toBeLessThan(500);
        if (/^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i.test(userId)) {
          expect(result.status).toBe(201);
        } else {
          expect(result.status).toBe(404);
          expect(result.body.error.code).toBe('Request_ResourceNotFound');
          // Graph's message names the id as given (a long one is cut short with an ellipsis, as every message is).
          const message = String(result.body.error.message);
          const expected = `Resource '${userId}' does not exist or one of its queried reference-property objects are not present.`;
          expect(message.endsWith('…') ? expected.startsWith(message.slice(0, -1)) : message === expected).toBe(true);
        }
      }),
      { seed: SEED, numRuns: Math.round(RUNS / 4) },
    );
  });

  test('bytes that are not UTF-8 are a 400, not a 5xx, and write nothing', async () => {
    const invalidUtf8 = [
      Buffer.from([0xff, 0xfe]),
      Buffer.from([0xc3, 0x28]),
      Buffer.from([0xed, 0xa0, 0x80]),
      Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]),
    ];
    for (const bad of invalidUtf8) {
      const userId = runUserId();
      const json = Buffer.from(
        name === 'phoneMethods'
          ? '{"phoneNumber":"+1 2065550100","phoneType":"'
          : '{"number":"555 0100","displayName":"',
      );
      const result = await invokeBytes(endpoint(), userId, Buffer.concat([json, bad, Buffer.from('"}')]));
      record({ ...result, headers: new Headers(), logs: [] }, userId);
      expect(result.status).toBe(400);
      expect(result.body.error.details[0]?.target).toBe('(body)');
    }
  });
});

/** The one case invoke() cannot express: a body of raw bytes. */
async function invokeBytes(
  endpoint: Endpoint,
  userId: string,
  bytes: Buffer,
): Promise<{ status: number; body: GraphBody }> {
  const request = new HttpRequest({
    method: 'POST',
    url: `http://localhost:7071/beta/users/${userId}/${endpoint.path}`,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${endpoint.token}` },
    params: { collection: 'users', userId },
    body: { bytes },
  });
  const response = (await endpoint.handler(
    request,
    new InvocationContext({ functionName: 'fuzz', logHandler: () => undefined }),
  )) as {
    status: number;
    body: string;
  };
  return { status: response.status, body: parseGraphBody(response.body) };
}
