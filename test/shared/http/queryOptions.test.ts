import { randomUUID } from 'node:crypto';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { operations } from '../../../functions/operations';
import { registrationsOf } from '../../../shared/http/pipeline';
import type { LocalServer } from '../../../scripts/localServer';
import { startUnconfiguredLocalServer } from '../../support/devLocalServer';
import { parseRawAnswer, rawExchange } from '../../support/rawHttp';
import { MOBILE_ID } from '../../support/constants';
import { testService } from '../../support/service';
import { storedItems } from '../../support/storage';
import { userToken } from '../../support/tokens';

/**
 * A repeated query option is a 400 naming it, on every operation. The Functions host hands the worker
 * `request.query` with the occurrences of a name merged (`$select=id&$select=number` becomes the valid
 * `id,number`), so the check reads the URL; these requests are built the way the host builds them.
 */

const { handlers } = testService();
const GLOBAL_ADMINISTRATOR = '62e90394-69f5-4237-9190-012177145e10';
/** Allowed every operation on another user, so each request reaches the query options. */
const adminToken = () =>
  userToken({ scp: 'User.ReadWrite.All UserAuthenticationMethod.ReadWrite.All', wids: [GLOBAL_ADMINISTRATOR] });

const REPEATS = [
  ['$top', '$top=1&$top=2'],
  ['$select', '$select=id&$select=number'],
] as const;

/** `request.query` as the host fills it: names compared ignoring case, repeated values joined with commas. */
function hostQuery(search: string): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(search)) {
    const known = Object.keys(merged).find((key) => key.toUpperCase() === name.toUpperCase());
    if (known === undefined) merged[name] = value;
    else merged[known] += `,${value}`;
  }
  return merged;
}

/** Every operation, on its `/users/{userId}` route (some refuse `/me`, for example creating your own phone method). */
interface GraphErrorBody {
  error: { code: string; details: unknown[] };
}

const registrations = registrationsOf(operations).filter((registration) => !registration.me);

function pathOf(route: string, userId: string, id: string): string {
  return route
    .replace(/^\{collection:[^}]*\}/, 'users')
    .replace('{userId}', userId)
    .replace('{id}', id);
}

describe('through the handlers, as the Functions host calls them', () => {
  test.each(
    registrations.flatMap((registration) =>
      REPEATS.map(([name, search]) => [registration.name, name, search, registration] as const),
    ),
  )('%s with %s repeated (%s): 400 naming it, nothing written', async (_name, option, search, registration) => {
    const userId = randomUUID();
    const id = registration.operation.collectionPath.startsWith('authentication') ? MOBILE_ID : randomUUID();
    const path = pathOf(registration.route, userId, id);
    const request = new HttpRequest({
      method: registration.operation.method,
      url: `http://localhost:7071/beta/${path}?${search}`,
      headers: { authorization: `Bearer ${await adminToken()}`, 'content-type': 'application/json' },
      params: { collection: 'users', userId, id },
      query: hostQuery(search),
      ...(registration.operation.body
        ? {
            body: { string: JSON.stringify({ number: '555 0100', phoneNumber: '+1 2065550100', phoneType: 'mobile' }) },
          }
        : {}),
    });
    const response = (await handlers[registration.name]!(
      request,
      new InvocationContext({ logHandler: () => undefined }),
    )) as {
      status: number;
      body: string;
    };
    expect(response.status).toBe(400);
    const { error } = JSON.parse(response.body) as GraphErrorBody;
    expect(error.code).toBe('badRequest');
    expect(error.details).toEqual([
      { code: 'invalidQueryOption', target: option, message: `The query option '${option}' is given more than once.` },
    ]);
    expect(await storedItems('profilePhones', userId)).toEqual([]);
    expect(await storedItems('phoneMethods', userId)).toEqual([]);
  });
});

describe('through npm start, over a raw socket', () => {
  let server: LocalServer;
  let port: number;
  beforeAll(async () => {
    server = await startUnconfiguredLocalServer();
    port = Number(new URL(server.url).port);
  });
  afterAll(() => server?.close());

  test.each(REPEATS)(
    '%s repeated (%s) on the profile-phone list and the phone-method list: 400 naming it',
    async (option, search) => {
      const oid = randomUUID();
      const token = await server.devIssuer!.mint({
        oid,
        scp: 'User.ReadWrite UserAuthenticationMethod.ReadWrite',
        wids: [],
      });
      for (const path of ['profile/phones', 'authentication/phoneMethods']) {
        const head = `GET /beta/users/${oid}/${path}?${search} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`;
        const answer = parseRawAnswer(await rawExchange(port, head));
        expect([path, answer.status]).toEqual([path, 400]);
        expect((answer.body as GraphErrorBody).error.details).toEqual([
          {
            code: 'invalidQueryOption',
            target: option,
            message: `The query option '${option}' is given more than once.`,
          },
        ]);
      }
      // Given once, the same options are answered.
      const once = `GET /beta/users/${oid}/profile/phones?${search.split('&')[0]} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`;
      expect(parseRawAnswer(await rawExchange(port, once)).status).toBe(200);
    },
  );
});
