import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { TokenCredential } from '@azure/identity';
import { guid } from '../auth/caller';
import { DirectoryUnavailable, type Directory, type DirectoryUser, type LookupOutcome } from './directory';
import { AccessTokens } from './directoryToken';

/** The longest a lookup (token included) may take; the request's own budget is larger. */
export const DIRECTORY_LOOKUP_DEADLINE_MS = 4_000;
/** Seconds a client is told to wait when the directory failed without saying how long. */
const DEFAULT_RETRY_AFTER_SECONDS = 5;
/** A token the directory refused, or a permission it says is missing, is not fixed within seconds. */
const REFUSED_RETRY_AFTER_SECONDS = 30;
/** Longest `Retry-After` passed on (a directory's hour-long answer is not a client's). */
const MAX_RETRY_AFTER_SECONDS = 300;
/**
 * A user object with two properties is a few hundred bytes, a batch of GRAPH_BATCH_LIMIT lookups
 * about 10 KB; anything much larger is not Graph's answer.
 */
const MAX_ANSWER_BYTES = 64 * 1024;
/** The most requests Microsoft Graph takes in one JSON batch. */
export const GRAPH_BATCH_LIMIT = 20;

export interface GraphDirectoryOptions {
  /** An origin, e.g. https://graph.microsoft.com; tokens are asked for `{endpoint}/.default`. */
  endpoint: string;
  credential: TokenCredential;
  /** Deadline of one lookup, token included. Default DIRECTORY_LOOKUP_DEADLINE_MS. */
  deadlineMs?: number;
  /** Milliseconds since the epoch (tests pass their own). */
  clock?: () => number;
}

/**
 * Microsoft Graph as the directory: `GET {endpoint}/v1.0/users/{key}?$select=id,userPrincipalName`
 * with the app's own token, or up to 20 such lookups in one JSON batch (`findUsers`). One keep-alive agent and one token holder for the process; each lookup has
 * a deadline. A throttling answer (429, or 503 with `Retry-After`) is honoured for the whole process:
 * until the time it names has passed, lookups fail at once instead of adding to the load.
 */
export class GraphDirectory implements Directory {
  private readonly base: URL;
  private readonly agent: HttpAgent;
  private readonly send: typeof httpRequest;
  private readonly tokens: AccessTokens;
  private readonly deadlineMs: number;
  private readonly clock: () => number;
  /** Until when (ms) the directory asked not to be called. */
  private quietUntil = 0;

  constructor(options: GraphDirectoryOptions) {
    this.base = new URL('/v1.0/', options.endpoint);
    const https = this.base.protocol === 'https:';
    this.agent = https ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
    this.send = https ? httpsRequest : httpRequest;
    this.deadlineMs = options.deadlineMs ?? DIRECTORY_LOOKUP_DEADLINE_MS;
    this.clock = options.clock ?? Date.now;
    this.tokens = new AccessTokens(options.credential, `${this.base.origin}/.default`, this.deadlineMs, this.clock);
  }

  /** The URL a key is looked up at (exported for tests of the encoding). */
  urlFor(key: string): URL {
    // A name starting with `$` would read as an OData segment: Graph's documented form is users('...').
    const segment = key.startsWith('$')
      ? `users('${encodeURIComponent(key.replaceAll("'", "''"))}')`
      : `users/${encodeURIComponent(key)}`;
    return new URL(`${segment}?$select=id,userPrincipalName`, this.base);
  }

  async findUser(key: string): Promise<DirectoryUser | undefined> {
    const { status, headers, body } = await this.call('GET', this.urlFor(key));
    return this.outcome(status, headers, parseJson(body));
  }

  /**
   * Up to GRAPH_BATCH_LIMIT lookups per call: `POST {endpoint}/v1.0/$batch` with one
   * `GET /users/{key}?$select=...` per key, each answer read as `findUser` reads its own. A lookup
   * Graph throttled fails alone (and its `Retry-After` pauses the directory as a single lookup's does).
   */
  async findUsers(keys: readonly string[]): Promise<LookupOutcome[]> {
    const outcomes: LookupOutcome[] = [];
    for (let start = 0; start < keys.length; start += GRAPH_BATCH_LIMIT)
      outcomes.push(...(await this.batch(keys.slice(start, start + GRAPH_BATCH_LIMIT))));
    return outcomes;
  }

  dispose(): void {
    this.agent.destroy();
  }

  private async batch(keys: readonly string[]): Promise<LookupOutcome[]> {
    const prefix = this.base.href.length - 1; // keeps the slash after the version: Graph's `/users/...`
    const requests = keys.map((key, index) => ({
      id: String(index + 1),
      method: 'GET',
      url: this.urlFor(key).href.slice(prefix),
    }));
    const { status, headers, body } = await this.call(
      'POST',
      new URL('$batch', this.base),
      JSON.stringify({ requests }),
    );
    const answer = parseJson(body);
    if (status !== 200) throw this.failure(status, headers);
    const responses = (answer as { responses?: unknown } | undefined)?.responses;
    if (!Array.isArray(responses))
      throw new DirectoryUnavailable('The directory answered the batch without responses.', 1, 'BAD_ANSWER');
    const byId = new Map<unknown, { status?: unknown; headers?: unknown; body?: unknown }>();
    for (const item of responses as unknown[])
      if (item && typeof item === 'object') byId.set((item as { id?: unknown }).id, item);
    return requests.map(({ id }) => {
      const item = byId.get(id);
      if (typeof item?.status !== 'number')
        return new DirectoryUnavailable('The directory left a lookup of the batch unanswered.', 1, 'BAD_ANSWER');
      try {
        return this.outcome(item.status, lowerCaseHeaders(item.headers), item.body);
      } catch (error) {
        if (error instanceof DirectoryUnavailable) return error;
        throw error;
      }
    });
  }

