import { badRequest, type GraphErrorDetail } from './graphErrors';

/**
 * The `$batch` envelope, checked whole before any item runs: anything wrong with it is one 400 that
 * names the problem (and the request it is in), so a batch either runs as Graph would run it or not
 * at all. What is wrong with one item's own request (its route, body, permission) is that item's answer.
 */

/** Graph's limit on the requests of one batch. */
export const MAX_BATCH_REQUESTS = 20;
/** The batch body may hold the limit of every one of its requests. */
export const batchBodyLimit = (maxBodyBytes: number) => MAX_BATCH_REQUESTS * maxBodyBytes;
/** A route template (with its prefix) that is a `$batch` endpoint. */
export const isBatchRoute = (template: string) => /(^|\/)\$batch$/i.test(template);

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
const MAX_ID_LENGTH = 128;
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A header value without control characters other than tab (no CR, LF or NUL can reach a request). */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Headers that describe the batch's own connection and body, not the item's: the item's are set here. */
const CONNECTION_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive']);
/** Graph's encoding of a non-JSON body: base64 (standard or URL alphabet). */
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

export interface BatchItem {
  /** The id as the caller gave it (answers carry it back). */
  id: string;
  /** Ids compare case-insensitively, as Graph's do. */
  key: string;
  method: string;
  /** The item's URL resolved below the batch's version, e.g. `https://host/beta/users/x/...`. */
  url: URL;
  /** The item's own headers, lower-case names (never Authorization). */
  headers: Record<string, string>;
  body?: Uint8Array;
  /** Keys of the items this one runs after. */
  dependsOn: string[];
}

const fail = (message: string, target: string): never => {
  const detail: GraphErrorDetail = { code: 'invalidBatchRequest', target, message };
  throw badRequest(message, [detail]);
};

/**
 * The items of a batch body, in the order given. `versionBase` is the batch's own version URL
 * (`{origin}/{version}/`): item URLs are relative to it, or absolute URLs inside it.
 */
export function parseBatch(body: Record<string, unknown>, versionBase: URL): BatchItem[] {
  const requests = body.requests;
  if (!Array.isArray(requests)) fail("The batch must be a JSON object with a 'requests' array.", 'requests');
  const list = requests as unknown[];
  if (list.length === 0) fail('The batch has no requests.', 'requests');
  if (list.length > MAX_BATCH_REQUESTS)
    fail(`The batch has ${list.length} requests; at most ${MAX_BATCH_REQUESTS} are allowed.`, 'requests');

  const items = list.map((value, index) => parseItem(value, `requests[${index}]`, versionBase));
  const byKey = new Map<string, BatchItem>();
  for (const [index, item] of items.entries()) {
    if (byKey.has(item.key)) fail(`The id '${item.id}' is used by more than one request.`, `requests[${index}].id`);
    byKey.set(item.key, item);
  }
  for (const [index, item] of items.entries())
    for (const key of item.dependsOn)
      if (!byKey.has(key))
        fail(`Request '${item.id}' depends on '${key}', which is not in the batch.`, `requests[${index}].dependsOn`);
  assertAcyclic(items);
  return items;
}

function parseItem(value: unknown, target: string, versionBase: URL): BatchItem {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return fail(`Each request must be a JSON object (${target} is not).`, target);
  const item = value as Record<string, unknown>;
  const id = item.id;
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH)
    return fail(`Each request needs an 'id': a string of 1 to ${MAX_ID_LENGTH} characters.`, `${target}.id`);
  const method = typeof item.method === 'string' ? item.method.toUpperCase() : '';
  if (!METHODS.has(method))
    return fail(`Request '${id}' has no valid 'method' (GET, POST, PUT, PATCH or DELETE).`, `${target}.method`);
  if (typeof item.url !== 'string' || item.url.length === 0)
    return fail(`Request '${id}' has no 'url'.`, `${target}.url`);
  const url = resolveUrl(item.url, versionBase, id, `${target}.url`);
  const headers = parseHeaders(item.headers, id, `${target}.headers`);
  const dependsOn = item.dependsOn ?? [];
  if (!Array.isArray(dependsOn) || !dependsOn.every((key): key is string => typeof key === 'string'))
    return fail(`Request '${id}' has a 'dependsOn' that is not an array of request ids.`, `${target}.dependsOn`);
  const body = encodeBody(item.body, id, `${target}.body`);
  return {
    id,
    key: id.toLowerCase(),
    method,
    url,
    headers,
    ...(body ? { body } : {}),
    dependsOn: dependsOn.map((key) => key.toLowerCase()),
  };
}

