import { randomUUID } from 'node:crypto';
import {
  HttpMethod,
  RequestInformation,
  type AuthenticationProvider,
  type ErrorMappings,
  type RequestAdapter,
} from '@microsoft/kiota-abstractions';
import { createGraphServiceClient, GraphRequestAdapter, type GraphServiceClient } from '@microsoft/msgraph-sdk';
import '@microsoft/msgraph-sdk-users';
import type { PhoneAuthenticationMethod } from '@microsoft/msgraph-sdk/models/index.js';
import {
  createItemPhoneFromDiscriminatorValue,
  serializeItemPhone,
  type ItemPhone,
} from '@microsoft/msgraph-beta-sdk/models/index.js';
import {
  createODataErrorFromDiscriminatorValue,
  type ODataError,
} from '@microsoft/msgraph-beta-sdk/models/oDataErrors/index.js';
import type { LocalServer } from '../../scripts/localServer';
import { startUnconfiguredLocalServer } from '../support/devLocalServer';
import { MOBILE_ID } from '../support/constants';
import { storedItems } from '../support/storage';

/**
 * Microsoft's own Graph SDKs against the running local server: a client written for Graph must work
 * by changing only its base URL. The v1 SDK's paths are version-agnostic once baseUrl is set.
 */

let server: LocalServer;

beforeAll(async () => {
  server = await startUnconfiguredLocalServer({
    // The policy set off explicitly (the development tenant's default is on): the SDK reads notAllowedByPolicy.
    env: {
      SMS_SIGN_IN_ENABLED: 'false',
    },
  });
});

afterAll(() => server?.close());

/** The SDKs' way of adding a bearer token (what AzureIdentityAuthenticationProvider does with Entra). */
function bearer(token: string | undefined): AuthenticationProvider {
  return {
    authenticateRequest: (request: RequestInformation) => {
      if (token) request.headers.tryAdd('Authorization', `Bearer ${token}`);
      return Promise.resolve();
    },
  };
}

function adapterWith(token: string | undefined): RequestAdapter {
  const adapter = new GraphRequestAdapter(bearer(token));
  adapter.baseUrl = server.baseUrl;
  return adapter;
}

function graphClient(token: string | undefined): GraphServiceClient {
  return createGraphServiceClient(adapterWith(token));
}

async function rejection(promise: Promise<unknown>): Promise<ODataError> {
  const error = await promise.then(
    () => {
      throw new Error('expected the SDK call to reject');
    },
    (reason: unknown) => reason,
  );
  return error as ODataError;
}

describe('@microsoft/msgraph-sdk: users/{id}/authentication/phoneMethods', () => {
  const adminToken = () => server.devIssuer!.mint({ scp: 'UserAuthenticationMethod.ReadWrite.All' });
  /** A user of the development directory (a token minted for them adds them), addressed by UPN. */
  const newUser = async () => {
    const oid = randomUUID();
    const upn = `sdk-${oid.slice(0, 8)}@contoso.example`;
    await server.devIssuer!.mint({ oid, upn });
    return upn;
  };

  test('post returns a typed PhoneAuthenticationMethod; a second post rejects with ODataError 409 conflict', async () => {
    const client = graphClient(await adminToken());
    const phoneMethods = client.users.byUserId(await newUser()).authentication.phoneMethods;

    const created = (await phoneMethods.post({
      phoneNumber: '+1 2065550100',
      phoneType: 'mobile',
    })) as PhoneAuthenticationMethod;
    expect(created).toMatchObject({
      id: MOBILE_ID,
      phoneNumber: '+1 2065550100',
      phoneType: 'mobile',
      smsSignInState: 'notAllowedByPolicy',
    });
    expect(created.odataType).toBe('#microsoft.graph.phoneAuthenticationMethod');

    const error = await rejection(phoneMethods.post({ phoneNumber: '+1 2065550199', phoneType: 'mobile' }));
    expect(error.responseStatusCode).toBe(409);
    expect(error.errorEscaped?.code).toBe('conflict');
    expect(error.message).toContain('mobile');
  });

  test('a user the directory does not have rejects with ODataError 404 Request_ResourceNotFound', async () => {
    const client = graphClient(await adminToken());
    const error = await rejection(
      client.users
        .byUserId('nobody@contoso.example')
        .authentication.phoneMethods.post({ phoneNumber: '+1 2065550100', phoneType: 'mobile' }),
    );
    expect(error.responseStatusCode).toBe(404);
    expect(error.errorEscaped?.code).toBe('Request_ResourceNotFound');
    expect(error.message).toBe(
      "Resource 'nobody@contoso.example' does not exist or one of its queried reference-property objects are not present.",
    );
  });

  test('a bad body rejects with ODataError 400 badRequest naming the property', async () => {
    const client = graphClient(await adminToken());
    const error = await rejection(
      client.users
        .byUserId(await newUser())
        .authentication.phoneMethods.post({ phoneNumber: 'not a number', phoneType: 'mobile' }),
    );
    expect(error.responseStatusCode).toBe(400);
    expect(error.errorEscaped?.code).toBe('badRequest');
    expect(error.errorEscaped?.details?.map((detail) => detail.target)).toContain('phoneNumber');
  });

  test('no token rejects with ODataError 401 InvalidAuthenticationToken', async () => {
    const error = await rejection(
      graphClient(undefined)
        .users.byUserId(randomUUID())
        .authentication.phoneMethods.post({ phoneNumber: '+1 2065550100', phoneType: 'mobile' }),
    );
    expect(error.responseStatusCode).toBe(401);
    expect(error.errorEscaped?.code).toBe('InvalidAuthenticationToken');
  });
});

