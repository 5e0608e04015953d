/** One entry of an OData error's `details`: which property (`target`) is wrong and why. */
export interface GraphErrorDetail {
  code: string;
  message: string;
  target: string;
}

/**
 * A failure that becomes a Graph error response. Code anywhere on the request path throws one of
 * these; `handle` is the only place that turns it into a response.
 */
export class GraphError extends Error {
  override name = 'GraphError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: GraphErrorDetail[] = [],
    readonly headers: Record<string, string> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const badRequest = (message: string, details: GraphErrorDetail[] = []) =>
  new GraphError(400, 'badRequest', message, details);

/** 401. `tokenSent` decides whether RFC 6750's `error="invalid_token"` applies. */
export const invalidToken = (message: string, tokenSent: boolean) =>
  new GraphError(401, 'InvalidAuthenticationToken', message, [], {
    'WWW-Authenticate': tokenSent
      ? `Bearer realm="graph-phones", error="invalid_token", error_description="${quoteSafe(message)}"`
      : 'Bearer realm="graph-phones"',
  });

/** 403 for a valid token that lacks the permission; `scopes` are the ones that would be accepted. */
export const accessDenied = (message: string, scopes: readonly string[]) =>
  new GraphError(403, 'accessDenied', message, [], {
    'WWW-Authenticate':
      `Bearer realm="graph-phones", error="insufficient_scope"` +
      (scopes.length > 0 ? `, scope="${scopes.join(' ')}"` : ''),
  });

export const conflict = (message: string) => new GraphError(409, 'conflict', message);

export const itemNotFound = (message: string) => new GraphError(404, 'itemNotFound', message);

export const quotaLimitReached = (limit: number) =>
  new GraphError(409, 'quotaLimitReached', `The user already has the maximum of ${limit} profile phones.`);

/** A `$batch` item not run because an item it depends on failed. */
export const failedDependency = (dependency: string) =>
  new GraphError(424, 'failedDependency', `The request depends on request '${dependency}', which failed.`);

/** A `$batch` item whose URL names no resource of this service. */
export const segmentNotFound = (segment: string) =>
  new GraphError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`);

/** A `$batch` item whose URL names a resource that does not serve its method. */
export const methodNotAllowed = (method: string, allowed: readonly string[]) =>
  new GraphError(405, 'MethodNotAllowed', `The ${method} method is not supported on this resource.`, [], {
    Allow: [...new Set(allowed)].join(', '),
  });

export const payloadTooLarge = (limitBytes: number) =>
  new GraphError(413, 'requestEntityTooLarge', `The request body exceeds the limit of ${limitBytes} bytes.`);

export const unsupportedMediaType = () =>
  new GraphError(415, 'unsupportedMediaType', "The request body must be JSON with Content-Type 'application/json'.");

export const tooManyRequests = (retryAfterSeconds: number, cause?: unknown) =>
  new GraphError(
    429,
    'tooManyRequests',
    'The storage service is throttling requests. Retry after the indicated time.',
    [],
    { 'Retry-After': String(retryAfterSeconds) },
    { cause },
  );

export const serviceNotAvailable = (message: string, retryAfterSeconds: number, cause?: unknown) =>
  new GraphError(503, 'serviceNotAvailable', message, [], { 'Retry-After': String(retryAfterSeconds) }, { cause });

/** 500 with nothing of the cause in the body; the cause is kept for the log line. */
export const generalException = (cause?: unknown) =>
  new GraphError(
    500,
    'generalException',
    'An unexpected error occurred while processing the request.',
    [],
    {},
    { cause },
  );

/** Header parameter values are quoted strings: keep them free of quotes, backslashes and control characters. */
function quoteSafe(text: string): string {
  return text.replace(/["\\\p{Cc}]/gu, ' ');
}
