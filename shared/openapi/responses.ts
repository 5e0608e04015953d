import { z } from 'zod';
import {
  accessDenied,
  badRequest,
  conflict,
  generalException,
  invalidToken,
  itemNotFound,
  resourceNotFound,
  payloadTooLarge,
  quotaLimitReached,
  serviceNotAvailable,
  tooManyRequests,
  unsupportedMediaType,
  type GraphError,
} from '../http/graphErrors';
import type { Operation, OperationResponse } from '../http/operation';
import { requestIdHeaders } from '../http/requestIds';
import { unique, type Json } from './json';
import type { QueryDocumentation } from './parameters';
import {
  collectionBody,
  entityBody,
  ERROR_SCHEMA,
  graphTypeOf,
  JSON_MEDIA_TYPE,
  schemaRef,
  type Components,
} from './schemas';

/* Status, code and extra headers are read from the error factories the pipeline throws. */

/** The header names every response carries, taken from the function that sets them. */
const REQUEST_ID_HEADERS = Object.keys(requestIdHeaders({ requestId: '', clientRequestId: '' }));

const HEADER_DESCRIPTIONS: Record<string, string> = {
  'request-id': 'A new GUID identifying this request.',
  'client-request-id': "The caller's client-request-id when it is a reasonable token, else equal to request-id.",
  Location: 'URL of the created entity.',
  'OData-Version': 'Always 4.0.',
  'WWW-Authenticate': 'RFC 6750 Bearer challenge.',
  'Retry-After': 'Seconds to wait before retrying.',
};

function headerObjects(names: string[]): Json {
  return Object.fromEntries(
    unique(names).map((name) => {
      const description = HEADER_DESCRIPTIONS[name];
      if (!description) throw new Error(`OpenAPI: no description for response header '${name}'.`);
      return [name, { description, schema: { type: 'string' } }];
    }),
  );
}

const readsBody = (operation: Operation) => operation.body !== undefined;

interface ErrorStatus {
  /** The errors answered with this status; the first one's code names the shared response. */
  errors: [GraphError, ...GraphError[]];
  when: string;
  /** Only operations this accepts can answer it; every operation when absent. */
  appliesTo?: (operation: Operation) => boolean;
}

/** The Graph error statuses, each with the errors the pipeline and the operations throw for it. */
export const ERROR_STATUSES: ErrorStatus[] = [
  {
    errors: [badRequest('')],
    when: 'Malformed JSON, a validation failure, an invalid {userId}, /me with an application-only token, or a query option the operation does not support or that is malformed.',
  },
  {
    errors: [invalidToken('', true)],
    when: 'No, malformed, expired, wrongly signed, or wrong issuer/audience/tenant token.',
  },
  { errors: [accessDenied('', [])], when: 'Valid token without the permission, or not allowed on that user.' },
  {
    errors: [itemNotFound(''), resourceNotFound('')],
    when: 'No item with that id exists for this user (itemNotFound), or the directory has no such user (Request_ResourceNotFound).',
  },
  {
    errors: [conflict(''), quotaLimitReached(0)],
    when: "The change collides with an existing item, the user already has the maximum number of items, or the change would make the user's stored data larger than its limit.",
    appliesTo: readsBody,
  },
  { errors: [payloadTooLarge(0)], when: 'Body over the configured limit.', appliesTo: readsBody },
  { errors: [unsupportedMediaType()], when: 'Content-Type is not JSON.', appliesTo: readsBody },
  { errors: [tooManyRequests(1)], when: 'Storage throttled past retries.' },
  { errors: [generalException()], when: 'Anything unexpected; no internals in the body.' },
  { errors: [serviceNotAvailable('', 1)], when: 'Storage, the token key set or the directory unreachable.' },
];

export const statusOf = ({ errors }: ErrorStatus) => errors[0].status;

export function errorResponses(): Json {
  return Object.fromEntries(
    ERROR_STATUSES.map((entry) => [
      entry.errors[0].code,
      {
        description: `${statusOf(entry)} ${entry.errors.map(({ code }) => code).join(' or ')}: ${entry.when}`,
        headers: headerObjects([...REQUEST_ID_HEADERS, ...entry.errors.flatMap((error) => Object.keys(error.headers))]),
        content: { [JSON_MEDIA_TYPE]: { schema: schemaRef(ERROR_SCHEMA) } },
      },
    ]),
  );
}

/** The success response of an operation in one version (`response` is what it answers there). */
export function successResponse(
  operation: Operation,
  response: OperationResponse,
  components: Components,
  query: QueryDocumentation,
): [string, Json] {
  const { status, schema, collection } = response;
  const odataHeaders = ['OData-Version', ...REQUEST_ID_HEADERS];
  if (status === 204 || !schema) {
    return [String(status), { description: 'Success, no content.', headers: headerObjects(REQUEST_ID_HEADERS) }];
  }
  const type = graphTypeOf(schema);
  if (collection) {
    // With `$select` an item holds only the selected properties, so none is required.
    const selectable = query.parameters.some(({ name }) => name === '$select');
    const item = selectable && schema instanceof z.ZodObject ? schema.partial() : schema;
    const countable = query.parameters.some(({ name }) => name === '$count');
    const ref = components.add(
      `${type ?? operation.name}CollectionResponse`,
      collectionBody(item, countable),
      'output',
    );
    return [
      String(status),
      {
        description: 'A page of the collection; follow `@odata.nextLink` for the next one.',
        headers: headerObjects(odataHeaders),
        content: { [JSON_MEDIA_TYPE]: { schema: ref } },
      },
    ];
  }
  const ref = components.add(type ?? `${operation.name}Response`, entityBody(schema), 'output');
  return [
    String(status),
    {
      description: status === 201 ? 'Created.' : 'The entity.',
      headers: headerObjects(status === 201 ? ['Location', ...odataHeaders] : odataHeaders),
      content: { [JSON_MEDIA_TYPE]: { schema: ref } },
    },
  ];
}
