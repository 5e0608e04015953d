import { performance } from 'node:perf_hooks';
import type { HttpHandler, HttpRequest, InvocationContext } from '@azure/functions';
import { authorize } from '../auth/permissions';
import { describeCause, logRequest, startLogEntry } from '../log';
import { parseBody } from '../models/validation';
import type { Services } from '../services';
import type { Caller } from '../auth/caller';
import { directoryKeyOf, presumedUserId, resolveUserKey } from '../users/resolveUserKey';
import { GraphError, generalException } from './graphErrors';
import { errorResponse } from './graphResponses';
import type { Operation, OperationResponse } from './operation';
import { publicOrigin } from './origin';
import { parseQueryOptions } from './queryOptions';
import { readJsonObject } from './requestBody';
import { requestIdsFor } from './requestIds';
import { render } from './results';
import { API_VERSIONS, FUNCTION_NAME_SUFFIX, type ApiVersion } from './versions';

export interface Registration {
  operation: Operation;
  /** The Graph version the route is served under (its first segment). */
  version: ApiVersion;
  /** What a success answers in that version. */
  response: OperationResponse;
  /** The function name: the operation's, with `Me` appended for the `/me` route and the version's suffix. */
  name: string;
  /** The route template, e.g. `beta/{collection:regex(^(users|user)$)}/{userId}/profile/phones`. */
  route: string;
  /** True for `/me/...`: the user is the signed-in caller. */
  me: boolean;
}

/**
 * Every operation is served, in each version it exists in, on `/{version}/users/{userId}/...` (and
 * the other collections it names) and `/{version}/me/...`.
 */
export function registrationsOf(operations: readonly Operation[]): Registration[] {
  return operations.flatMap((operation) => {
    const [first, ...others] = operation.users.collections;
    const collection = others.length === 0 ? first : `{collection:regex(^(${[first, ...others].join('|')})$)}`;
    return API_VERSIONS.flatMap((version) => {
      const response = operation.versions[version];
      if (!response) return [];
      const suffix = FUNCTION_NAME_SUFFIX[version];
      return [
        {
          operation,
          version,
          response,
          name: `${operation.name}${suffix}`,
          route: `${version}/${collection}/{userId}/${operation.path}`,
          me: false,
        },
        {
          operation,
          version,
          response,
          name: `${operation.name}Me${suffix}`,
          route: `${version}/me/${operation.path}`,
          me: true,
        },
      ];
    });
  });
}

/**
 * The directory key a request to `registration` with path parameters `params` looks up for `caller`,
 * or undefined when it does not get that far (`/me`; a permission the token lacks on the user the path
 * appears to name; a segment that can name no user). `$batch` asks the directory for its items' users
 * together, before they run, and only for these.
 */
export function userLookupOf(
  { me, operation }: Registration,
  params: Readonly<Record<string, string>>,
  caller: Caller,
): string | undefined {
  if (me) return undefined;
  const segment = params.userId ?? '';
  try {
    authorize(caller, operation.permission, presumedUserId({ segment }, caller));
  } catch {
    return undefined;
  }
  return directoryKeyOf(segment);
}

/**
 * The one request pipeline: request ids, authenticate, resolve the user, authorize, parse path,
 * query and body, run, render, log. A thrown GraphError becomes its Graph error response here and
 * nowhere else; anything unexpected becomes a bare 500 whose cause is logged by kind only.
 */
export function handle({ operation, version, route, me }: Registration, services: () => Services): HttpHandler {
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
      const pathUser = me ? undefined : (request.params.userId ?? '');
      const segment = pathUser === undefined ? { me: true as const } : { segment: pathUser };
      // Permission first, on the user the path appears to name: a token without it learns nothing of
      // the directory (no 404-or-403 answer about who exists) and costs no directory call.
      authorize(caller, permission, presumedUserId(segment, caller));
      // Before anything is read or written: an unknown user is a 404, an unreachable directory a 503.
      const resolved = resolveUserKey(segment, caller, current.directory);
      const userId = typeof resolved === 'string' ? resolved : await resolved;
      // How links name the user: the path segment as given, or the caller's object id for `/me`.
      const userKey = pathUser ?? caller.objectId;
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
      const links = { origin, version, userKey, userId, collectionPath, request };
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
