import type { IncomingMessage, ServerResponse } from 'node:http';
import { getConfig } from '../../shared/config';
import { badRequest, generalException, GraphError, serverStarting } from '../../shared/http/graphErrors';
import { invalidHost, isPlainHost } from '../../shared/http/origin';
import type { DevIssuer } from '../devIssuer';
import {
  BadPathError,
  decodeSegment,
  matchRoute,
  segmentMatches,
  type CompiledRoute,
} from '../../shared/http/routeTemplates';
import { json, methodNotAllowed, notFound, requestError, writeAnswer, type LocalAnswer } from './answers';
import { isDevIssuerPath, serveDevIssuer } from './devIssuerEndpoint';
import { invokeFunction, type RegisteredFunction } from './functionHost';
import { readBody } from './requestBody';

/** Which answer a request gets: the server's own endpoints, then the recorded functions' routes. */

interface RouteContext {
  functions: RegisteredFunction[];
  devIssuer?: DevIssuer;
  openApi: () => string;
  port: number;
  print: (line: string) => void;
}

/**
 * The node:http request listener that answers with `route`: 503 (and the connection closed) while
 * `isReady()` is false, the socket destroyed when even writing fails. Every answer gets one line.
 * The local server and the benchmark's storage-only server both listen with it.
 */
export function routeListener(routes: RouteContext, isReady: () => boolean = () => true) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    const answer = isReady() ? route(request, routes) : Promise.resolve(notReady(request, routes.print));
    answer
      .then((result) => {
        if (result) writeAnswer(response, result);
      })
      .catch(() => request.socket.destroy());
  };
}

function notReady(request: IncomingMessage, print: (line: string) => void): LocalAnswer {
  const answer = requestError(serverStarting(), request);
  printLine(print, methodOf(request), answer, 'serviceNotAvailable');
  return { ...answer, headers: { ...answer.headers, Connection: 'close' } };
}

const methodOf = (request: IncomingMessage) => (request.method ?? 'GET').toUpperCase();

/** The server's own answers get a line like the handlers' (never the path: it may name a user). */
function printLine(print: (line: string) => void, method: string, answer: LocalAnswer, errorCode?: string): void {
  print(JSON.stringify({ event: 'request', method, status: answer.status, ...(errorCode ? { errorCode } : {}) }));
}

/**
 * The URL of a request as the Functions host builds it, from the Host header's authority (links are
 * built from it) or from an absolute-form target. A Host or target that names more than a plain host
 * (credentials, a path, query, fragment, backslash or percent-escape) is a 400.
 */
function requestUrl(request: IncomingMessage): URL {
  const host = request.headers.host ?? '';
  if (!isPlainHost(host)) throw invalidHost();
  const target = request.url ?? '/';
  if (!URL.canParse(target, `http://${host}`)) throw badRequest('The request URL is not valid.');
  const url = new URL(target, `http://${host}`);
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || !isPlainHost(url.host))
    throw invalidHost();
  return url;
}

/**
 * The answer to a request, logged in one line unless a function answered (the handlers log their
 * own); undefined, and no line, when the connection closed before the request was read whole.
 */
export async function route(request: IncomingMessage, routes: RouteContext): Promise<LocalAnswer | undefined> {
  const method = methodOf(request);
  const logLocal = (answer: LocalAnswer, errorCode?: string) => {
    printLine(routes.print, method, answer, errorCode);
    return answer;
  };
  try {
    const url = requestUrl(request);
    const path = url.pathname.toLowerCase();
    if (path === '/openapi.json' && method === 'GET') return logLocal(json(200, routes.openApi()));
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
              others.flatMap((fn) => fn.methods),
            )
          : notFound(request, method);
      return logLocal(answer, answer.status === 405 ? 'MethodNotAllowed' : 'ResourceNotFound');
    }
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
    if (request.socket.destroyed) return undefined;
    const unexpected = generalException(error);
    return logLocal(requestError(unexpected, request), unexpected.code);
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
    const catchAll = route.segments.at(-1)?.kind === 'catchAll';
    if (!catchAll && raw.length > route.segments.length) return false;
    for (const [index, segment] of route.segments.entries()) {
      if (segment.kind === 'catchAll') return true;
      if (index >= raw.length) {
        if (segment.kind === 'parameter' && segment.optional) continue;
        return false;
      }
      const value = this.segment(index);
      if (value === null) return true;
      if (!segmentMatches(segment, value)) return false;
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
