import { HttpRequest, InvocationContext, type HttpHandler } from '@azure/functions';
import { operations } from '../../functions/operations';
import { batchRegistrationsOf, handleBatch } from '../../shared/http/batch';
import { registrationsOf } from '../../shared/http/pipeline';
import { API_VERSIONS } from '../../shared/http/versions';
import type { Services } from '../../shared/services';

/** The `$batch` handler of a service, over the same registrations the entry registers. */
export function batchHandlerFor(services: Services): HttpHandler {
  const batch = batchRegistrationsOf(API_VERSIONS).find((registration) => registration.version === 'beta');
  return handleBatch(batch!, registrationsOf(operations), () => services);
}

/** What a JSON answer of this service may hold (an entity, a collection page or an error). */
export interface AnswerBody {
  id?: string;
  value?: Array<{ id: string } & Record<string, unknown>>;
  error?: { code: string; message: string };
  [property: string]: unknown;
}

export interface BatchAnswer {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: AnswerBody;
}

/** One log line as the pipeline writes it. */
export interface LogLine {
  function: string;
  status: number;
  invocationId: string;
  requestId: string;
}

export interface BatchInvocation {
  status: number;
  headers: Headers;
  body: { responses?: BatchAnswer[]; error?: { code: string; message: string } };
  /** The items' answers by id (when the batch answered 200). */
  byId: Record<string, BatchAnswer>;
  logs: LogLine[];
}

export interface PostBatchOptions {
  token?: string;
  requests?: unknown[];
  /** A raw body (wins over `requests`). */
  rawBody?: string;
  headers?: Record<string, string>;
  /** The URL the batch is posted to (default the local host's /beta/$batch). */
  url?: string;
}

/** Posts a batch to the handler with real HttpRequest / InvocationContext objects, as the host does. */
export async function postBatch(handler: HttpHandler, options: PostBatchOptions): Promise<BatchInvocation> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const request = new HttpRequest({
    method: 'POST',
    url: options.url ?? `http://localhost:7071/beta/$batch`,
    headers,
    body: { string: options.rawBody ?? JSON.stringify({ requests: options.requests ?? [] }) },
  });
  const logs: LogLine[] = [];
  const context = new InvocationContext({
    functionName: 'batchBeta',
    invocationId: 'batch-invocation',
    logHandler: (_level, ...args) => logs.push(JSON.parse(args.map(String).join(' ')) as LogLine),
  });
  const response = (await handler(request, context)) as {
    status: number;
    headers: Record<string, string>;
    body: string;
  };
  const body = JSON.parse(response.body) as BatchInvocation['body'];
  const byId: Record<string, BatchAnswer> = {};
  for (const answer of body.responses ?? []) byId[answer.id] = answer;
  return { status: response.status, headers: new Headers(response.headers), body, byId, logs };
}

/** A create of a phone method as a batch item. */
export const createItem = (id: string, userId: string, phoneNumber: string, phoneType = 'mobile', extra = {}) => ({
  id,
  method: 'POST',
  url: `/users/${userId}/authentication/phoneMethods`,
  headers: { 'Content-Type': 'application/json' },
  body: { phoneNumber, phoneType },
  ...extra,
});
