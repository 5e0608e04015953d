import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  app,
  AppStartContext,
  HttpRequest,
  HttpResponse,
  InvocationContext,
  type AppStartHandler,
  type HttpFunctionOptions,
  type HttpHandler,
  type HttpResponseInit,
} from '@azure/functions';
import cosmosServer from '@vercel/cosmosdb-server';
import { ZodError } from 'zod';
import { ConfigError, getConfig, isLoopbackHost } from '../shared/config';
import { GraphError, badRequest, payloadTooLarge } from '../shared/http/graphErrors';
import { errorResponse, ROUTE_PREFIX } from '../shared/http/graphResponses';
import { ensureStorage } from '../shared/storage/bootstrap';
import { createCosmosClient, disposeCosmosClient } from '../shared/storage/cosmos';
import { AUTHENTICATION_ADMINISTRATOR, createDevIssuer, DEFAULT_DEV_AUDIENCE, DEV_ISSUER_PATH, type DevIssuer } from './devIssuer';
import { BadPathError, compileRoute, matchRoute, type CompiledRoute } from './routes';

/**
 * `npm start`: the service on plain node:http with nothing else installed. The function files are
 * loaded as they are and their own `app.http(...)` registrations are recorded, so the routes, methods
 * and handlers served here are the ones the Functions host serves (with host.json's route prefix).
 * Without COSMOS_ENDPOINT an embedded Cosmos-compatible server is started; without AUTH_* a
 * development issuer signs tokens. Setting the contract's variables switches to the real services.
 */

const REPO_ROOT = join(__dirname, '..');
/** The local server's own cap on a request body; the handlers enforce the configured (smaller) limit. */
export const LOCAL_MAX_BODY_BYTES = 1_048_576;
/** The embedded Cosmos-compatible server accepts any key; this one only has to be present. */
const EMBEDDED_COSMOS_KEY = 'bG9jYWwtZW1iZWRkZWQtY29zbW9zLWtleQ==';
const AUTH_VARIABLES = ['AUTH_TENANT_ID', 'AUTH_ISSUER', 'AUTH_JWKS_URI'] as const;
/** The variables that pick real services; with all of them unset the server needs nothing installed. */
export const LOCAL_SERVICE_VARIABLES = ['COSMOS_ENDPOINT', 'COSMOS_KEY', ...AUTH_VARIABLES, 'AUTH_AUDIENCE'] as const;

export interface LocalServerOptions {
  /** Default: PORT, else 7071. 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. The development issuer runs on loopback only. */
  host?: string;
  /** Environment variables to set (undefined removes one) before the service reads its configuration. */
  env?: Record<string, string | undefined>;
  /** Print nothing (neither the banner nor request lines). */
  quiet?: boolean;
  /** Where the banner and request lines go (default console.log). */
  log?: (line: string) => void;
}

export interface LocalServer {
  /** e.g. http://127.0.0.1:7071 */
  url: string;
  /** The Graph-style base URL, e.g. http://127.0.0.1:7071/beta */
  baseUrl: string;
  /** The function names served, from their registrations. */
  functions: string[];
  /** Present when the development issuer is active. */
  devIssuer?: DevIssuer;
  /** The start banner (printed unless quiet). Carries tokens only when the development issuer is active. */
  banner: string;
  close(): Promise<void>;
}

interface RegisteredFunction {
  name: string;
  methods: string[];
  route: CompiledRoute;
  handler: HttpHandler;
}

/** Any request the server itself answers (not a function). */
type LocalAnswer = { status: number; headers: Record<string, string>; body: string };

