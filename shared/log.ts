import type { InvocationContext } from '@azure/functions';

/**
 * The one log line per request. Only identifiers and outcomes: never a phone number, a display
 * name, a token or a claims set. Fields are listed explicitly so nothing else can slip in.
 */
export interface RequestLogEntry {
  event: 'request';
  requestId: string;
  invocationId: string;
  function: string;
  route: string;
  status: number;
  durationMs: number;
  errorCode?: string;
  /** Error class name for 5xx answers (the message may carry data, so it is left out). */
  errorType?: string;
  /** What lies behind a 5xx or 429: storage's or the key set's failure, as kinds and codes only. */
  cause?: FailureCause;
  tenantId?: string;
  callerObjectId?: string;
  callerKind?: 'delegated' | 'app';
  targetUserId?: string;
}

interface FailureCause {
  /** The error class, e.g. `ErrorResponse` (Cosmos), `TimeoutError`, `KeySetUnavailableError`. */
  type: string;
  /** The HTTP status storage answered (e.g. 403 when the data-plane role is missing). */
  status?: number;
  /** Cosmos DB's sub-status code (e.g. 5301 for a missing role assignment). */
  subStatus?: number;
  /** A network error code such as `ECONNREFUSED`. */
  code?: string;
}

/** The identifying parts of an error, never its message (which may carry data). */
export function describeCause(cause: unknown): FailureCause | undefined {
  if (cause === null || typeof cause !== 'object') return undefined;
  const { name, code, substatus } = cause as { name?: unknown; code?: unknown; substatus?: unknown };
  return {
    type: typeof name === 'string' ? name : (cause.constructor?.name ?? 'unknown'),
    ...(typeof code === 'number' ? { status: code } : {}),
    ...(typeof substatus === 'number' ? { subStatus: substatus } : {}),
    ...(typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code) ? { code } : {}),
  };
}

/**
 * A request's entry with every field present from the start, in the order the line shows them: one
 * object shape for every request. The caller fills in the rest as the request goes.
 */
export function startLogEntry(requestId: string, context: InvocationContext, route: string): RequestLogEntry {
  return {
    event: 'request',
    requestId,
    invocationId: context.invocationId,
    function: context.functionName,
    route,
    status: 0,
    durationMs: 0,
    tenantId: undefined,
    callerObjectId: undefined,
    callerKind: undefined,
    targetUserId: undefined,
    errorCode: undefined,
    errorType: undefined,
    cause: undefined,
  };
}

/** Writes the entry as one JSON line (fields left undefined are left out), at the level its status calls for. */
export function logRequest(context: InvocationContext, entry: RequestLogEntry): void {
  const line = JSON.stringify(entry);
  if (entry.status >= 500) context.error(line);
  else if (entry.status >= 400) context.warn(line);
  else context.info(line);
}
