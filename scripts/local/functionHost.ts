import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import {
  app,
  HttpRequest,
  HttpResponse,
  InvocationContext,
  type AppStartHandler,
  type HttpFunctionOptions,
  type HttpHandler,
  type HttpResponseInit,
} from '@azure/functions';
import { ROUTE_PREFIX } from '../../shared/http/graphResponses';
import { compileRoute, type CompiledRoute } from '../routes';
import type { LocalAnswer } from './answers';

/**
 * The Functions host's part of the local server: record what the app's entry registers, and invoke
 * a registered HTTP function the way the host does.
 */

const REPO_ROOT = join(__dirname, '..', '..');

export interface RegisteredFunction {
  name: string;
  methods: string[];
  route: CompiledRoute;
  handler: HttpHandler;
}

/**
 * Loads the app's entry with `app.http` and `app.hook.appStart` replaced by recorders (outside
 * the Functions host the package is in test mode and would register nothing), then puts them back.
 */
export function loadFunctions(): { functions: RegisteredFunction[]; appStartHooks: AppStartHandler[]; releaseProcessResources: () => void } {
  const functions: RegisteredFunction[] = [];
  const appStartHooks: AppStartHandler[] = [];
  const original = { http: app.http, appStart: app.hook.appStart };
  app.http = (name: string, options: HttpFunctionOptions) => {
    functions.push({
      name,
      methods: (options.methods ?? ['GET', 'POST']).map((method) => method.toUpperCase()),
      route: compileRoute(ROUTE_PREFIX, options.route ?? name),
      handler: options.handler,
    });
  };
  app.hook.appStart = (handler: AppStartHandler) => {
    appStartHooks.push(handler);
    return { dispose: () => undefined } as ReturnType<typeof app.hook.appStart>;
  };
  let entry: typeof import('../../functions/index');
  try {
    // The same entry the Functions host loads (package.json `main` is its bundle).
    entry = require(join(REPO_ROOT, 'functions', 'index')) as typeof import('../../functions/index');
    if (functions.length === 0) throw new Error('functions/index registered no HTTP function: was it loaded before the local server could record it?');
  } finally {
    app.http = original.http;
    app.hook.appStart = original.appStart;
  }
  return { functions, appStartHooks, releaseProcessResources: () => entry.disposeProcessServices() };
}

export interface Invocation {
  request: IncomingMessage;
  url: URL;
  method: string;
  body: Uint8Array;
  fn: RegisteredFunction;
  params: Record<string, string>;
  print: (line: string) => void;
}

/** Calls the handler with an HttpRequest built from the node:http request, as the host does. */
export async function invokeFunction({ request, url, method, body, fn, params, print }: Invocation): Promise<LocalAnswer> {
  const httpRequest = new HttpRequest({
    method,
    url: url.href,
    headers: headersOf(request),
    ...(body.byteLength > 0 ? { body: { bytes: body } } : {}),
    params,
    query: Object.fromEntries(url.searchParams),
  });
  const context = new InvocationContext({
    functionName: fn.name,
    invocationId: randomUUID(),
    // The handlers write one PII-free line per request; nothing else is logged per request.
    logHandler: (_level, ...args) => print(args.map(String).join(' ')),
  });
  const result = await fn.handler(httpRequest, context);
  const response = result instanceof HttpResponse ? result : new HttpResponse((result ?? {}) as HttpResponseInit);
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return { status: response.status, headers, body: Buffer.from(await response.arrayBuffer()).toString('utf8') };
}

/** Repeated headers are joined with ", " as the host does (so two Authorization headers stay visible). */
function headersOf(request: IncomingMessage): Record<string, string> {
  return Object.fromEntries(Object.entries(request.headersDistinct).map(([name, values]) => [name, (values ?? []).join(', ')]));
}
