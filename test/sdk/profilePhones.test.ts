import { randomUUID } from 'node:crypto';
import { HttpMethod, RequestInformation, type ErrorMappings, type RequestAdapter } from '@microsoft/kiota-abstractions';
import { GraphRequestAdapter } from '@microsoft/msgraph-sdk';
import {
  createItemPhoneCollectionResponseFromDiscriminatorValue,
  createItemPhoneFromDiscriminatorValue,
  serializeItemPhone,
  type ItemPhone,
  type ItemPhoneCollectionResponse,
} from '@microsoft/msgraph-beta-sdk/models/index.js';
import {
  createODataErrorFromDiscriminatorValue,
  type ODataError,
} from '@microsoft/msgraph-beta-sdk/models/oDataErrors/index.js';
import type { LocalServer } from '../../scripts/localServer';
import { startUnconfiguredLocalServer } from '../support/devLocalServer';
import { storedItems } from '../support/storage';

/**
 * The Graph beta SDK's ItemPhone models as a real client for the whole profile-phone lifecycle on the
 * running local server: the requests its generated builders make for `users/{id}/profile/phones`.
 */

let server: LocalServer;

beforeAll(async () => {
  server = await startUnconfiguredLocalServer();
});

afterAll(() => server?.close());

const errorMapping: ErrorMappings = { XXX: createODataErrorFromDiscriminatorValue };

function adapterFor(token: string): RequestAdapter {
  const adapter = new GraphRequestAdapter({
    authenticateRequest: (request: RequestInformation) => {
      request.headers.tryAdd('Authorization', `Bearer ${token}`);
      return Promise.resolve();
    },
  });
  adapter.baseUrl = server.baseUrl;
  return adapter;
}

function requestFor(
  adapter: RequestAdapter,
  method: HttpMethod,
  userId: string,
  id?: string,
  query?: Record<string, string>,
) {
  const template = `{+baseurl}/users/{user%2Did}/profile/phones${id ? '/{itemPhone%2Did}' : ''}${query ? '{?%24top,%24orderby}' : ''}`;
  const info = new RequestInformation(method, template, {
    baseurl: adapter.baseUrl,
    'user%2Did': userId,
    ...(id ? { 'itemPhone%2Did': id } : {}),
  });
  for (const [name, value] of Object.entries(query ?? {})) info.queryParameters[`%24${name}`] = value;
  info.headers.tryAdd('Accept', 'application/json');
  return info;
}

describe('@microsoft/msgraph-beta-sdk models: the profile-phone lifecycle', () => {
  test('post, list (paged), get, patch and delete parse into the SDK types; errors are ODataErrors', async () => {
    const oid = randomUUID();
    const upn = `Local.Developer.${oid.slice(0, 8)}@contoso.example`;
    const adapter = adapterFor(
      await server.devIssuer!.mint({ oid, upn, scp: 'User.ReadWrite', wids: [], name: 'Local Developer' }),
    );

    const ids: string[] = [];
    for (const number of ['+1 425 555 0100', '+1 425 555 0101', '+1 425 555 0102']) {
      const post = requestFor(adapter, HttpMethod.POST, upn);
      post.setContentFromParsable(
        adapter,
        'application/json',
        { number, type: 'business' } satisfies Partial<ItemPhone>,
        serializeItemPhone,
      );
      const created = await adapter.send<ItemPhone>(post, createItemPhoneFromDiscriminatorValue, errorMapping);
      ids.push(created!.id!);
    }

    const firstPage = await adapter.send<ItemPhoneCollectionResponse>(
      requestFor(adapter, HttpMethod.GET, upn, undefined, { top: '2', orderby: 'number desc' }),
      createItemPhoneCollectionResponseFromDiscriminatorValue,
      errorMapping,
    );
    expect(firstPage?.value?.map((phone) => phone.number)).toEqual(['+1 425 555 0102', '+1 425 555 0101']);
    expect(firstPage?.odataNextLink).toContain('$skiptoken=');
    const next = new RequestInformation(HttpMethod.GET);
    next.urlTemplate = '{+url}';
    next.pathParameters = { url: firstPage!.odataNextLink! };
    const secondPage = await adapter.send<ItemPhoneCollectionResponse>(
      next,
      createItemPhoneCollectionResponseFromDiscriminatorValue,
      errorMapping,
    );
    expect(secondPage?.value?.map((phone) => phone.number)).toEqual(['+1 425 555 0100']);
    expect(secondPage?.odataNextLink).toBeUndefined();

    const got = await adapter.send<ItemPhone>(
      requestFor(adapter, HttpMethod.GET, upn, ids[1]),
      createItemPhoneFromDiscriminatorValue,
      errorMapping,
    );
    expect(got).toMatchObject({ id: ids[1], number: '+1 425 555 0101', type: 'business' });
    expect(got?.createdDateTime).toBeInstanceOf(Date);

    const patch = requestFor(adapter, HttpMethod.PATCH, upn, ids[1]);
    patch.setContentFromParsable(
      adapter,
      'application/json',
      { displayName: 'Reception', type: 'other' } satisfies Partial<ItemPhone>,
      serializeItemPhone,
    );
    const patched = await adapter.send<ItemPhone>(patch, createItemPhoneFromDiscriminatorValue, errorMapping);
    expect(patched).toMatchObject({ id: ids[1], number: '+1 425 555 0101', displayName: 'Reception', type: 'other' });
    expect(patched?.lastModifiedBy?.user?.id).toBe(oid);

    await adapter.sendNoResponseContent(requestFor(adapter, HttpMethod.DELETE, upn, ids[0]), errorMapping);
    expect((await storedItems('profilePhones', oid)).map((phone) => phone.id).sort()).toEqual([ids[1], ids[2]].sort());

    const missing = await adapter
      .send<ItemPhone>(
        requestFor(adapter, HttpMethod.GET, upn, ids[0]),
        createItemPhoneFromDiscriminatorValue,
        errorMapping,
      )
      .then(
        () => undefined,
        (error: ODataError) => error,
      );
    expect(missing?.responseStatusCode).toBe(404);
    expect(missing?.errorEscaped?.code).toBe('itemNotFound');
  });
});
