import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from './servers';

/**
 * A stand-in for Microsoft Graph's directory on loopback: real HTTP, Graph's user and error bodies.
 * It answers `GET /v1.0/users/{id or UPN}` (and Graph's `users('{UPN}')` form), alone or in a JSON
 * batch (`POST /v1.0/$batch`), records every lookup,
 * and can be made slow, failing, throttling (`Retry-After`) or stopped. Users are added over HTTP too
 * (`PUT /_standIn/users/{id}` with `{"userPrincipalName"}`), so test files in other worker processes
 * can register the users their tokens name in the run's shared stand-in.
 */

export interface StandInUser {
  id: string;
  userPrincipalName: string;
}

export interface DirectoryCall {
  /** The key as the path named it, percent-decoded. */
  key: string;
  /**
   * The raw request path and query, e.g. `/v1.0/users/a%40contoso.example?$select=id,userPrincipalName`
   * (in a batch, the request's URL relative to the version, e.g. `/users/...`).
   */
  url: string;
  authorization: string | undefined;
}

export interface Fault {
  /** Answer this status with Graph's error body (e.g. 429, 503, 500, 401, 403). */
  status?: number;
  /** Send this `Retry-After` with the fault. */
  retryAfter?: string;
  /** Answer only after this many milliseconds. */
  delayMs?: number;
  /** Leave the lookup of this key out of a batch's answer (a malformed answer). */
  leaveOut?: string;
}

export interface StandInDirectory extends AsyncDisposable {
  /** The origin, e.g. http://127.0.0.1:40123 (DIRECTORY_ENDPOINT). */
  url: string;
  /** Every lookup, sent alone or in a batch. */
  calls: DirectoryCall[];
  /** Each JSON batch received: how many lookups it held. */
  batches: number[];
  addUser(user: StandInUser): StandInUser;
  /** A new user with a fresh object id and the given UPN. */
  newUser(userPrincipalName: string): StandInUser;
  rename(id: string, userPrincipalName: string): void;
  remove(id: string): void;
  /** From now on every call gets this fault; `undefined` answers normally again. */
  fault: Fault | undefined;
  /** Stops listening (a stopped directory: connections are refused) and closes open connections. */
  close(): Promise<void>;
}

export interface StandInDirectoryOptions {
  /**
   * Every well-formed object id is a user (with a made-up UPN unless one was added). The run's shared
   * stand-in does this, as the tests that are not about the directory address users by fresh ids.
   */
  everyObjectIdExists?: boolean;
}

