import { performance } from 'node:perf_hooks';
import type { HttpHandler, HttpRequest, InvocationContext } from '@azure/functions';
import { authorize } from '../auth/permissions';
import { describeCause, logRequest, startLogEntry } from '../log';
import { parseBody } from '../models/validation';
import type { Services } from '../services';
import { resolveUserKey } from '../users/resolveUserKey';
import { GraphError, generalException } from './graphErrors';
import { errorResponse } from './graphResponses';
import type { Operation } from './operation';
import { publicOrigin } from './origin';
import { parseQueryOptions } from './queryOptions';
import { readJsonObject } from './requestBody';
import { requestIdsFor } from './requestIds';
import { render } from './results';

export interface Registration {
  operation: Operation;
  /** The function name: the operation's, with `Me` appended for the `/me` route. */
  name: string;
  /** The route template below the prefix, e.g. `{collection:regex(^users?$)}/{userId}/profile/phones`. */
  route: string;
  /** True for `/me/...`: the user is the signed-in caller. */
  me: boolean;
}

/** Every operation is served on `/users/{userId}/...` (and the other collections it names) and `/me/...`. */
export function registrationsOf(operations: readonly Operation[]): Registration[] {
  return operations.flatMap((operation) => {
    const [first, ...others] = operation.users.collections;
    const collection = others.length === 0 ? first : `{collection:regex(^(${[first, ...others].join('|')})$)}`;
    return [
      { operation, name: operation.name, route: `${collection}/{userId}/${operation.path}`, me: false },
      { operation, name: `${operation.name}Me`, route: `me/${operation.path}`, me: true },
    ];
  });
}

/**
 * The one request pipeline: request ids, authenticate, resolve the user, authorize, parse path,
 * query and body, run, render, log. A thrown GraphError becomes its Graph error response here and
 * nowhere else; anything unexpected becomes a bare 500 whose cause is logged by kind only.
 */
export function handle({ operation, route, me }: Registration, services: () => Services): HttpHandler {
  // Read once per registration: the descriptors differ in shape (which schemas they have), so reading
  // them on every request in the one handler code all registrations share would be a megamorphic load.
  const { permission, collectionPath, params: paramsSchema, query: querySchema, body: bodySchema } = operation;
  return async (request: HttpRequest, context: InvocationContext) => {
    const started = performance.now();
    const ids = requestIdsFor(request);
    const log = startLogEntry(ids.requestId, context, route);
    try {
      const current = services();
      const authenticated = current.verifier.authenticate(request);
      const caller = authenticated instanceof Promise ? await authenticated : authenticated;
      log.tenantId = caller.tenantId;
      log.callerObjectId = caller.objectId;
      log.callerKind = caller.kind;
      const { userId, userKey } = resolveUserKey(me ? { me: true } : { segment: request.params.userId ?? '' }, caller);
      log.targetUserId = userId;
      authorize(caller, permission, userId);
      const origin = publicOrigin(request, current.config.publicBaseUrl);
      const params = paramsSchema ? parseBody(paramsSchema, request.params) : {};
      const query = parseQueryOptions(querySchema, request);
      const body = bodySchema
        ? parseBody(bodySchema, await readJsonObject(request, current.config.maxBodyBytes))
        : undefined;
      const result = await operation.run({
        userId,
        caller,
        params,
        query,
        body,
        now: current.now(),
        services: current,
      });
      const links = { origin, userKey, userId, collectionPath, request };
      return finish(render(result, links, ids));
    } catch (error) {
      const graphError = error instanceof GraphError ? error : generalException(error);
      log.errorCode = graphError.code;
      if (graphError.status >= 500 || graphError.status === 429) {
        log.errorType = error instanceof Error ? error.name : typeof error;
        log.cause = describeCause(graphError.cause);
      }
      return finish(errorResponse(graphError, ids));
    }

    function finish<R extends { status?: number }>(response: R): R {
      log.status = response.status ?? 200;
      log.durationMs = Math.round((performance.now() - started) * 100) / 100;
      logRequest(context, log);
      return response;
    }
  };
}