  /** One exchange with the directory: its deadline (token included), the pause it asked for, one retry on a stale connection. */
  private async call(method: 'GET' | 'POST', url: URL, body?: string): Promise<RawAnswer> {
    const now = this.clock();
    if (now < this.quietUntil) {
      throw new DirectoryUnavailable(
        'The directory asked for a pause (Retry-After) that has not ended.',
        Math.ceil((this.quietUntil - now) / 1000),
        429,
      );
    }
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new DirectoryUnavailable('The directory did not answer in time.', 1, 'TIMEOUT')),
      this.deadlineMs,
    );
    try {
      const token = await this.token(controller.signal);
      const send = () => this.exchange(method, url, token, body, controller.signal);
      // An idle keep-alive connection the directory closed as we reused it: one fresh attempt.
      return await send().catch((error: unknown) =>
        error instanceof StaleConnection ? send() : Promise.reject(error as Error),
      );
    } catch (error) {
      if (error instanceof DirectoryUnavailable) throw error;
      if (controller.signal.aborted) throw controller.signal.reason as DirectoryUnavailable;
      throw new DirectoryUnavailable(
        'The directory could not be reached.',
        DEFAULT_RETRY_AFTER_SECONDS,
        'UNREACHABLE',
        {
          cause: error,
        },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  private async token(signal: AbortSignal): Promise<string> {
    const held = this.tokens.get();
    if (typeof held === 'string') return held;
    try {
      return await abortable(held, signal);
    } catch (error) {
      if (signal.aborted) throw error;
      throw new DirectoryUnavailable(
        'No token for the directory: the managed identity (or the local credential) refused or did not answer.',
        REFUSED_RETRY_AFTER_SECONDS,
        'NO_TOKEN',
        { cause: error },
      );
    }
  }

  private exchange(
    method: 'GET' | 'POST',
    url: URL,
    token: string,
    body: string | undefined,
    signal: AbortSignal,
  ): Promise<RawAnswer> {
    return new Promise((resolve, reject) => {
      const request = this.send(
        url,
        {
          method,
          agent: this.agent,
          signal,
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            ...(body === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_ANSWER_BYTES) response.destroy(new Error('The directory answer is too large.'));
            else chunks.push(chunk);
          });
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          response.on('error', reject);
        },
      );
      request.on('error', (error: NodeJS.ErrnoException) =>
        reject(request.reusedSocket && error.code === 'ECONNRESET' ? new StaleConnection(error) : error),
      );
      request.end(body);
    });
  }

  /** One lookup's answer (`body` parsed): the user, undefined for Graph's own "no such object", else thrown. */
  private outcome(status: number, headers: IncomingHttpHeaders, body: unknown): DirectoryUser | undefined {
    if (status === 200) {
      const user = body as { id?: unknown; userPrincipalName?: unknown } | undefined;
      const id = guid(user?.id);
      if (id === undefined || typeof user?.userPrincipalName !== 'string') {
        throw new DirectoryUnavailable('The directory answered without a user object id.', 1, 'BAD_ANSWER');
      }
      return { id, userPrincipalName: user.userPrincipalName };
    }
    const code = errorCodeOf(body);
    // Only Graph's own "no such object" answers mean a missing user: a 404 from anything else (a
    // wrong endpoint, a proxy) must not make every user unknown.
    if ((status === 404 && code === 'Request_ResourceNotFound') || (status === 400 && code === 'Request_BadRequest')) {
      return undefined;
    }
    throw this.failure(status, headers);
  }

  /** Why the directory did not answer (a refused token is dropped; a throttling pause is kept for the process). */
  private failure(status: number, headers: IncomingHttpHeaders): DirectoryUnavailable {
    if (status === 401 || status === 403) {
      if (status === 401) this.tokens.drop();
      return new DirectoryUnavailable(
        status === 401
          ? 'The directory refused our token.'
          : "The directory refused the lookup: the app's identity lacks the User.ReadBasic.All application permission.",
        REFUSED_RETRY_AFTER_SECONDS,
        status,
      );
    }
    const retryAfter = retryAfterSeconds(headers['retry-after'], this.clock());
    if ((status === 429 || status === 503) && retryAfter !== undefined) {
      this.quietUntil = Math.max(this.quietUntil, this.clock() + retryAfter * 1000);
    }
    return new DirectoryUnavailable(
      `The directory answered ${status}.`,
      retryAfter ?? DEFAULT_RETRY_AFTER_SECONDS,
      status,
    );
  }
}

interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A batch item's `headers` object as node:http gives a response's: names in lower case, string values. */
function lowerCaseHeaders(headers: unknown): IncomingHttpHeaders {
  const lower: IncomingHttpHeaders = {};
  if (headers && typeof headers === 'object')
    for (const [name, value] of Object.entries(headers))
      if (typeof value === 'string') lower[name.toLowerCase()] = value;
  return lower;
}

class StaleConnection extends Error {
  constructor(cause: Error) {
    super('A reused connection was closed by the directory.', { cause });
  }
}

/** `promise`, or the signal's reason as soon as it aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: Error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function errorCodeOf(body: unknown): string | undefined {
  const code = (body as { error?: { code?: unknown } } | null | undefined)?.error?.code;
  return typeof code === 'string' ? code : undefined;
}

/** RFC 9110 `Retry-After`: seconds, or an HTTP date; within 1..MAX_RETRY_AFTER_SECONDS. */
export function retryAfterSeconds(value: string | string[] | undefined, now: number): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  const seconds = /^\s*\d+\s*$/.test(text) ? Number(text) : (Date.parse(text) - now) / 1000;
  if (!Number.isFinite(seconds)) return undefined;
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, Math.ceil(seconds)));
}