describe('@microsoft/msgraph-beta-sdk models: users/{id}/profile/phones', () => {
  const errorMapping: ErrorMappings = { XXX: createODataErrorFromDiscriminatorValue };

  /** The request the beta SDK's generated request builder builds for POST .../profile/phones. */
  function postPhone(
    adapter: RequestAdapter,
    userId: string,
    phone: Partial<ItemPhone>,
  ): Promise<ItemPhone | undefined> {
    const requestInfo = new RequestInformation(HttpMethod.POST, '{+baseurl}/users/{user%2Did}/profile/phones', {
      baseurl: adapter.baseUrl,
      'user%2Did': userId,
    });
    requestInfo.headers.tryAdd('Accept', 'application/json');
    requestInfo.setContentFromParsable(adapter, 'application/json', phone, serializeItemPhone);
    return adapter.send<ItemPhone>(requestInfo, createItemPhoneFromDiscriminatorValue, errorMapping);
  }

  test('201 parses into an ItemPhone with number, type and createdBy; allowedAudiences goes over the wire', async () => {
    const oid = randomUUID();
    const upn = `Local.Developer.${oid.slice(0, 8)}@contoso.example`;
    const token = await server.devIssuer!.mint({ oid, upn, scp: 'User.ReadWrite', wids: [], name: 'Local Developer' });

    const phone = await postPhone(adapterWith(token), upn, {
      number: '+1 (425) 555-0100',
      type: 'business',
      allowedAudiences: ['me', 'family'],
    });

    expect(phone).toMatchObject({ number: '+1 (425) 555-0100', type: 'business' });
    expect(phone?.createdBy?.user?.id).toBe(oid);
    // allowedAudiences is a flags enum: Graph and this service send it as one comma-separated string,
    // which the SDK writes correctly but kiota-serialization-json (TS) reads only from a JSON array
    // (microsoft/kiota#5309), so the parsed value is empty; the stored value shows the round trip.
    const [stored] = await storedItems('profilePhones', oid);
    expect(stored).toMatchObject({ id: phone?.id, number: '+1 (425) 555-0100', allowedAudiences: 'me,family' });
    expect(phone?.createdBy?.user?.displayName).toBe('Local Developer');
    expect(phone?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(phone?.createdDateTime).toBeInstanceOf(Date);
  });

  test('403 for another user rejects with ODataError accessDenied', async () => {
    const token = await server.devIssuer!.mint({ scp: 'User.ReadWrite', wids: [] });
    const error = await rejection(postPhone(adapterWith(token), randomUUID(), { number: '555 0100' }));
    expect(error.responseStatusCode).toBe(403);
    expect(error.errorEscaped?.code).toBe('accessDenied');
  });
});
