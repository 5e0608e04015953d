import { randomUUID } from 'node:crypto';
import type { AuthenticationProvider, ErrorMappings, RequestInformation } from '@microsoft/kiota-abstractions';
import {
  BatchRequestContent as ClientBatchRequestContent,
  BatchResponseContent as ClientBatchResponseContent,
} from '@microsoft/microsoft-graph-client';
import { createGraphServiceClient, GraphRequestAdapter } from '@microsoft/msgraph-sdk';
import { BatchRequestContent, BatchRequestContentCollection, type BatchRequestStep } from '@microsoft/msgraph-sdk-core';
import '@microsoft/msgraph-sdk-users';
import { createODataErrorFromDiscriminatorValue } from '@microsoft/msgraph-sdk/models/oDataErrors/index.js';
import type { LocalServer } from '../../scripts/localServer';
import { startDevLocalServer } from '../support/devLocalServer';
import { ALTERNATE_MOBILE_ID, MOBILE_ID } from '../support/constants';
import { randomNumber, storedMethods } from '../support/phoneMethods';

/**
 * Microsoft's JavaScript batch helpers against the running local server, their batches posted as they
 * build them and every answer read back through them:
 * - the Graph JavaScript client v3 (`@microsoft/microsoft-graph-client`): `BatchRequestContent` turns
 *   fetch Requests (creates with JSON bodies) into the batch body, `BatchResponseContent` reads the
 *   answers. Its Client adds tokens only for https hosts, so the test posts the body itself;
 * - the v1 SDK's core (`@microsoft/msgraph-sdk-core`): `BatchRequestContent` and
 *   `BatchRequestContentCollection` post through the SDK's own request adapter. This version sends an
 *   item's headers and JSON body as `{}` (its serializer writes plain objects empty), so it is driven
 *   with requests that have no body: reads, deletes.
 */

let server: LocalServer;
let adapter: GraphRequestAdapter;
let token: string;
const errorMappings: ErrorMappings = { XXX: createODataErrorFromDiscriminatorValue };

beforeAll(async () => {
  // Users are fresh object ids: the run's stand-in directory, where every object id is a user.
  server = await startDevLocalServer({ DIRECTORY_ENDPOINT: process.env.DIRECTORY_ENDPOINT });
  token = await server.devIssuer!.mint({ scp: 'UserAuthenticationMethod.ReadWrite.All' });
  const provider: AuthenticationProvider = {
    authenticateRequest: (request: RequestInformation) => {
      request.headers.tryAdd('Authorization', `Bearer ${token}`);
      return Promise.resolve();
    },
  };
  adapter = new GraphRequestAdapter(provider);
  adapter.baseUrl = server.baseUrl;
});

afterAll(() => server?.close());

/** Creates through the Graph JavaScript client's batch helpers; answers each Response by request id. */
async function createThroughClientBatch(
  creates: Array<{ id: string; userId: string; phoneNumber: string; phoneType: string }>,
) {
  const content = new ClientBatchRequestContent(
    creates.map(({ id, userId, phoneNumber, phoneType }) => ({
      id,
      request: new Request(`${server.baseUrl}/users/${userId}/authentication/phoneMethods`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ phoneNumber, phoneType }),
      }),
    })),
  );
  const posted = await fetch(`${server.baseUrl}/$batch`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(await content.getContent()),
  });
  expect(posted.status).toBe(200);
  return new ClientBatchResponseContent(
    (await posted.json()) as ConstructorParameters<typeof ClientBatchResponseContent>[0],
  );
}

test('Graph JavaScript client v3: 20 creates for 20 users in one batch, every Response read', async () => {
  const creates = Array.from({ length: 20 }, (_, index) => ({
    id: String(index + 1),
    userId: randomUUID(),
    phoneNumber: index === 4 ? 'not a number' : randomNumber(),
    phoneType: 'mobile',
  }));
  const answers = await createThroughClientBatch(creates);
  for (const create of creates) {
    const response = answers.getResponseById(create.id);
    const failed = create.id === '5';
    expect([create.id, response.status]).toEqual([create.id, failed ? 400 : 201]);
    const body = (await response.json()) as { phoneNumber?: string; error?: { code: string } };
    if (failed) expect(body.error?.code).toBe('badRequest');
    else expect(body.phoneNumber).toBe(create.phoneNumber);
    expect((await storedMethods(create.userId)).map((method) => method.phoneNumber)).toEqual(
      failed ? [] : [create.phoneNumber],
    );
  }
});

test('v1 SDK BatchRequestContent: a serial chain (list, delete the alternate, list), each answer read', async () => {
  const userId = randomUUID();
  const mobile = randomNumber();
  await createThroughClientBatch([{ id: 'm', userId, phoneNumber: mobile, phoneType: 'mobile' }]);
  await createThroughClientBatch([{ id: 'a', userId, phoneNumber: randomNumber(), phoneType: 'alternateMobile' }]);

  const phoneMethods = createGraphServiceClient(adapter).users.byUserId(userId).authentication.phoneMethods;
  const content = new BatchRequestContent(adapter, errorMappings);
  content.addBatchRequest(phoneMethods.toGetRequestInformation(), 'before');
  const remove = content.addBatchRequest(
    phoneMethods.byPhoneAuthenticationMethodId(ALTERNATE_MOBILE_ID).toDeleteRequestInformation(),
    'remove',
  );
  remove.dependsOn = ['before'];
  const after = content.addBatchRequest(phoneMethods.toGetRequestInformation(), 'after');
  after.dependsOn = ['remove'];

  const answers = await content.postAsync();
  expect(answers).toBeDefined();
  expect(Object.fromEntries(await answers!.getResponsesStatusCodes())).toEqual({
    before: 200,
    remove: 204,
    after: 200,
  });
  expect(answers!.getResponseById('remove')?.headers).toBeDefined();
  expect((await storedMethods(userId)).map((method) => [method.id, method.phoneNumber])).toEqual([[MOBILE_ID, mobile]]);
});

test('v1 SDK BatchRequestContentCollection: 25 deletes go out as batches of 20 and 5; a missing one fails alone', async () => {
  const users = Array.from({ length: 25 }, () => randomUUID());
  const creates = users.flatMap((userId, index) =>
    index === 7 ? [] : [{ id: String(index), userId, phoneNumber: randomNumber(), phoneType: 'mobile' }],
  );
  await createThroughClientBatch(creates.slice(0, 20));
  await createThroughClientBatch(creates.slice(20));

  const collection = new BatchRequestContentCollection(adapter, errorMappings, 20);
  collection.addRequests(
    users.map((userId, index): BatchRequestStep => ({
      id: `remove-${index}`,
      method: 'DELETE',
      url: `/users/${userId}/authentication/phoneMethods/${MOBILE_ID}`,
    })),
  );
  const answers = await collection.postAsync();
  expect(answers).toBeDefined();
  const statuses = await answers!.getResponsesStatusCodes();
  expect(statuses.size).toBe(25);
  for (const [index, userId] of users.entries()) {
    expect([index, statuses.get(`remove-${index}`)]).toEqual([index, index === 7 ? 404 : 204]);
    expect(await storedMethods(userId)).toEqual([]);
  }
});