export async function startLocalServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  const print = options.quiet ? () => undefined : (options.log ?? ((line: string) => console.log(line)));
  const restoreEnv = applyEnv(options.env ?? {});
  const host = options.host ?? '127.0.0.1';
  const cleanups: Array<() => Promise<void> | void> = [restoreEnv];
  const cleanup = async () => {
    for (const step of cleanups.splice(0).reverse()) await step();
  };
  try {
    const useDevIssuer = AUTH_VARIABLES.every((name) => !isSet(name));
    if (useDevIssuer && !isLoopbackHost(host)) {
      throw new ConfigError(`The development issuer only runs on loopback; set AUTH_TENANT_ID or AUTH_ISSUER and AUTH_JWKS_URI to listen on ${host}.`);
    }
    const embeddedCosmos = isSet('COSMOS_ENDPOINT') ? undefined : await startEmbeddedCosmos();
    if (embeddedCosmos) cleanups.push(() => closeServer(embeddedCosmos));

    const { functions, appStartHooks } = loadFunctions();
    const openApi = loadOpenApiDocument();
    let devIssuer: DevIssuer | undefined;
    let ready = false;
    const server = createServer((request, response) => {
      const answer = ready
        ? route(request, { functions, devIssuer, openApi, print })
        : Promise.resolve(localError(new GraphError(503, 'serviceNotAvailable', 'The server is starting.'), request));
      answer.then(
        (result) => writeAnswer(response, result),
        () => writeAnswer(response, localError(new GraphError(500, 'generalException', 'An unexpected error occurred.'), request)),
      );
    });
    const url = await listen(server, options.port ?? Number(process.env.PORT || 7071), host);
    cleanups.push(() => closeServer(server), () => disposeCosmosClient());

    if (useDevIssuer) {
      process.env.AUTH_AUDIENCE ||= DEFAULT_DEV_AUDIENCE;
      devIssuer = createDevIssuer(url, process.env.AUTH_AUDIENCE.split(',')[0]!.trim());
      process.env.AUTH_ISSUER = devIssuer.issuer;
      process.env.AUTH_JWKS_URI = devIssuer.jwksUri;
    }
    // The service parses its configuration once: now, with the final environment (as at worker start).
    for (const hook of appStartHooks) await hook(new AppStartContext());
    const config = getConfig();
    if (config.cosmos.endpoint !== process.env.COSMOS_ENDPOINT || (devIssuer && !config.auth.issuers.includes(devIssuer.issuer))) {
      throw new Error('The service configuration was read before the local server set its environment (one local server per process).');
    }
    // Create-if-missing is for emulators only: in Azure the infrastructure owns the database.
    if (embeddedCosmos || (config.cosmos.key && isLoopbackHost(new URL(config.cosmos.endpoint).hostname))) {
      const client = createCosmosClient(config.cosmos);
      try {
        await ensureStorage(client, config.cosmos);
      } finally {
        client.dispose();
      }
    }
    ready = true;
    const baseUrl = `${url}/${ROUTE_PREFIX}`;
    const banner = await bannerFor({ url, baseUrl, functions, devIssuer, embeddedCosmos: embeddedCosmos !== undefined });
    print(banner);
    return { url, baseUrl, functions: functions.map((f) => f.name), devIssuer, banner, close: cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

function isSet(name: string): boolean {
  const value = process.env[name];
  return value !== undefined && value !== '';
}

/** Sets the given variables and returns how to put every variable back as it was. */
function applyEnv(overrides: Record<string, string | undefined>): () => void {
  const saved = { ...process.env };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  return () => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  };
}

async function startEmbeddedCosmos(): Promise<HttpsServer> {
  const server = cosmosServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  process.env.COSMOS_ENDPOINT = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.COSMOS_KEY = EMBEDDED_COSMOS_KEY;
  return server;
}

/**
 * Loads the app's entry with `app.http` and `app.hook.appStart` replaced by recorders (outside
 * the Functions host the package is in test mode and would register nothing), then puts them back.
 */
function loadFunctions(): { functions: RegisteredFunction[]; appStartHooks: AppStartHandler[] } {
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
  try {
    // The same entry the Functions host loads (package.json `main` is its bundle).
    require(join(REPO_ROOT, 'functions', 'index'));
    if (functions.length === 0) throw new Error('functions/index registered no HTTP function: was it loaded before the local server could record it?');
  } finally {
    app.http = original.http;
    app.hook.appStart = original.appStart;
  }
  return { functions, appStartHooks };
}

/**
 * The OpenAPI document, built once. Required only after the function files were recorded, because
 * it imports one of them (a static import would register that function before the recorder is in place).
 */
function loadOpenApiDocument(): string {
  const { buildOpenApiDocument } = require('../shared/openapi') as typeof import('../shared/openapi');
  return JSON.stringify(buildOpenApiDocument());
}

function listen(server: Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address() as AddressInfo;
      const hostInUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve(`http://${hostInUrl}:${address.port}`);
    });
  });
}

function closeServer(server: Server | HttpsServer): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