const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function startStandInDirectory(options: StandInDirectoryOptions = {}): Promise<StandInDirectory> {
  const byId = new Map<string, StandInUser>();
  const calls: DirectoryCall[] = [];
  const batches: number[] = [];
  const find = (key: string): StandInUser | undefined => {
    const lower = key.toLowerCase();
    if (OBJECT_ID.test(key)) {
      return (
        byId.get(lower) ??
        (options.everyObjectIdExists
          ? { id: lower, userPrincipalName: `user-${lower.slice(0, 8)}@contoso.example` }
          : undefined)
      );
    }
    for (const user of byId.values()) if (user.userPrincipalName.toLowerCase() === lower) return user;
    return undefined;
  };
  /** A user principal name is unique in a tenant: adding one takes it from whoever held it. */
  const addUser = (user: StandInUser) => {
    const stored = { id: user.id.toLowerCase(), userPrincipalName: user.userPrincipalName };
    const name = stored.userPrincipalName.toLowerCase();
    for (const [id, other] of byId) if (other.userPrincipalName.toLowerCase() === name) byId.delete(id);
    byId.set(stored.id, stored);
    return stored;
  };

  const directory: StandInDirectory = {
    url: '',
    calls,
    batches,
    addUser,
    newUser: (userPrincipalName) => addUser({ id: randomUUID(), userPrincipalName }),
    rename: (id, userPrincipalName) => {
      byId.get(id.toLowerCase())!.userPrincipalName = userPrincipalName;
    },
    remove: (id) => {
      byId.delete(id.toLowerCase());
    },
    fault: undefined,
    close: () => closeServer(server),
    [Symbol.asyncDispose]: () => closeServer(server),
  };

  const server = createServer((request, response) => {
    void answer(request, response);
  });

  async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://stand-in');
    if (request.method === 'PUT' && url.pathname.startsWith('/_standIn/users/')) {
      const body = JSON.parse(await readBody(request)) as { userPrincipalName: string };
      addUser({ id: decodeURIComponent(url.pathname.slice('/_standIn/users/'.length)), ...body });
      response.writeHead(204).end();
      return;
    }
    if (request.method === 'POST' && url.pathname === '/v1.0/$batch') {
      await answerBatch(request, response);
      return;
    }
    const key = keyOf(url.pathname);
    if (request.method !== 'GET' || key === undefined) {
      graphError(response, 400, 'BadRequest', `Resource not found for the segment '${url.pathname}'.`);
      return;
    }
    calls.push({ key, url: request.url ?? '', authorization: request.headers.authorization });
    const fault = directory.fault;
    await delayed(fault, response);
    if (response.destroyed) return;
    const { status, headers, body } = lookup(key, request.headers.authorization, fault);
    json(response, status, body, headers);
  }

  /**
   * Graph's JSON batching: each request of the batch is a lookup answered as the same GET would be
   * (and recorded as a call); a fault applies to each of them (Graph throttles a batch's requests one
   * by one, the batch itself answers 200), its delay to the whole batch.
   */
  async function answerBatch(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const parsed = JSON.parse(await readBody(request)) as {
      requests?: Array<{ id: string; method: string; url: string }>;
    };
    const requests = parsed.requests ?? [];
    if (requests.length === 0 || requests.length > 20) {
      graphError(response, 400, 'BadRequest', 'A batch holds 1 to 20 requests.');
      return;
    }
    batches.push(requests.length);
    const fault = directory.fault;
    await delayed(fault, response);
    if (response.destroyed) return;
    const responses = requests.flatMap(({ id, method, url: itemUrl }) => {
      const key = keyOf(new URL(`/v1.0${itemUrl.startsWith('/') ? '' : '/'}${itemUrl}`, 'http://stand-in').pathname);
      if (method !== 'GET' || key === undefined)
        return [
          { id, status: 400, headers: {}, body: errorBody('BadRequest', `Resource not found for '${itemUrl}'.`) },
        ];
      calls.push({ key, url: itemUrl, authorization: request.headers.authorization });
      return fault?.leaveOut === key ? [] : [{ id, ...lookup(key, request.headers.authorization, fault) }];
    });
    // Graph gives the answers in no particular order.
    json(response, 200, { responses: responses.reverse() });
  }

  function lookup(
    key: string,
    authorization: string | undefined,
    fault: Fault | undefined,
  ): { status: number; headers: Record<string, string>; body: unknown } {
    if (fault?.status) {
      return {
        status: fault.status,
        headers: fault.retryAfter ? { 'Retry-After': fault.retryAfter } : {},
        body: errorBody(faultCode(fault.status), faultMessage(fault.status)),
      };
    }
    if (!authorization?.startsWith('Bearer ')) {
      return { status: 401, headers: {}, body: errorBody('InvalidAuthenticationToken', 'Access token is empty.') };
    }
    const user = find(key);
    if (!user) {
      return {
        status: 404,
        headers: {},
        body: errorBody(
          'Request_ResourceNotFound',
          `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`,
        ),
      };
    }
    return {
      status: 200,
      headers: {},
      body: {
        '@odata.context': `${directory.url}/v1.0/$metadata#users(id,userPrincipalName)/$entity`,
        id: user.id,
        userPrincipalName: user.userPrincipalName,
      },
    };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  directory.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return directory;
}

/** `/v1.0/users/{key}` or `/v1.0/users('{key}')` → the key, percent-decoded; else undefined. */
function keyOf(pathname: string): string | undefined {
  const plain = /^\/v1\.0\/users\/([^/]+)$/.exec(pathname);
  if (plain) return decodeURIComponent(plain[1]!);
  const quoted = /^\/v1\.0\/users\('(.+)'\)$/.exec(pathname) ?? /^\/v1\.0\/users%28'(.+)'%29$/.exec(pathname);
  return quoted ? decodeURIComponent(quoted[1]!).replaceAll("''", "'") : undefined;
}

function faultCode(status: number): string {
  if (status === 429) return 'TooManyRequests';
  if (status === 401) return 'InvalidAuthenticationToken';
  if (status === 403) return 'Authorization_RequestDenied';
  if (status === 503) return 'serviceNotAvailable';
  return 'UnknownError';
}

function faultMessage(status: number): string {
  if (status === 429) return 'Too many requests.';
  if (status === 401) return 'Access token validation failure. Invalid audience.';
  if (status === 403) return 'Insufficient privileges to complete the operation.';
  return 'The service is temporarily unavailable.';
}

function errorBody(code: string, message: string) {
  const innerError = { date: new Date().toISOString(), 'request-id': randomUUID(), 'client-request-id': randomUUID() };
  return { error: { code, message, innerError } };
}

function graphError(response: ServerResponse, status: number, code: string, message: string) {
  json(response, status, errorBody(code, message));
}

/** Waits out the fault's delay, or until the client went away. */
async function delayed(fault: Fault | undefined, response: ServerResponse): Promise<void> {
  if (!fault?.delayMs) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, fault.delayMs);
    response.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  response.writeHead(status, { 'Content-Type': 'application/json;odata.metadata=minimal', ...headers });
  response.end(JSON.stringify(body));
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** Adds a user to the run's shared stand-in directory (DIRECTORY_ENDPOINT), from any test worker. */
export async function registerTestUser(user: StandInUser, endpoint = process.env.DIRECTORY_ENDPOINT): Promise<void> {
  if (!endpoint || endpoint === 'none') return;
  const response = await fetch(`${endpoint}/_standIn/users/${encodeURIComponent(user.id)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userPrincipalName: user.userPrincipalName }),
  });
  if (response.status !== 204) throw new Error(`The stand-in directory refused the user: ${response.status}`);
}
