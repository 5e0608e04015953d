import type { IncomingMessage, ServerResponse } from 'node:http';
import { getConfig } from '../../shared/config';
import { batchBodyLimit, isBatchRoute } from '../../shared/http/batchRequest';
import { badRequest, GraphError } from '../../shared/http/graphErrors';
import type { DevIssuer } from '../devIssuer';
import { BadPathError, findRoute } from '../../shared/http/routeTemplates';
import { json, methodNotAllowed, notFound, requestError, writeAnswer, type LocalAnswer } from './answers';
import { isDevIssuerPath, serveDevIssuer } from './devIssuerEndpoint';
import { invokeFunction, type RegisteredFunction } from './functionHost';
import { readBody } from './requestBody';

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
    if (path === '/openapi.json' && method === 'GET') return logLocal(json(200, routes.openApi()));
    const issued =
      routes.devIssuer && isDevIssuerPath(path)
        ? await serveDevIssuer(request, path, method, routes.devIssuer, routes.port)
        : undefined;
    if (issued) return logLocal(issued);

    const found = findRoute(routes.functions, method, url.pathname);
    if (found.kind !== 'match') {
      const answer =
        found.kind === 'methodNotAllowed'
          ? methodNotAllowed(request, method, found.allowed)
          : notFound(request, method);
      return logLocal(answer, answer.status === 405 ? 'MethodNotAllowed' : 'ResourceNotFound');
    }
    // The configured limit applies before anything is buffered (the handler checks it again).
    const { maxBodyBytes } = getConfig();
    const limit = isBatchRoute(found.entry.route.template) ? batchBodyLimit(maxBodyBytes) : maxBodyBytes;
    const body = await readBody(request, limit);
    return await invokeFunction({
      request,
      url,
      method,
      body,
      fn: found.entry,
      params: found.params,
      print: routes.print,
    });
  } catch (error) {
    const graphError = error instanceof BadPathError ? badRequest(error.message) : error;
    if (graphError instanceof GraphError) return logLocal(requestError(graphError, request), graphError.code);
    throw error;
  }
}
