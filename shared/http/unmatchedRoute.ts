import { performance } from 'node:perf_hooks';
import type { HttpHandler, HttpMethod, HttpRequest, InvocationContext } from '@azure/functions';
import { logRequest, type RequestLogEntry } from '../log';
import { badRequest, GraphError, methodNotAllowed, segmentNotFound } from './graphErrors';
import { errorResponse, ROUTE_PREFIX } from './graphResponses';
import type { Registration } from './pipeline';
import { requestIdsFor } from './requestIds';
import {
  BadPathError,
  compileRoute,
  decodeSegment,
  matchedPrefixLength,
  matchRoute,
  rawSegments,
  type CompiledRoute,
} from './routeTemplates';
import { API_VERSIONS } from './versions';

/*
 * Graph's answers for a path under a version that no operation serves, in Azure as locally: one HTTP
 * function whose route takes every path below `/beta/` and `/v1.0/`, registered after the
 * operations. The Functions host tries routes in the order of their functions' names (compared
 * without regard to case), not by how specific a route is, so this function's name sorts after every
 * other name; the registration test checks that, and the local server routes in the host's order.
 */

/** The catch-all's function name: it must sort after every operation's (see above). */
export const UNMATCHED_ROUTE_FUNCTION = 'zzUnmatchedRoute';

/** Every path under a version the service serves: `{version}` is one of them, `{*path}` the rest. */
export const UNMATCHED_ROUTE = `{version:regex(^(${API_VERSIONS.map((version) => version.replace(/\./g, '\\.')).join('|')})$)}/{*path}`;

/** Every method a request can bring: a method no route serves is answered too. */
export const UNMATCHED_ROUTE_METHODS: HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/** A served route with its methods, compiled once. */
export interface ServedRoute {
  route: CompiledRoute;
  method: string;
}

/**
 * What a path no operation answered gets: 405 when an operation serves the path with another
 * method; else 400 naming the first segment no route accepts at its place (or, for a path that stops
 * short of every resource, its last segment).
 */
export function unmatchedRouteError(served: readonly ServedRoute[], pathname: string): GraphError {
  const allowed = served.filter(({ route }) => matchRoute(route, pathname)).map(({ method }) => method);
  if (allowed.length > 0) return methodNotAllowed(allowed);
  const segments = rawSegments(pathname).map(decodeSegment);
  const matched = Math.max(0, ...served.map(({ route }) => matchedPrefixLength(route, segments)));
  return segmentNotFound(segments[Math.min(matched, segments.length - 1)] ?? '');
}

/** The catch-all's handler: Graph's error for the path, and the one log line every request gets. */
export function unmatchedRouteHandler(registrations: readonly Registration[]): HttpHandler {
  const served: ServedRoute[] = registrations.map(({ route, operation }) => ({
    route: compileRoute(ROUTE_PREFIX, route),
    method: operation.method,
  }));
  return (request: HttpRequest, context: InvocationContext) => {
    const started = performance.now();
    const ids = requestIdsFor(request);
    let error: GraphError;
    try {
      error = unmatchedRouteError(served, new URL(request.url).pathname);
    } catch (cause) {
      if (!(cause instanceof BadPathError)) throw cause;
      error = badRequest(cause.message);
    }
    const response = errorResponse(error, ids);
    const log: RequestLogEntry = {
      event: 'request',
      requestId: ids.requestId,
      invocationId: context.invocationId,
      function: context.functionName,
      route: UNMATCHED_ROUTE,
      status: error.status,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      errorCode: error.code,
    };
    logRequest(context, log);
    return Promise.resolve(response);
  };
}
