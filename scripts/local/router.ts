import type { IncomingMessage, ServerResponse } from 'node:http';
import { getConfig } from '../../shared/config';
import { badRequest, GraphError } from '../../shared/http/graphErrors';
import type { DevIssuer } from '../devIssuer';
import { BadPathError, decodeSegment, matchRoute, type CompiledRoute } from '../routes';
import { methodNotAllowed, notFound, requestError, writeAnswer, type LocalAnswer } from './answers';
import { serveApiReference } from './apiReference';
import { answerPreflight, setCorsHeaders } from './cors';
import { isDevIssuerPath, serveDevIssuer } from './devIssuerEndpoint';
import { invokeFunction, type RegisteredFunction } from './functionHost';
import { readBody } from './requestBody';
import { staleDevTokenError } from './staleToken';

/** Which answer a request gets: the server's own endpoints, then the recorded functions' routes. */

export interface RouteContext {
  functions: RegisteredFunction[];
  devIssuer?: DevIssuer;
  openApi: () => string;
  port: number;
  print: (line: string) => void;
}

/**
 * The node:http request listener that answers with `route`: 503 (and the connection closed) while
 * `isReady()` is false, a bare 500 when routing fails unexpectedly, the socket destroyed when even
 * writing fails. The local server and the benchmark's storage-only server both listen with it.
 */
export function routeListener(routes: RouteContext, isReady: () => boolean = () => true) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    setCorsHeaders(request, response);
    const ready = isReady();
    const answer = ready
      ? route(request, routes)
      : Promise.resolve(requestError(new GraphError(503, 'serviceNotAvailable', 'The server is starting.'), request));
    answer
      .catch(() => requestError(new GraphError(500, 'generalException', 'An unexpected error occurred.'), request))
      .then((result) =>
        writeAnswer(response, ready ? result : { ...result, headers: { ...result.headers, Connection: 'close' } }),
      )
      .catch(() => response.socket?.destroy());
  };
}

export async function route(request: IncomingMessage, routes: RouteContext): Promise<LocalAnswer> {
  const method = (request.method ?? 'GET').toUpperCase();
  // The server's own answers get a line like the handlers' (never the path: it may name a user).
  const logLocal = (answer: LocalAnswer, errorCode?: string) => {
    routes.print(
      JSON.stringify({ event: 'request', method, status: answer.status, ...(errorCode ? { errorCode } : {}) }),
    );
    return answer;
  };
  try {
    // As the host does, the request URL carries the Host header's authority (links are built from it).
    const base = `http://${request.headers.host ?? '127.0.0.1'}`;
    if (!URL.canParse(request.url ?? '/', base))
      return logLocal(requestError(badRequest('The request URL or Host header is not valid.'), request), 'badRequest');
    const url = new URL(request.url ?? '/', base);
    const path = url.pathname.toLowerCase();
    const local = answerPreflight(request, method) ?? serveApiReference(request, path, method, routes);
    if (local) return logLocal(local);
    const issued =
      routes.devIssuer && isDevIssuerPath(path)
        ? await serveDevIssuer(request, path, method, routes.devIssuer, routes.port)
        : undefined;
    if (issued) return logLocal(issued);

    const segments = new PathSegments(url.pathname);
    const paramsFor = (fn: RegisteredFunction) =>
      segments.mayMatch(fn.route) ? matchRoute(fn.route, url.pathname) : undefined;
    // The functions for this method first; the others are only looked at to tell a 405 from a 404.
    const match = firstMatch(
      routes.functions.filter((fn) => fn.methods.includes(method)),
      paramsFor,
    );
    if (!match) {
      const others = routes.functions.filter((fn) => !fn.methods.includes(method) && paramsFor(fn));
      const answer =
        others.length > 0
          ? methodNotAllowed(
              request,
              method,
              others.flatMap((fn) => fn.methods),
            )
          : notFound(request, method);
      return logLocal(answer, answer.status === 405 ? 'MethodNotAllowed' : 'ResourceNotFound');
    }
    const stale = routes.devIssuer && staleDevTokenError(request, routes.devIssuer);
    if (stale) throw stale;
    // The configured limit applies before anything is buffered (the handler checks it again).
    const body = await readBody(request, getConfig().maxBodyBytes);
    return await invokeFunction({
      request,
      url,
      method,
      body,
      fn: match.fn,
      params: match.params,
      print: routes.print,
    });
  } catch (error) {
    const graphError = error instanceof BadPathError ? badRequest(error.message) : error;
    if (graphError instanceof GraphError) return logLocal(requestError(graphError, request), graphError.code);
    throw error;
  }
}

function firstMatch(
  functions: readonly RegisteredFunction[],
  paramsFor: (fn: RegisteredFunction) => Record<string, string> | undefined,
) {
  for (const fn of functions) {
    const params = paramsFor(fn);
    if (params) return { fn, params };
  }
  return undefined;
}

/**
 * A request path split and decoded once, segment by segment on first use, so that the routes that
 * cannot match are passed over without `matchRoute` splitting and decoding the path again for each
 * of them. `mayMatch` makes `matchRoute`'s checks in its order and is false only where `matchRoute`
 * answers undefined without throwing: a segment with a broken encoding, once reached, leaves the
 * route to `matchRoute` (which throws BadPathError for it), so which path errors is unchanged.
 */
class PathSegments {
  private readonly raw: string[];
  private readonly decoded: Array<string | null | undefined>;

  constructor(pathname: string) {
    // As matchRoute: one leading and one trailing slash are ignored.
    const trimmed = pathname.replace(/^\//, '').replace(/\/$/, '');
    this.raw = trimmed.length === 0 ? [] : trimmed.split('/');
    this.decoded = new Array<string | null | undefined>(this.raw.length);
  }

  mayMatch(route: CompiledRoute): boolean {
    const raw = this.raw;
    if (raw.length > route.segments.length) return false;
    for (const [index, segment] of route.segments.entries()) {
      if (index >= raw.length) {
        if (segment.kind === 'parameter' && segment.optional) continue;
        return false;
      }
      const value = this.segment(index);
      if (value === null) return true;
      if (value.length === 0) return false;
      if (
        segment.kind === 'literal'
          ? value.toLowerCase() !== segment.text
          : segment.constraint !== undefined && !segment.constraint.test(value)
      )
        return false;
    }
    return true;
  }

  /** The decoded segment, or null when its percent-encoding is broken. */
  private segment(index: number): string | null {
    let value = this.decoded[index];
    if (value === undefined) {
      try {
        value = decodeSegment(this.raw[index]!);
      } catch (error) {
        if (!(error instanceof BadPathError)) throw error;
        value = null;
      }
      this.decoded[index] = value;
    }
    return value;
  }
}
