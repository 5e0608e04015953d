/**
 * Every error the service answers, in one file: the table of codes and their HTTP statuses, the one
 * error type, and a factory per error. A status is never written next to a code anywhere else, so
 * the two cannot disagree; code outside this file throws what a factory returns.
 */

/** Each error code the service answers, with the HTTP status it is answered with. */
export const ERROR_STATUS = {
  badRequest: 400,
  BadRequest: 400,
  InvalidAuthenticationToken: 401,
  accessDenied: 403,
  itemNotFound: 404,
  ResourceNotFound: 404,
  Request_ResourceNotFound: 404,
  MethodNotAllowed: 405,
  failedDependency: 424,
  requestTimeout: 408,
  conflict: 409,
  quotaLimitReached: 409,
  requestEntityTooLarge: 413,
  unsupportedMediaType: 415,
  tooManyRequests: 429,
  requestHeaderFieldsTooLarge: 431,
  generalException: 500,
  serviceNotAvailable: 503,
} as const;
export type GraphErrorCode = keyof typeof ERROR_STATUS;

/** The codes of the entries of an error's `details`. */
export const DETAIL_CODE = {
  invalidValue: 'invalidValue',
  invalidProperty: 'invalidProperty',
  missingProperty: 'missingProperty',
  invalidRequest: 'invalidRequest',
  invalidQueryOption: 'invalidQueryOption',
  phoneNumberNotUnique: 'phoneNumberNotUnique',
} as const;

/** One entry of an OData error's `details`: which property (`target`) is wrong and why. */
export interface GraphErrorDetail {
  code: string;
  message: string;
  target: string;
}

export interface GraphErrorInit {
  code: GraphErrorCode;
  message: string;
  details?: GraphErrorDetail[];
  headers?: Record<string, string>;
  cause?: unknown;
}

/**
 * A failure that becomes a Graph error response. Code anywhere on the request path throws one of
 * these; `handle` is the only place that turns it into a response. The status comes from the code.
 */
export class GraphError extends Error {
  override name = 'GraphError';
  readonly status: number;
  readonly code: GraphErrorCode;
  readonly details: GraphErrorDetail[];
  readonly headers: Record<string, string>;

  constructor({ code, message, details = [], headers = {}, cause }: GraphErrorInit) {
    super(message, cause === undefined ? undefined : { cause });
    this.status = ERROR_STATUS[code];
    this.code = code;
    this.details = details;
    this.headers = headers;
  }
}

/** Seconds a client waits before retrying a 503 that names no better time. */
const DEFAULT_RETRY_AFTER_SECONDS = 1;

const retryAfter = (seconds: number) => ({ 'Retry-After': String(seconds) });

export const badRequest = (message: string, details: GraphErrorDetail[] = []) =>
  new GraphError({ code: 'badRequest', message, details });

/** 401. `tokenSent` decides whether RFC 6750's `error="invalid_token"` applies. */
export const invalidToken = (message: string, tokenSent: boolean) =>
  new GraphError({
    code: 'InvalidAuthenticationToken',
    message,
    headers: {
      'WWW-Authenticate': tokenSent
        ? `Bearer realm="graph-phones", error="invalid_token", error_description="${quoteSafe(message)}"`
        : 'Bearer realm="graph-phones"',
    },
  });

/** 403 for a valid token that lacks the permission; `scopes` are the ones that would be accepted. */
export const accessDenied = (message: string, scopes: readonly string[]) =>
  new GraphError({
    code: 'accessDenied',
    message,
    headers: {
      'WWW-Authenticate':
        `Bearer realm="graph-phones", error="insufficient_scope"` +
        (scopes.length > 0 ? `, scope="${scopes.join(' ')}"` : ''),
    },
  });

/** 403 for a caller refused on who or where it is, not on a token (the local development issuer). */
export const callerRefused = (message: string) => new GraphError({ code: 'accessDenied', message });

export const conflict = (message: string) => new GraphError({ code: 'conflict', message });

export const itemNotFound = (message: string) => new GraphError({ code: 'itemNotFound', message });

/** 404 for a path no function serves. */
export const routeNotFound = (method: string) =>
  new GraphError({ code: 'ResourceNotFound', message: `No function serves ${method} on this path.` });

