import type { IncomingMessage, ServerResponse } from 'node:http';
import { getConfig } from '../../shared/config';
import { batchBodyLimit, isBatchRoute } from '../../shared/http/batchRequest';
import { badRequest, generalException, GraphError, serverStarting } from '../../shared/http/graphErrors';
import { invalidHost, isPlainHost } from '../../shared/http/origin';
import { BadPathError, findRoute } from '../../shared/http/routeTemplates';
import type { DevIssuer } from '../devIssuer';
import { methodNotAllowed, notFound, replaceErrorAnswer, requestError, writeAnswer, type LocalAnswer } from './answers';
import { serveApiReference } from './apiReference';
import { answerPreflight, setCorsHeaders } from './cors';
import { isDevIssuerPath, serveDevIssuer } from './devIssuerEndpoint';
import { invokeFunction, type RegisteredFunction } from './functionHost';
import { readBody } from './requestBody';
import { staleDevTokenError } from './staleToken';

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
    setCorsHeaders(request, response);
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
    const local = answerPreflight(request, method) ?? serveApiReference(request, path, method, routes);
    if (local) return logLocal(local);
    const issued =
      routes.devIssuer && isDevIssuerPath(path)
        ? await serveDevIssuer(request, path, method, routes.devIssuer, routes.port)
        : undefined;
    if (issued) return logLocal(issued);

    const found = findRoute(routes.functions, method, url.pathname);
    if (found.kind !== 'match') {
      const answer =
        found.kind === 'methodNotAllowed' ? methodNotAllowed(request, found.allowed) : notFound(request, method);
      return logLocal(answer, answer.status === 405 ? 'MethodNotAllowed' : 'ResourceNotFound');
    }
    // The configured limit applies before anything is buffered (the handler checks it again).
    const { maxBodyBytes } = getConfig();
    const limit = isBatchRoute(found.entry.route.template) ? batchBodyLimit(maxBodyBytes) : maxBodyBytes;
    const body = await readBody(request, limit);
    const answer = await invokeFunction({
      request,
      url,
      method,
      body,
      fn: found.entry,
      params: found.params,
      print: routes.print,
    });
    // Only a token the service refused is decoded again, so an accepted request pays nothing for this.
    const stale = answer.status === 401 && routes.devIssuer && staleDevTokenError(request, routes.devIssuer);
    return stale ? replaceErrorAnswer(answer, stale) : answer;
  } catch (error) {
    const graphError = error instanceof BadPathError ? badRequest(error.message) : error;
    if (graphError instanceof GraphError) return logLocal(requestError(graphError, request), graphError.code);
    if (request.socket.destroyed) return undefined;
    const unexpected = generalException(error);
    return logLocal(requestError(unexpected, request), unexpected.code);
  }
}
