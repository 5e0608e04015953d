import { HttpRequest, InvocationContext, type HttpHandler } from '@azure/functions';
import { parseGraphBody, type GraphBody } from './graphBody';

export interface Invocation {
  status: number;
  headers: Headers;
  /** The parsed JSON body (every answer of this service is JSON). */
  body: GraphBody;
  /** Every log line the invocation wrote. */
  logs: string[];
}

interface InvokeOptions {
  /** The `{userId}` path value, as the Functions host would decode it; ignored with `me`. */
  userId: string;
  /** Call the `/me/...` route (the handler must be the `...Me` registration). */
  me?: boolean;
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Route values below the user, e.g. `{ id }`. */
  params?: Record<string, string>;
  token?: string;
  body?: unknown;
  /** A raw body string (wins over `body`). */
  rawBody?: string;
  headers?: Record<string, string>;
  /** The version the request names (default beta): the handler must be that version's registration. */
  version?: 'beta' | 'v1.0';
  /** The path under /{version}/ before `{userId}`: `users` or `user`. */
  collection?: string;
  /** Path of the collection below the user. */
  path: string;
  query?: Record<string, string>;
}

/** Every log line of every invocation in this test file (for the "no PII in logs" checks). */
export const allLogLines: string[] = [];

/** Calls an exported handler with real HttpRequest / InvocationContext objects, as the host does. */
export async function invoke(handler: HttpHandler, options: InvokeOptions): Promise<Invocation> {
  const collection = options.collection ?? 'users';
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const raw = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const search = options.query ? `?${new URLSearchParams(options.query).toString()}` : '';
  const user = options.me ? 'me' : `${collection}/${encodeURIComponent(options.userId)}`;
  const request = new HttpRequest({
    method: options.method ?? 'POST',
    url: `http://localhost:7071/${options.version ?? 'beta'}/${user}/${options.path}${search}`,
    headers,
    params: { ...(options.me ? {} : { collection, userId: options.userId }), ...options.params },
    query: options.query,
    ...(raw === undefined ? {} : { body: { string: raw } }),
  });
  const logs: string[] = [];
  const context = new InvocationContext({
    functionName: 'test',
    invocationId: 'test-invocation',
    logHandler: (_level, ...args) => {
      const line = args.map(String).join(' ');
      logs.push(line);
      allLogLines.push(line);
    },
  });
  const response = await handler(request, context);
  const init = response as { status?: number; headers?: Record<string, string>; body?: string };
  return {
    status: init.status ?? 200,
    headers: new Headers(init.headers),
    body: parseGraphBody(init.body),
    logs,
  };
}