/** Graph's answer for a path segment that names nothing the service serves under a version. */
export const segmentNotFound = (segment: string) =>
  new GraphError({ code: 'BadRequest', message: `Resource not found for the segment '${segment}'.` });

/** 405 for a path served with other methods; `Allow` names the ones it has. */
export const methodNotAllowed = (allowed: readonly string[]) =>
  new GraphError({
    code: 'MethodNotAllowed',
    message: 'Specified HTTP method is not allowed for the request target.',
    headers: { Allow: [...new Set(allowed)].join(', ') },
  });

/** 408: the request's headers and body did not arrive in time. */
export const requestTimeout = () =>
  new GraphError({ code: 'requestTimeout', message: 'The request headers and body were not received in time.' });

/** 431: the request's headers are over the limit. */
export const requestHeadersTooLarge = () =>
  new GraphError({ code: 'requestHeaderFieldsTooLarge', message: 'The request headers are too large.' });

/** 400: bytes that are not an HTTP/1.1 request. */
export const malformedHttpRequest = () => badRequest('The request is not valid HTTP/1.1.');

/** 404 as Microsoft Graph answers a user the directory does not have; `key` is the name as the request gave it. */
export const resourceNotFound = (key: string) =>
  new GraphError({
    code: 'Request_ResourceNotFound',
    message: `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`,
  });

export const quotaLimitReached = (limit: number) =>
  new GraphError({
    code: 'quotaLimitReached',
    message: `The user already has the maximum of ${limit} profile phones.`,
  });

/** The same code as the count quota: the user's data, not the request, is what is too large (docs/design.md). */
export const documentLimitReached = (limitBytes: number) =>
  new GraphError({
    code: 'quotaLimitReached',
    message: `The change would make this user's stored data larger than its limit of ${limitBytes} bytes. Remove items or shorten values, then retry.`,
  });

/** A `$batch` item not run because an item it depends on failed. */
export const failedDependency = (dependency: string) =>
  new GraphError({
    code: 'failedDependency',
    message: `The request depends on request '${dependency}', which failed.`,
  });

export const payloadTooLarge = (limitBytes: number) =>
  new GraphError({
    code: 'requestEntityTooLarge',
    message: `The request body exceeds the limit of ${limitBytes} bytes.`,
  });

export const unsupportedMediaType = () =>
  new GraphError({
    code: 'unsupportedMediaType',
    message: "The request body must be JSON with Content-Type 'application/json'.",
  });

export const tooManyRequests = (retryAfterSeconds: number, cause?: unknown) =>
  new GraphError({
    code: 'tooManyRequests',
    message: 'The storage service is throttling requests. Retry after the indicated time.',
    headers: retryAfter(retryAfterSeconds),
    cause,
  });

export const serviceNotAvailable = (message: string, retryAfterSeconds: number, cause?: unknown) =>
  new GraphError({ code: 'serviceNotAvailable', message, headers: retryAfter(retryAfterSeconds), cause });

/** 503 while the local server is still starting. */
export const serverStarting = () => serviceNotAvailable('The server is starting.', DEFAULT_RETRY_AFTER_SECONDS);

/** 503 for a user whose mobile kept changing while the migration wrote it. */
export const migrationContended = () =>
  serviceNotAvailable('The mobile changed repeatedly during the migration.', DEFAULT_RETRY_AFTER_SECONDS);

/** 500 with nothing of the cause in the body; the cause is kept for the log line. */
export const generalException = (cause?: unknown) =>
  new GraphError({
    code: 'generalException',
    message: 'An unexpected error occurred while processing the request.',
    cause,
  });

/** 500 the local server answers when its own request handling fails. */
export const localServerFailure = () =>
  new GraphError({ code: 'generalException', message: 'An unexpected error occurred.' });

/** The same error with more headers (e.g. `Connection: close` where the body was not read). */
export const withHeaders = (error: GraphError, headers: Record<string, string>) =>
  new GraphError({
    code: error.code,
    message: error.message,
    details: error.details,
    headers: { ...error.headers, ...headers },
    cause: error.cause,
  });

/** Header parameter values are quoted strings: keep them free of quotes, backslashes and control characters. */
function quoteSafe(text: string): string {
  return text.replace(/["\\\p{Cc}]/gu, ' ');
}
