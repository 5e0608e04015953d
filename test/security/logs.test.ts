import { randomUUID } from 'node:crypto';
import { startFaultProxy, type FaultMode } from '../support/faultProxy';
import { withTamperedPayload } from '../support/forgedTokens';
import { allLogLines, invoke } from '../support/invoke';
import { loadServiceWith } from '../support/isolated';
import { appToken, signToken, userToken } from '../support/tokens';
import { testService } from '../support/service';

const { createPhoneMethod, createProfilePhone } = testService();

/**
 * Every log line written during a realistic mix of successes and failures (the handlers' own lines
 * and anything on the console, e.g. from the Cosmos SDK) is free of phone numbers, tokens, claims
 * sets and display names.
 */

const consoleLines: string[] = [];
const phoneNumbers: string[] = [];
const tokens: string[] = [];
const displayNames: string[] = [];
let requests = 0;

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
let spies: jest.SpyInstance[] = [];

beforeAll(() => {
  spies = CONSOLE_METHODS.map((method) =>
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      consoleLines.push(args.map(String).join(' '));
    }),
  );
});

afterAll(() => spies.forEach((spy) => spy.mockRestore()));

async function phoneMethod(
  handler = createPhoneMethod,
  options: {
    token?: string;
    phoneNumber: string;
    phoneType?: string;
    userId?: string;
    headers?: Record<string, string>;
  },
) {
  phoneNumbers.push(options.phoneNumber);
  if (options.token) tokens.push(options.token);
  requests += 1;
  return invoke(handler, {
    userId: options.userId ?? randomUUID(),
    token: options.token,
    body: { phoneNumber: options.phoneNumber, phoneType: options.phoneType ?? 'mobile' },
    path: 'authentication/phoneMethods',
    headers: options.headers,
  });
}

async function profilePhone(
  handler = createProfilePhone,
  options: { token: string; userId: string; number: string; displayName?: string },
) {
  phoneNumbers.push(options.number);
  tokens.push(options.token);
  if (options.displayName) displayNames.push(options.displayName);
  requests += 1;
  return invoke(handler, {
    userId: options.userId,
    token: options.token,
    body: { number: options.number, displayName: options.displayName, type: 'home' },
    path: 'profile/phones',
  });
}

test('a realistic mix of requests produces the expected outcomes', async () => {
  const statuses = new Set<number>();
  const note = (result: { status: number }) => statuses.add(result.status);

  // Successes on both endpoints, and the conflict that follows.
  const admin = await userToken({ name: 'Grace Administrator' });
  displayNames.push('Grace Administrator');
  const target = randomUUID();
  note(await phoneMethod(undefined, { token: admin, phoneNumber: '+1 2065550199', userId: target }));
  note(await phoneMethod(undefined, { token: admin, phoneNumber: '+12065550188', userId: target }));
  note(
    await phoneMethod(undefined, {
      token: await appToken(['UserAuthMethod-Phone.ReadWrite.All']),
      phoneNumber: '+44 7700900456',
      phoneType: 'office',
    }),
  );
  const oid = randomUUID();
  const self = await userToken({ oid, scp: 'User.ReadWrite', wids: [], name: 'Private Person' });
  displayNames.push('Private Person');
  note(
    await profilePhone(undefined, {
      token: self,
      userId: oid,
      number: '+1 (425) 555-0142',
      displayName: 'Home line of Private Person',
    }),
  );

  // Validation failures carrying numbers.
  note(await phoneMethod(undefined, { token: admin, phoneNumber: '+1 20655501234567890123' }));
  note(await phoneMethod(undefined, { token: admin, phoneNumber: '+44 7700900987', phoneType: 'alternateMobile' }));
  note(await profilePhone(undefined, { token: self, userId: oid, number: '0176 98765432\u0000' }));

  // Authentication and permission failures carrying tokens.
  note(
    await phoneMethod(undefined, {
      token: await signToken({ claims: { oid: randomUUID(), scp: 'x' }, expiresIn: -3600 }),
      phoneNumber: '+1 3125550111',
    }),
  );
  note(
    await phoneMethod(undefined, {
      token: withTamperedPayload(admin, { scp: 'Directory.ReadWrite.All' }),
      phoneNumber: '+1 3125550122',
    }),
  );
  note(await phoneMethod(undefined, { token: await userToken({ scp: 'User.Read' }), phoneNumber: '+1 3125550133' }));
  note(
    await phoneMethod(undefined, {
      phoneNumber: '+1 3125550144',
      headers: { authorization: `Basic ${Buffer.from('user:pass').toString('base64')}` },
    }),
  );
  note(
    await profilePhone(undefined, {
      token: await appToken(['User.ReadWrite.All']),
      userId: randomUUID(),
      number: '+1 3125550155',
    }),
  );

  // Storage faults (a real proxy), where error types are logged.
  await using proxy = await startFaultProxy(process.env.COSMOS_ENDPOINT!);
  using service = loadServiceWith({ COSMOS_ENDPOINT: proxy.url });
  // (Slow faults such as stalls are covered by test/resilience/storage.test.ts.)
  const faults: FaultMode[] = [
    { kind: 'status', status: 503 },
    { kind: 'status', status: 403 },
    { kind: 'throttle', retryAfterMs: 10 },
    { kind: 'loseResponse', methods: ['POST'] },
  ];
  for (const [index, mode] of faults.entries()) {
    proxy.mode = mode;
    note(await phoneMethod(service.createPhoneMethod, { token: admin, phoneNumber: `+1 6175550${160 + index}` }));
    note(
      await profilePhone(service.createProfilePhone, {
        token: self,
        userId: oid,
        number: `+1 6175550${170 + index}`,
        displayName: `Faulty ${index}`,
      }),
    );
  }
  proxy.mode = { kind: 'pass' };

  expect([...statuses].sort()).toEqual([201, 400, 401, 403, 409, 429, 500, 503]);
});

test('no log line carries a phone number, a token (or any of its segments), a claims set or a display name', () => {
  const lines = [...allLogLines, ...consoleLines];
  const forbidden = [
    ...phoneNumbers.flatMap((number) => [number, number.replace(/\D/g, ''), number.replace(/\D/g, '').slice(-7)]),
    ...tokens.flatMap((token) => [token, ...token.split('.').filter((segment) => segment.length > 0)]),
    ...displayNames,
  ];
  const claimsMarkers = [
    /"scp"/,
    /"oid"\s*:/,
    /"roles"\s*:/,
    /"preferred_username"/,
    /"aud"\s*:/,
    /eyJ[A-Za-z0-9_-]{10,}/,
  ];

  const leaks = lines.flatMap((line) => [
    ...forbidden
      .filter((secret) => line.includes(secret))
      .map((secret) => `${secret.slice(0, 12)}… in ${line.slice(0, 80)}`),
    ...claimsMarkers.filter((marker) => marker.test(line)).map((marker) => `${marker} in ${line.slice(0, 80)}`),
  ]);
  spies.forEach((spy) => spy.mockRestore());
  console.log(
    `logs: ${requests} requests, ${lines.length} lines checked (${consoleLines.length} from the console) against ` +
      `${forbidden.length} secrets and ${claimsMarkers.length} claims patterns, ${leaks.length} leaks`,
  );
  expect(allLogLines.length).toBe(requests); // one line per request, each captured
  expect(leaks).toEqual([]);
});
