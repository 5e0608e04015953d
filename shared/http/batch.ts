import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  HttpRequest,
  HttpResponse,
  InvocationContext,
  type HttpHandler,
  type HttpResponseInit,
  type LogLevel,
} from '@azure/functions';
import { describeCause, logRequest, startLogEntry } from '../log';
import type { Services } from '../services';
import { batchBodyLimit, parseBatch, type BatchItem } from './batchRequest';
import { runSteps } from './batchSchedule';
import { unmatchedRouteError, type ServedRoute } from './unmatchedRoute';
import type { ApiVersion } from './versions';
import { badRequest, failedDependency, GraphError, generalException } from './graphErrors';
import { errorResponse, ROUTE_PREFIX, SECURITY_HEADERS } from './graphResponses';
import { publicOrigin } from './origin';
import { handle, userLookupOf, type Registration } from './pipeline';
import { readJsonObject } from './requestBody';
import { requestIdHeaders, requestIdsFor, type RequestIds } from './requestIds';
import { ODATA_JSON } from './results';
import { BadPathError, compileRoute, findRoute, type CompiledRoute } from './routeTemplates';

/**
 * JSON batching: `POST {version}/$batch`. The batch is not an operation of its own: each item is
 * routed with the one route matcher to one of the service's registrations and answered by that
 * registration's own handler (`handle`), with a real HttpRequest that carries the batch's
 * Authorization header, so an item is validated, authorized, run and logged exactly as the same
 * request sent alone would be.
 */

/** Items run at most this many at a time (the rest wait for a slot, in order). */
export const BATCH_CONCURRENCY = 5;

export interface BatchRegistration {
  /** The function name, e.g. `batchBeta`. */
  name: string;
  /** The Graph version the batch serves (`beta`, `v1.0`): its items are relative to it. */
  version: string;
  /** The route template below the host's route prefix. */
  route: string;
}

/** One `$batch` per version served, on `{version}/$batch` (every route starts with its version). */
export function batchRegistrationsOf(versions: readonly ApiVersion[]): BatchRegistration[] {
  return versions.map((version) => {
    const suffix = version.replace(/[^A-Za-z0-9]/g, '');
    return {
      name: `batch${suffix.charAt(0).toUpperCase()}${suffix.slice(1)}`,
      version,
      route: `${version}/$batch`,
    };
  });
}

/** A registration as an item's target: its methods and compiled route, and its own pipeline handler. */
interface Target {
  methods: readonly string[];
  route: CompiledRoute;
  name: string;
  handler: HttpHandler;
  registration: Registration;
}

/** Where an item goes: a target with the path's parameters, or the error the same path gets sent alone. */
type RoutedItem = { target: Target; params: Record<string, string> } | { error: GraphError };

