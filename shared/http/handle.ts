import { performance } from 'node:perf_hooks';
import { app, type HttpHandler, type HttpRequest, type InvocationContext } from '@azure/functions';
import type { z } from 'zod';
import type { Caller } from '../auth/caller';
import { authorize, type Endpoint } from '../auth/permissions';
import { getTokenVerifier } from '../auth/verifyToken';
import { getConfig } from '../config';
import { logRequest, type RequestLogEntry } from '../log';
import { parseBody } from '../models/validation';
import { resolveUserKey } from '../users/resolveUserKey';
import { GraphError, generalException } from './graphErrors';
import { created, errorResponse } from './graphResponses';
import { readJsonObject } from './requestBody';
import { requestIdsFor } from './requestIds';

// Parse the configuration when the worker starts, so a bad setting fails the app at start with the
// variable's name instead of failing the first request.
app.hook.appStart(() => {
  getConfig();
});

export interface CreateRequest<Body> {
  /** The canonical (lower-case object id) user the resource belongs to. */
  userId: string;
  caller: Caller;
  body: Body;
  now: Date;
}

export interface CreateOperation<Schema extends z.ZodType> {
  /** Which row of the permission table applies. */
  permission: Endpoint;
  /** The route template, for the log line. */
  route: string;
  /** The collection below the user, for `@odata.context` and `Location`. */
  collectionPath: string;
  /** The create-body schema. */
  body: Schema;
  /** Builds and stores the resource; returns it as it is to be answered. */
  create(request: CreateRequest<z.output<Schema>>): Promise<{ id: string }>;
}

/**
 * The one wrapper every function uses: request ids, authentication, user resolution, permission,
 * body reading and validation, the 201, error mapping and the log line. A thrown GraphError becomes
 * its Graph error response here and nowhere else; anything unexpected becomes a bare 500.
 */
export function createHandler<Schema extends z.ZodType>(operation: CreateOperation<Schema>): HttpHandler {
  return async (request: HttpRequest, context: InvocationContext) => {
    const started = performance.now();
    const ids = requestIdsFor(request);
    const log: Partial<RequestLogEntry> = {};
    try {
      const config = getConfig();
      const caller = await getTokenVerifier().authenticate(request);
      Object.assign(log, { tenantId: caller.tenantId, callerObjectId: caller.objectId, callerKind: caller.kind });
      const userIdSegment = request.params.userId ?? '';
      const userId = resolveUserKey(userIdSegment, caller);
      log.targetUserId = userId;
      authorize(caller, operation.permission, userId);
      const body = parseBody(operation.body, await readJsonObject(request, config.maxBodyBytes));
      const resource = await operation.create({ userId, caller, body, now: new Date() });
      return finish(created({ request, ids, userIdSegment, userId, collectionPath: operation.collectionPath, resource }));
    } catch (error) {
      const graphError = error instanceof GraphError ? error : generalException();
      if (graphError.status >= 500) log.errorType = error instanceof Error ? error.name : typeof error;
      log.errorCode = graphError.code;
      return finish(errorResponse(graphError, ids));
    }

    function finish<R extends { status?: number }>(response: R): R {
      logRequest(context, {
        requestId: ids.requestId,
        invocationId: context.invocationId,
        function: context.functionName,
        route: operation.route,
        status: response.status ?? 200,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
        ...log,
      });
      return response;
    }
  };
}
