import type { IncomingMessage, ServerResponse } from 'node:http';
import { callerRefused } from '../../shared/http/graphErrors';
import { requestError, type LocalAnswer } from './answers';
import { isLoopbackOrigin } from './devIssuerEndpoint';

/**
 * CORS for the local server: a web app under development on this machine (any loopback origin, any
 * port) may call it from a browser; other origins get no CORS headers, so browsers keep their pages
 * from reading the answers. Only the origin is reflected, never `*`, and no credentials are allowed:
 * callers send their token in Authorization, which the preflight permits. In Azure, CORS is the
 * Function App's setting (docs/deployment.md).
 */

export const CORS_ALLOWED_METHODS = 'GET, POST, PATCH, DELETE';
export const CORS_ALLOWED_HEADERS = 'Authorization, Content-Type, client-request-id, return-client-request-id, Prefer';
/** The headers a browser script may read from an answer besides the CORS-safelisted ones. */
export const CORS_EXPOSED_HEADERS =
  'request-id, client-request-id, Location, OData-Version, WWW-Authenticate, Retry-After, Allow';
const PREFLIGHT_MAX_AGE_SECONDS = '600';

const loopbackOrigin = (request: IncomingMessage) => {
  const origin = request.headers.origin;
  return origin !== undefined && isLoopbackOrigin(origin) ? origin : undefined;
};

/** Sets the CORS headers of an actual (not preflight) answer before it is written. */
export function setCorsHeaders(request: IncomingMessage, response: ServerResponse): void {
  response.setHeader('Vary', 'Origin');
  const origin = loopbackOrigin(request);
  if (!origin) return;
  response.setHeader('Access-Control-Allow-Origin', origin);
  response.setHeader('Access-Control-Expose-Headers', CORS_EXPOSED_HEADERS);
}

/** The answer to a CORS preflight (OPTIONS with Origin and Access-Control-Request-Method), else undefined. */
export function answerPreflight(request: IncomingMessage, method: string): LocalAnswer | undefined {
  if (method !== 'OPTIONS' || !request.headers.origin || !request.headers['access-control-request-method'])
    return undefined;
  const origin = loopbackOrigin(request);
  if (!origin) {
    return requestError(
      callerRefused('The local server accepts cross-origin calls from loopback origins only.'),
      request,
    );
  }
  return {
    status: 204,
    headers: {
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Allow-Methods': CORS_ALLOWED_METHODS,
      'Access-Control-Allow-Headers': CORS_ALLOWED_HEADERS,
      'Access-Control-Max-Age': PREFLIGHT_MAX_AGE_SECONDS,
    },
    body: '',
  };
}