/** An item's answer, as it goes into `responses`. */
interface ItemAnswer {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

export function handleBatch(
  batch: BatchRegistration,
  registrations: readonly Registration[],
  services: () => Services,
): HttpHandler {
  const targets: Target[] = registrations.map((registration) => ({
    methods: [registration.operation.method],
    route: compileRoute(ROUTE_PREFIX, registration.route),
    name: registration.name,
    handler: handle(registration, services),
    registration,
  }));
  const served: ServedRoute[] = targets.map(({ route, methods }) => ({ route, method: methods[0]! }));
  const route = compileRoute(ROUTE_PREFIX, batch.route).template;

  return async (request: HttpRequest, context: InvocationContext) => {
    const started = performance.now();
    const ids = requestIdsFor(request);
    const log = startLogEntry(ids.requestId, context, route);
    const finish = (response: HttpResponseInit) => {
      log.status = response.status ?? 200;
      log.durationMs = Math.round((performance.now() - started) * 100) / 100;
      logRequest(context, log);
      return response;
    };
    try {
      const current = services();
      // The batch is refused whole to a caller without a valid token, before its body is read.
      const caller = await current.verifier.authenticate(request);
      log.tenantId = caller.tenantId;
      log.callerObjectId = caller.objectId;
      log.callerKind = caller.kind;
      const versionBase = new URL(`/${batch.version}/`, publicOrigin(request, current.config.publicBaseUrl));
      const items = parseBatch(await readJsonObject(request, batchBodyLimit(current.config.maxBodyBytes)), versionBase);
      const authorization = request.headers.get('authorization')!;
      const routed = items.map((item) => routeItem(item, targets, served));
      // Every user the items will look up, asked for in one directory call rather than one each.
      current.directory?.prefetch(
        routed.flatMap((item) => {
          const key = 'target' in item ? userLookupOf(item.target.registration, item.params, caller) : undefined;
          return key === undefined ? [] : [key];
        }),
      );
      const answers = await runSteps(items, BATCH_CONCURRENCY, {
        run: (index) =>
          runItem(items[index]!, routed[index]!, authorization, context).catch((error: unknown) =>
            errorAnswer(items[index]!, generalException(error), context),
          ),
        blocked: (index, failedKey) => {
          const item = items[index]!;
          const failed = items.find((other) => other.key === failedKey)!;
          return errorAnswer(item, failedDependency(failed.id), context);
        },
        failed: (answer) => answer.status >= 400,
      });
      return finish({
        status: 200,
        headers: Object.assign(
          { 'Cache-Control': 'no-cache', 'Content-Type': ODATA_JSON, 'OData-Version': '4.0' },
          SECURITY_HEADERS,
          requestIdHeaders(ids),
        ),
        body: JSON.stringify({ responses: answers }),
      });
    } catch (error) {
      const graphError = error instanceof GraphError ? error : generalException(error);
      log.errorCode = graphError.code;
      if (graphError.status >= 500) {
        log.errorType = error instanceof Error ? error.name : typeof error;
        log.cause = describeCause(graphError.cause);
      }
      return finish(errorResponse(graphError, ids));
    }
  };
}

/** The item's target, with the one route matcher. */
function routeItem(item: BatchItem, targets: readonly Target[], served: readonly ServedRoute[]): RoutedItem {
  try {
    const found = findRoute(targets, item.method, item.url.pathname);
    // The same answer the catch-all function gives the same path sent alone.
    if (found.kind !== 'match') return { error: unmatchedRouteError(served, item.url.pathname) };
    return { target: found.entry, params: found.params };
  } catch (error) {
    return { error: error instanceof BadPathError ? badRequest(error.message) : generalException(error) };
  }
}

/** Answers the item with its target's handler, or with its routing error. */
async function runItem(
  item: BatchItem,
  routed: RoutedItem,
  authorization: string,
  context: InvocationContext,
): Promise<ItemAnswer> {
  if ('error' in routed) return errorAnswer(item, routed.error, context);
  try {
    const request = new HttpRequest({
      method: item.method,
      url: item.url.href,
      headers: {
        ...item.headers,
        authorization,
        ...(item.body ? { 'content-length': String(item.body.byteLength) } : {}),
      },
      ...(item.body ? { body: { bytes: item.body } } : {}),
      params: routed.params,
      query: Object.fromEntries(item.url.searchParams),
    });
    const { handler, name } = routed.target;
    return answerOf(item, await handler(request, itemContext(context, name)));
  } catch (error) {
    return errorAnswer(item, generalException(error), context);
  }
}

/**
 * The item's own invocation context: its function's name, the batch's invocation id (so an item's
 * log line is found with its batch's), and the batch's log.
 */
function itemContext(batch: InvocationContext, functionName: string): InvocationContext {
  const write: Record<LogLevel, (...args: unknown[]) => void> = {
    trace: (...args) => batch.trace(...args),
    debug: (...args) => batch.debug(...args),
    information: (...args) => batch.info(...args),
    warning: (...args) => batch.warn(...args),
    error: (...args) => batch.error(...args),
    critical: (...args) => batch.error(...args),
    none: () => undefined,
  };
  return new InvocationContext({
    functionName,
    invocationId: batch.invocationId,
    logHandler: (level, ...args) => write[level](...args),
  });
}

/**
 * An answer the batch gives an item itself (no route, a failed dependency, an unexpected failure):
 * Graph's error body with a request id of its own, and a log line like the pipeline's.
 */
function errorAnswer(item: BatchItem, error: GraphError, context: InvocationContext): ItemAnswer {
  const requestId = randomUUID();
  const clientRequestId = item.headers['client-request-id'];
  const ids: RequestIds = {
    requestId,
    clientRequestId: clientRequestId && /^[A-Za-z0-9._:-]{1,128}$/.test(clientRequestId) ? clientRequestId : requestId,
  };
  const log = startLogEntry(requestId, context, '(batch item)');
  log.status = error.status;
  log.errorCode = error.code;
  if (error.status >= 500) {
    log.errorType = 'Error';
    log.cause = describeCause(error.cause);
  }
  logRequest(context, log);
  const init = errorResponse(error, ids);
  return {
    id: item.id,
    status: error.status,
    headers: init.headers as Record<string, string>,
    body: JSON.parse(init.body as string),
  };
}

/** The handler's response as a batch answer: a JSON body as JSON, any other body in base64 (Graph's form). */
async function answerOf(item: BatchItem, result: HttpResponseInit | HttpResponse | void): Promise<ItemAnswer> {
  let status: number;
  let headers: Record<string, string>;
  let bytes: Buffer;
  const plain =
    result &&
    !(result instanceof HttpResponse) &&
    result.jsonBody === undefined &&
    (result.body === undefined || typeof result.body === 'string') &&
    (result.headers === undefined || Object.getPrototypeOf(result.headers) === Object.prototype);
  if (!plain) {
    const response = result instanceof HttpResponse ? result : new HttpResponse(result ?? {});
    status = response.status;
    headers = {};
    response.headers.forEach((value, name) => (headers[name] = value));
    bytes = Buffer.from(await response.arrayBuffer());
  } else {
    // What the pipeline returns: a plain init with string headers and body, kept as written (header case too).
    status = result.status ?? 200;
    headers = { ...(result.headers as Record<string, string>) };
    bytes = Buffer.from((result.body as string | undefined) ?? '', 'utf8');
  }
  const contentType = Object.entries(headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1] ?? '';
  const answer: ItemAnswer = { id: item.id, status, headers };
  if (bytes.byteLength > 0)
    answer.body = /^application\/json\b/i.test(contentType)
      ? (JSON.parse(bytes.toString('utf8')) as unknown)
      : bytes.toString('base64');
  return answer;
}
