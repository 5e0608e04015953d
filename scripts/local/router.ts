import type { IncomingMessage } from 'node:http';
import { getConfig } from '../../shared/config';
import { badRequest, GraphError } from '../../shared/http/graphErrors';
import type { DevIssuer } from '../devIssuer';
import { BadPathError, matchRoute } from '../routes';
import { json, methodNotAllowed, notFound, requestError, type LocalAnswer } from './answers';
import { serveDevIssuer } from './devIssuerEndpoint';
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

export async function route(request: IncomingMessage, routes: RouteContext): Promise<LocalAnswer> {
  const method = (request.method ?? 'GET').toUpperCase();
  // The server's own answers get a line like the handlers' (never the path: it may name a user).
  const logLocal = (answer: LocalAnswer, errorCode?: string) => {
    routes.print(JSON.stringify({ event: 'request', method, status: answer.status, ...(errorCode ? { errorCode } : {}) }));
    return answer;
  };
  try {
    // As the host does, the request URL carries the Host header's authority (links are built from it).
    const base = `http://${request.headers.host ?? '127.0.0.1'}`;
    if (!URL.canParse(request.url ?? '/', base)) return logLocal(requestError(badRequest('The request URL or Host header is not valid.'), request), 'badRequest');
    const url = new URL(request.url ?? '/', base);
    const path = url.pathname.toLowerCase();
    if (path === '/openapi.json' && method === 'GET') return logLocal(json(200, routes.openApi()));
    const issued = routes.devIssuer ? await serveDevIssuer(request, path, method, routes.devIssuer, routes.port) : undefined;
    if (issued) return logLocal(issued);

    const matches = routes.functions.flatMap((fn) => {
      const params = matchRoute(fn.route, url.pathname);
      return params ? [{ fn, params }] : [];
    });
    const match = matches.find(({ fn }) => fn.methods.includes(method));
    if (!match) {
      const answer = matches.length > 0 ? methodNotAllowed(request, method, matches.flatMap(({ fn }) => fn.methods)) : notFound(request, method);
      return logLocal(answer, answer.status === 405 ? 'MethodNotAllowed' : 'ResourceNotFound');
    }
    // The configured limit applies before anything is buffered (the handler checks it again).
    const body = await readBody(request, getConfig().maxBodyBytes);
    return await invokeFunction({ request, url, method, body, fn: match.fn, params: match.params, print: routes.print });
  } catch (error) {
    const graphError = error instanceof BadPathError ? badRequest(error.message) : error;
    if (graphError instanceof GraphError) return logLocal(requestError(graphError, request), graphError.code);
    throw error;
  }
}
