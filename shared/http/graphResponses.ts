import type { HttpResponseInit } from '@azure/functions';
import host from '../../host.json';
import type { GraphError, GraphErrorDetail } from './graphErrors';
import { requestIdHeaders, type RequestIds } from './requestIds';

/** The route prefix the Functions host puts before every route (host.json): empty, routes start with their version. */
export const ROUTE_PREFIX = host.extensions.http.routePrefix;

/** Sent on every response, success or error. */
export const SECURITY_HEADERS = { 'X-Content-Type-Options': 'nosniff' } as const;

/** An error answer stays small whatever the request held: at most this many details... */
const MAX_ERROR_DETAILS = 20;
/** ...and no text longer than this (a property name can be as long as the body allows). */
const MAX_ERROR_TEXT = 300;

const bounded = (text: string) => (text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT - 1)}…` : text);

function boundedDetails(details: readonly GraphErrorDetail[]): GraphErrorDetail[] {
  return details.slice(0, MAX_ERROR_DETAILS).map((detail) => ({
    code: detail.code,
    message: bounded(detail.message),
    target: bounded(detail.target),
  }));
}

/** Graph's error body: `{"error":{code,message,details,innerError}}`. The only error response builder. */
export function errorResponse(error: GraphError, ids: RequestIds): HttpResponseInit {
  return {
    status: error.status,
    headers: {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache',
      ...SECURITY_HEADERS,
      ...requestIdHeaders(ids),
      ...error.headers,
    },
    body: JSON.stringify({
      error: {
        code: error.code,
        message: bounded(error.message),
        details: boundedDetails(error.details),
        innerError: {
          date: new Date().toISOString().replace(/\.\d{3}Z$/, ''),
          'request-id': ids.requestId,
          'client-request-id': ids.clientRequestId,
        },
      },
    }),
  };
}
