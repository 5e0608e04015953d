import { randomUUID } from 'node:crypto';
import type { AuthenticationProvider, RequestInformation } from '@microsoft/kiota-abstractions';
import { createGraphServiceClient, GraphRequestAdapter, type GraphServiceClient } from '@microsoft/msgraph-sdk';
import '@microsoft/msgraph-sdk-users';
import type { PhoneAuthenticationMethod } from '@microsoft/msgraph-sdk/models/index.js';
import type { ODataError } from '@microsoft/msgraph-sdk/models/oDataErrors/index.js';
import type { LocalServer } from '../../scripts/localServer';
import { startDevLocalServer } from '../support/devLocalServer';
import {
  ALTERNATE_MOBILE_ID,
  MOBILE_ID,
  OFFICE_ID,
  PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
} from '../support/constants';
import { randomNumber, storedClaim, storedMethods } from '../support/phoneMethods';

/**
 * Microsoft's Graph v1.0 SDK as a real client of the phone method operations on the local server, at
 * the SDK's own default base URL (`https://graph.microsoft.com/v1.0`) with only the origin changed,
 * and SMS sign-in allowed by the tenant policy. Storage is the test run's Cosmos-compatible server, so
 * every answer is checked against the stored document too.
 */

let server: LocalServer;

beforeAll(async () => {
  server = await startDevLocalServer({ SMS_SIGN_IN_ENABLED: 'true' });
});

afterAll(() => server?.close());

function graphClient(token: string): GraphServiceClient {
  const provider: AuthenticationProvider = {
    authenticateRequest: (request: RequestInformation) => {
      request.headers.tryAdd('Authorization', `Bearer ${token}`);
      return Promise.resolve();
    },
  };
  const adapter = new GraphRequestAdapter(provider);
  const client = createGraphServiceClient(adapter);
  adapter.baseUrl = withOurOrigin(adapter.baseUrl);
  return client;
}

/** The SDK's default base URL with only the origin replaced by the local server's. */
const withOurOrigin = (sdkDefault: string) => `${server.url}${new URL(sdkDefault).pathname}`;

async function rejection(promise: Promise<unknown>): Promise<ODataError> {
  return promise.then(
    () => {
      throw new Error('expected the SDK call to reject');
    },
    (reason: unknown) => reason as ODataError,
  );
}

test("the SDK's default base URL is Graph's /v1.0: the client below calls this service's /v1.0", () => {
  const adapter = new GraphRequestAdapter({ authenticateRequest: () => Promise.resolve() });
  createGraphServiceClient(adapter);
  expect(adapter.baseUrl).toBe('https://graph.microsoft.com/v1.0');
  expect(withOurOrigin(adapter.baseUrl)).toBe(`${server.url}/v1.0`);
});

test('list, get, patch, delete, disableSmsSignIn and enableSmsSignIn through the v1 SDK', async () => {
  const userId = randomUUID();
  const upn = `Megan.Bowen.${userId.slice(0, 8)}@contoso.example`;
  await server.devIssuer!.mint({ oid: userId, upn }); // Megan is in the development directory
  // A Privileged Authentication Administrator reads numbers whole (an Authentication Administrator alone reads them masked).
  const client = graphClient(
    await server.devIssuer!.mint({
      scp: 'UserAuthenticationMethod.ReadWrite.All',
      wids: [PRIVILEGED_AUTHENTICATION_ADMINISTRATOR],
    }),
  );
  // Addressed by user principal name, as admin scripts do; stored under her object id.
  const phoneMethods = client.users.byUserId(upn).authentication.phoneMethods;
  const [mobile, alternate, office] = [randomNumber(), randomNumber(), randomNumber()];
  for (const [phoneNumber, phoneType] of [
    [office, 'office'],
    [mobile, 'mobile'],
    [alternate, 'alternateMobile'],
  ] as const) {
    await phoneMethods.post({ phoneNumber, phoneType });
  }

  const listed = await phoneMethods.get();
  // The answer came from /v1.0: its context names that version.
  expect(listed?.additionalData?.['@odata.context']).toBe(
    `${server.url}/v1.0/$metadata#users('${encodeURIComponent(upn)}')/authentication/phoneMethods`,
  );
  expect(listed?.value?.map((method) => method.id)).toEqual([MOBILE_ID, ALTERNATE_MOBILE_ID, OFFICE_ID]);
  expect((listed?.value as PhoneAuthenticationMethod[]).map((method) => method.smsSignInState)).toEqual([
    'ready',
    'notSupported',
    'notSupported',
  ]);

  const got = await phoneMethods.byPhoneAuthenticationMethodId(MOBILE_ID).get();
  expect(got).toMatchObject({ id: MOBILE_ID, phoneNumber: mobile, phoneType: 'mobile', smsSignInState: 'ready' });

  const changed = randomNumber();
  await phoneMethods.byPhoneAuthenticationMethodId(OFFICE_ID).patch({ phoneNumber: changed });
  expect((await storedMethods(userId)).find((method) => method.id === OFFICE_ID)!.phoneNumber).toBe(changed);

  const refused = await rejection(
    phoneMethods.byPhoneAuthenticationMethodId(OFFICE_ID).patch({ phoneNumber: changed, phoneType: 'mobile' }),
  );
  expect(refused.responseStatusCode).toBe(400);
  expect(refused.errorEscaped?.code).toBe('badRequest');

  await phoneMethods.byPhoneAuthenticationMethodId(MOBILE_ID).disableSmsSignIn.post();
  expect((await storedMethods(userId)).find((method) => method.id === MOBILE_ID)!.smsSignInState).toBe('notEnabled');
  expect(await storedClaim(mobile)).toBeUndefined();
  await phoneMethods.byPhoneAuthenticationMethodId(MOBILE_ID).enableSmsSignIn.post();
  expect((await storedMethods(userId)).find((method) => method.id === MOBILE_ID)!.smsSignInState).toBe('ready');
  expect((await storedClaim(mobile))!.ownerUserId).toBe(userId);

  const notMobile = await rejection(phoneMethods.byPhoneAuthenticationMethodId(OFFICE_ID).enableSmsSignIn.post());
  expect(notMobile.responseStatusCode).toBe(400);

  await phoneMethods.byPhoneAuthenticationMethodId(OFFICE_ID).delete();
  expect((await storedMethods(userId)).map((method) => method.id).sort()).toEqual(
    [ALTERNATE_MOBILE_ID, MOBILE_ID].sort(),
  );
  const missing = await rejection(phoneMethods.byPhoneAuthenticationMethodId(OFFICE_ID).get());
  expect(missing.responseStatusCode).toBe(404);
});