interface RouteContext {
  functions: RegisteredFunction[];
  devIssuer?: DevIssuer;
  openApi: string;
  print: (line: string) => void;
}

async function route(request: IncomingMessage, routes: RouteContext): Promise<LocalAnswer> {
  const url = new URL(request.url ?? '/', `http://${request.headers.host ?? '127.0.0.1'}`);
  const method = (request.method ?? 'GET').toUpperCase();
  // The server's own answers get a line like the handlers' (never the path: it may name a user).
  const logLocal = (answer: LocalAnswer, errorCode?: string) => {
    routes.print(JSON.stringify({ event: 'request', method, status: answer.status, ...(errorCode ? { errorCode } : {}) }));
    return answer;
  };
  try {
    const local = await serveLocalEndpoint(request, url, method, routes);
    if (local) return logLocal(local);

    const matches = routes.functions.flatMap((fn) => {
      const params = matchRoute(fn.route, url.pathname);
      return params ? [{ fn, params }] : [];
    });
    const match = matches.find(({ fn }) => fn.methods.includes(method));
    if (!match) {
      const answer = matches.length > 0 ? methodNotAllowed(request, method, matches.flatMap(({ fn }) => fn.methods)) : notFound(request, method);
      return logLocal(answer, answer.status === 405 ? 'MethodNotAllowed' : 'ResourceNotFound');
    }
    return await invokeFunction(request, url, method, match.fn, match.params, routes.print);
  } catch (error) {
    const graphError = error instanceof BadPathError ? badRequest(error.message) : error;
    if (graphError instanceof GraphError) return logLocal(localError(graphError, request), graphError.code);
    throw error;
  }
}

