import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import host from '../../host.json';
import { GraphError } from './graphErrors';
import { requestIdHeaders, type RequestIds } from './requestIds';

/** The route prefix the Functions host serves under (host.json), which is also Graph's version segment. */
export const ROUTE_PREFIX = host.extensions.http.routePrefix;

export const ODATA_JSON =
  'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

export interface CreatedResource {
  request: HttpRequest;
  ids: RequestIds;
  /** The `{userId}` path segment exactly as the caller wrote it (decoded). */
  userIdSegment: string;
  /** The canonical user id the resource is stored under. */
  userId: string;
  /** The collection below the user, e.g. `authentication/phoneMethods`. */
  collectionPath: string;
  resource: { id: string };
}

/** 201 Created the way Graph answers: `@odata.context` first, `Location`, OData headers. */
export function created({ request, ids, userIdSegment, userId, collectionPath, resource }: CreatedResource): HttpResponseInit {
  const origin = new URL(request.url).origin;
  const context = `${origin}/${ROUTE_PREFIX}/$metadata#users('${encodeURIComponent(userIdSegment)}')/${collectionPath}/$entity`;
  return {
    status: 201,
    headers: {
      'Content-Type': ODATA_JSON,
      'OData-Version': '4.0',
      'Cache-Control': 'no-cache',
      Location: `${origin}/${ROUTE_PREFIX}/users/${encodeURIComponent(userId)}/${collectionPath}/${encodeURIComponent(resource.id)}`,
      ...requestIdHeaders(ids),
    },
    body: JSON.stringify({ '@odata.context': context, ...resource }),
  };
}

/** Graph's error body: `{"error":{code,message,details,innerError}}`. The only error response builder. */
export function errorResponse(error: GraphError, ids: RequestIds): HttpResponseInit {
  return {
    status: error.status,
    headers: {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache',
      ...requestIdHeaders(ids),
      ...error.headers,
    },
    body: JSON.stringify({
      error: {
        code: error.code,
        message: error.message,
        details: error.details,
        innerError: {
          date: new Date().toISOString().replace(/\.\d{3}Z$/, ''),
          'request-id': ids.requestId,
          'client-request-id': ids.clientRequestId,
        },
      },
    }),
  };
}
