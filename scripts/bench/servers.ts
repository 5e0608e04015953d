import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { Operation } from '../../shared/http/operation';
import { ROUTE_PREFIX } from '../../shared/http/graphResponses';
import type { Services } from '../../shared/services';
import type { RegisteredFunction } from '../local/functionHost';
import { closeServer, createLocalHttpServer, listen } from '../local/httpServer';
import { routeListener } from '../local/router';
import { compileRoute } from '../../shared/http/routeTemplates';
import { BASELINES } from './baselines';

/** A baseline server: its origin and how to stop it. */
export interface BaselineServer {
  origin: string;
  close(): Promise<void>;
}

/** Where an operation's baseline is served: `/beta/{operation}/users/{userId}/{the operation's path}`. */
export const baselinePathPrefix = (operation: string) => `/${ROUTE_PREFIX}/${operation}`;

/**
 * The storage-only server: each operation's baseline (baselines.ts) registered as an HTTP function
 * and served by the same host emulation as the service (scripts/local: node:http server, router,
 * HttpRequest and InvocationContext, answer writing), with the service's own Cosmos client, so the
 * process still has exactly one. The host is the platform's, not the service's, so both sides pay
 * for it and the ratio is left with what the service itself adds: authentication, validation and
 * Graph's shape.
 */
export async function startStorageOnlyServer(
  services: Services,
  operations: readonly Operation[],
): Promise<BaselineServer> {
  const functions: RegisteredFunction[] = operations.flatMap((operation) => {
    const baseline = BASELINES[operation.name];
    if (!baseline) return [];
    const handler = async (request: HttpRequest): Promise<HttpResponseInit> => {
      const body = operation.body ? ((await request.json()) as Record<string, unknown>) : {};
      const answer = await baseline(services, { userId: request.params.userId!, itemId: request.params.id, body });
      return {
        status: answer.status,
        headers: { 'content-type': 'application/json' },
        ...(answer.body === undefined ? {} : { body: JSON.stringify(answer.body) }),
      };
    };
    const path = `${operation.name}/users/{userId}/${operation.path}`;
    return [
      {
        name: `${operation.name}StorageOnly`,
        methods: [operation.method],
        route: compileRoute(ROUTE_PREFIX, path),
        handler,
      },
    ];
  });
  const routes = { functions, openApi: () => '{}', port: 0, print: () => undefined };
  // The local server's own listener, so both sides of the comparison are answered alike.
  const server = createLocalHttpServer(routeListener(routes));
  const url = await listen(server, 0, '127.0.0.1');
  return { origin: new URL(url).origin, close: () => closeServer(server) };
}
