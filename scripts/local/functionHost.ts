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
import { compileRoute, type CompiledRoute } from '../../shared/http/routeTemplates';
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
export function loadFunctions(): {
  functions: RegisteredFunction[];
  appStartHooks: AppStartHandler[];
  releaseProcessResources: () => void;
} {
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
    if (functions.length === 0)
      throw new Error(
        'functions/index registered no HTTP function: was it loaded before the local server could record it?',
      );
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
export async function invokeFunction({
  request,
  url,
  method,
  body,
  fn,
  params,
  print,
}: Invocation): Promise<LocalAnswer> {
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
  const plain = result instanceof HttpResponse ? undefined : plainAnswer(result);
  if (plain) return plain;
  const response = result instanceof HttpResponse ? result : new HttpResponse((result ?? {}) as HttpResponseInit);
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return { status: response.status, headers, body: Buffer.from(await response.arrayBuffer()).toString('utf8') };
}

/** Statuses whose body `HttpResponse` drops (the fetch spec's null-body statuses in 200-599). */
const NULL_BODY_STATUSES = new Set([204, 205, 304]);
/** An HTTP token (a header name as the fetch `Headers` class accepts it). */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/**
 * A header value `Headers` keeps as it is: a ByteString (no character past U+00FF) without NUL, CR
 * or LF, and without surrounding HTTP whitespace (tab, space).
 */
const PLAIN_HEADER_VALUE =
  /^(?:[\x01-\x08\x0b\x0c\x0e-\x1f\x21-\xff](?:[\x01-\x09\x0b\x0c\x0e-\xff]*[\x01-\x08\x0b\x0c\x0e-\x1f\x21-\xff])?)?$/;

/**
 * What `new HttpResponse(init)` followed by reading its headers and `arrayBuffer()` gives, without
 * building a fetch Response and a stream for it, for the init the handlers return: a status in
 * 200-599, a plain object of header values that `Headers` would keep unchanged, names distinct
 * ignoring case and no Set-Cookie, and a string body or none. Like `Headers`, names are lower-cased
 * and listed in sorted order; like `Response`, a string body without a Content-Type gets
 * `text/plain;charset=UTF-8`, and a null-body status drops the body. Anything else (an undefined
 * result, jsonBody, cookies, a stream body, a string with a lone surrogate, an unusual header) is
 * left to `HttpResponse`: undefined.
 */
function plainAnswer(result: unknown): LocalAnswer | undefined {
  if (result === null || typeof result !== 'object' || Object.getPrototypeOf(result) !== Object.prototype)
    return undefined;
  const { status = 200, headers: given = {}, body, ...rest } = result as HttpResponseInit;
  for (const key in rest) if ((rest as Record<string, unknown>)[key] !== undefined) return undefined;
  if (!Number.isInteger(status) || status < 200 || status > 599) return undefined;
  if (body !== undefined && body !== null && (typeof body !== 'string' || !isWellFormed(body))) return undefined;
  if (given === null || typeof given !== 'object' || Object.getPrototypeOf(given) !== Object.prototype)
    return undefined;
  const named: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(given as Record<string, unknown>)) {
    if (typeof value !== 'string' || !HEADER_NAME.test(name) || !PLAIN_HEADER_VALUE.test(value)) return undefined;
    named.push([name.toLowerCase(), value]);
  }
  const withBody = !NULL_BODY_STATUSES.has(status) && typeof body === 'string';
  if (withBody && !named.some(([name]) => name === 'content-type'))
    named.push(['content-type', 'text/plain;charset=UTF-8']);
  named.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const headers: Record<string, string> = {};
  for (const [name, value] of named) {
    if (name === 'set-cookie' || Object.hasOwn(headers, name)) return undefined;
    headers[name] = value;
  }
  return { status, headers, body: withBody ? body : '' };
}

/** No lone surrogate (which the UTF-8 round trip through a Response would replace); ES2024, in Node 20 and 22. */
const isWellFormed = (text: string) => (text as string & { isWellFormed(): boolean }).isWellFormed();

/** Repeated headers are joined with ", " as the host does (so two Authorization headers stay visible). */
function headersOf(request: IncomingMessage): Record<string, string> {
  return Object.fromEntries(
    Object.entries(request.headersDistinct).map(([name, values]) => [name, (values ?? []).join(', ')]),
  );
}
