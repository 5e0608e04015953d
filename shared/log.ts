import type { InvocationContext } from '@azure/functions';

/**
 * The one log line per request. Only identifiers and outcomes: never a phone number, a display
 * name, a token or a claims set. Fields are listed explicitly so nothing else can slip in.
 */
export interface RequestLogEntry {
  requestId: string;
  invocationId: string;
  function: string;
  route: string;
  status: number;
  durationMs: number;
  errorCode?: string;
  /** Error class name for 5xx answers (the message may carry data, so it is left out). */
  errorType?: string;
  tenantId?: string;
  callerObjectId?: string;
  callerKind?: 'delegated' | 'app';
  targetUserId?: string;
}

export function logRequest(context: InvocationContext, entry: RequestLogEntry): void {
  const line = JSON.stringify({ event: 'request', ...entry });
  if (entry.status >= 500) context.error(line);
  else if (entry.status >= 400) context.warn(line);
  else context.info(line);
}