/** The server's own endpoints: the OpenAPI document and, when active, the development issuer. */
async function serveLocalEndpoint(request: IncomingMessage, url: URL, method: string, routes: RouteContext): Promise<LocalAnswer | undefined> {
  const path = url.pathname.toLowerCase();
  if (path === '/openapi.json' && method === 'GET') return json(200, routes.openApi);
  if (!routes.devIssuer) return undefined;
  if (path === `${DEV_ISSUER_PATH}/keys` && method === 'GET') return json(200, JSON.stringify(routes.devIssuer.jwks()));
  if (path === `${DEV_ISSUER_PATH}/token` && method === 'POST') {
    // Only loopback callers may mint (the server itself listens on loopback when the issuer is active).
    if (!isLoopbackHost((request.socket.remoteAddress ?? '').replace(/^::ffff:/, ''))) throw new GraphError(403, 'accessDenied', 'Development tokens are issued to local callers only.');
    const text = new TextDecoder().decode(await readBody(request));
    let options: unknown;
    try {
      options = text.trim() === '' ? {} : JSON.parse(text);
      return json(200, JSON.stringify({ access_token: await routes.devIssuer.mint(options as object), token_type: 'Bearer' }));
    } catch (error) {
      const message = error instanceof ZodError ? error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`).join('; ') : 'The body must be a JSON object of token options.';
      throw badRequest(message);
    }
  }
  return undefined;
}

async function invokeFunction(
  request: IncomingMessage,
  url: URL,
  method: string,
  fn: RegisteredFunction,
  params: Record<string, string>,
  print: (line: string) => void,
): Promise<LocalAnswer> {
  const bytes = await readBody(request);
  const httpRequest = new HttpRequest({
    method,
    url: url.href,
    headers: headersOf(request),
    ...(bytes.byteLength > 0 ? { body: { bytes } } : {}),
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

/** Reads the body up to LOCAL_MAX_BODY_BYTES, so the server itself cannot be flooded. */
async function readBody(request: IncomingMessage): Promise<Uint8Array> {
  if (Number(request.headers['content-length'] ?? 0) > LOCAL_MAX_BODY_BYTES) throw tooLarge(request);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > LOCAL_MAX_BODY_BYTES) throw tooLarge(request);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** 413 and, since the rest of the body is not read, the connection is closed after the answer. */
function tooLarge(request: IncomingMessage): GraphError {
  request.pause();
  const error = payloadTooLarge(LOCAL_MAX_BODY_BYTES);
  return new GraphError(error.status, error.code, error.message, [], { Connection: 'close' });
}

function json(status: number, body: string): LocalAnswer {
  return { status, headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' }, body };
}

function notFound(request: IncomingMessage, method: string): LocalAnswer {
  return localError(new GraphError(404, 'ResourceNotFound', `No function serves ${method} on this path.`), request);
}

function methodNotAllowed(request: IncomingMessage, method: string, allowed: string[]): LocalAnswer {
  const error = new GraphError(405, 'MethodNotAllowed', `The ${method} method is not supported on this resource.`, [], {
    Allow: [...new Set(allowed)].join(', '),
  });
  return localError(error, request);
}

/** The server's own error answers use the service's Graph error builder (same body and headers). */
function localError(error: GraphError, request: IncomingMessage): LocalAnswer {
  const requestId = randomUUID();
  const given = request.headers['client-request-id'];
  const clientRequestId = typeof given === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : requestId;
  const init = errorResponse(error, { requestId, clientRequestId });
  return { status: init.status!, headers: init.headers as Record<string, string>, body: init.body as string };
}

function writeAnswer(response: ServerResponse, answer: LocalAnswer): void {
  const body = Buffer.from(answer.body, 'utf8');
  response.writeHead(answer.status, { ...answer.headers, 'Content-Length': String(body.byteLength) });
  response.end(body);
  if (answer.headers.Connection === 'close') response.once('finish', () => response.req.socket.destroy());
}

interface BannerInput {
  url: string;
  baseUrl: string;
  functions: RegisteredFunction[];
  devIssuer?: DevIssuer;
  embeddedCosmos: boolean;
}

/** What a developer needs to make a first call: the routes and, with the dev issuer, tokens and curl lines. */
async function bannerFor({ url, baseUrl, functions, devIssuer, embeddedCosmos }: BannerInput): Promise<string> {
  const lines = [
    `graph-phones local server on ${url}`,
    `  storage: ${embeddedCosmos ? 'embedded Cosmos-compatible server (in memory, gone at exit)' : process.env.COSMOS_ENDPOINT}`,
    `  tokens:  ${devIssuer ? `development issuer ${devIssuer.issuer} (audience ${devIssuer.audience})` : `configured issuer (${getConfig().auth.issuers.join(', ')})`}`,
    `  OpenAPI: GET ${url}/openapi.json`,
    '',
    ...functions.map((fn) => `  ${fn.name}: ${fn.methods.join(',')} ${url}/${fn.route.template}`),
  ];
  if (!devIssuer) return lines.join('\n');

  const admin = await devIssuer.mint({ scp: 'UserAuthenticationMethod.ReadWrite.All', wids: [AUTHENTICATION_ADMINISTRATOR] });
  const selfOid = randomUUID();
  const self = await devIssuer.mint({ oid: selfOid, scp: 'User.ReadWrite', wids: [] });
  const targetUser = randomUUID();
  lines.push(
    '',
    'Phone authentication method for another user (delegated Authentication Administrator token):',
    curlCommand(`${baseUrl}/users/${targetUser}/authentication/phoneMethods`, admin, '{"phoneNumber":"+1 2065550100","phoneType":"mobile"}'),
    '',
    `Phone on your own profile (User.ReadWrite token of user ${selfOid}):`,
    curlCommand(`${baseUrl}/users/${selfOid}/profile/phones`, self, '{"number":"+1 (425) 555-0100","type":"business"}'),
    '',
    'More tokens: npm run token -- --help',
  );
  return lines.join('\n');
}

function curlCommand(url: string, token: string, body: string): string {
  return `curl -i -X POST '${url}' -H 'Authorization: Bearer ${token}' -H 'Content-Type: application/json' -d '${body}'`;
}

/**
 * Like `func start`: a local.settings.json in the working directory (untracked; the tracked
 * local.settings.sample.json is never read) fills in variables that are not already set.
 */
export function loadLocalSettings(path = join(process.cwd(), 'local.settings.json')): string | undefined {
  if (!existsSync(path)) return undefined;
  const values = (JSON.parse(readFileSync(path, 'utf8')) as { Values?: Record<string, unknown> }).Values ?? {};
  for (const [name, value] of Object.entries(values)) {
    if (process.env[name] === undefined && typeof value === 'string') process.env[name] = value;
  }
  return path;
}

async function main(): Promise<void> {
  const settings = loadLocalSettings();
  if (settings) console.log(`Loaded ${settings}`);
  const server = await startLocalServer();
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  });
}