/**
 * `/users/...` and `users/...` (also `/beta/users/...` in a beta batch) are relative to the batch's version, as Graph reads them; an absolute
 * URL must name this service's own origin and version. Dot segments are resolved first, so nothing
 * can climb out of the version, and a nested `$batch` is refused.
 */
function resolveUrl(raw: string, versionBase: URL, id: string, target: string): URL {
  let relative = raw.startsWith('/') && !raw.startsWith('//') ? raw.slice(1) : raw;
  // Graph's JavaScript client v3 keeps the version of the absolute URL it was given (`/beta/users/...`);
  // no route starts with a version, so the segment can only mean the batch's own.
  if (relative.toLowerCase().startsWith(versionBase.pathname.slice(1).toLowerCase()))
    relative = relative.slice(versionBase.pathname.length - 1);
  let url: URL;
  try {
    url = new URL(relative, versionBase);
  } catch {
    return fail(`Request '${id}' has a URL that cannot be parsed.`, target);
  }
  if (url.origin !== versionBase.origin || url.username || url.password)
    fail(
      `Request '${id}' names another host: item URLs are relative to this service's ${versionBase.pathname}.`,
      target,
    );
  if (!url.pathname.toLowerCase().startsWith(versionBase.pathname.toLowerCase()))
    fail(`Request '${id}' names a URL outside ${versionBase.pathname}.`, target);
  url.hash = '';
  const segments = url.pathname.split('/').map((segment) => segment.toLowerCase());
  if (segments.includes('$batch') || segments.includes('%24batch'))
    fail(`Request '${id}' is a nested $batch, which is not allowed.`, target);
  return url;
}

function parseHeaders(value: unknown, id: string, target: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    return fail(`Request '${id}' has 'headers' that are not a JSON object.`, target);
  const headers: Record<string, string> = {};
  for (const [name, headerValue] of Object.entries(value)) {
    const lower = name.toLowerCase();
    if (lower === 'authorization')
      fail(
        `Request '${id}' has its own Authorization header: every request is authorized with the batch's.`,
        `${target}.${name}`,
      );
    if (!HEADER_NAME.test(name) || typeof headerValue !== 'string' || !HEADER_VALUE.test(headerValue))
      fail(`Request '${id}' has an invalid header '${name.slice(0, 64)}'.`, `${target}.${name.slice(0, 64)}`);
    if (!CONNECTION_HEADERS.has(lower)) headers[lower] = headerValue as string;
  }
  return headers;
}

/** A JSON value is sent as JSON text; a string is Graph's base64 form of a body that is not JSON. */
function encodeBody(value: unknown, id: string, target: string): Uint8Array | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') return Buffer.from(JSON.stringify(value), 'utf8');
  if (!BASE64.test(value)) fail(`Request '${id}' has a string body that is not base64.`, target);
  return Buffer.from(value, value.includes('-') || value.includes('_') ? 'base64url' : 'base64');
}

/** Refuses a dependency cycle (one that includes an item depending on itself): it could never run. */
function assertAcyclic(items: readonly BatchItem[]): void {
  const waiting = new Map(items.map((item) => [item.key, new Set(item.dependsOn)]));
  let progressed = true;
  while (progressed) {
    progressed = false;
    for (const [key, dependencies] of waiting) {
      if ([...dependencies].every((dependency) => !waiting.has(dependency))) {
        waiting.delete(key);
        progressed = true;
      }
    }
  }
  if (waiting.size > 0) {
    const ids = items.filter((item) => waiting.has(item.key)).map((item) => `'${item.id}'`);
    fail(`The requests ${ids.join(', ')} depend on each other in a cycle.`, 'requests');
  }
}
