import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { methodNotAllowed as notAllowed, routeNotFound, type GraphError } from '../../shared/http/graphErrors';
import { errorResponse } from '../../shared/http/graphResponses';
import { guardAnswer } from './httpServer';

/** The answers the local server writes itself, always in Graph's error format for errors. */

/** Any answer, from a function or from the server itself. */
export type LocalAnswer = { status: number; headers: Record<string, string>; body: string };

export function json(status: number, body: string): LocalAnswer {
  return { status, headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' }, body };
}

/** The server's own error answers use the service's Graph error builder (same body and headers). */
function localError(error: GraphError, clientRequestIdHeader?: string | string[]): LocalAnswer {
  const requestId = randomUUID();
  const given = clientRequestIdHeader;
  const clientRequestId = typeof given === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : requestId;
  return errorAnswer(error, requestId, clientRequestId);
}

function errorAnswer(error: GraphError, requestId: string, clientRequestId: string): LocalAnswer {
  const init = errorResponse(error, { requestId, clientRequestId });
  return { status: init.status!, headers: init.headers as Record<string, string>, body: init.body as string };
}

/** `error` in place of a function's error answer, under the request ids that answer carried. */
export function replaceErrorAnswer(answer: LocalAnswer, error: GraphError): LocalAnswer {
  const header = (name: string) => Object.entries(answer.headers).find(([key]) => key.toLowerCase() === name)?.[1];
  const requestId = header('request-id') ?? randomUUID();
  return errorAnswer(error, requestId, header('client-request-id') ?? requestId);
}

export function requestError(error: GraphError, request: IncomingMessage): LocalAnswer {
  return localError(error, request.headers['client-request-id']);
}

export function notFound(request: IncomingMessage, method: string): LocalAnswer {
  return requestError(routeNotFound(method), request);
}

export function methodNotAllowed(request: IncomingMessage, allowed: string[]): LocalAnswer {
  return requestError(notAllowed(allowed), request);
}

/** After an early answer (413), at most this much of the unread body is read and dropped, for at most LINGER_MS... */
const LINGER_MAX_BYTES = 8 * 1_048_576;
/** ...after which the connection is destroyed. */
const LINGER_MS = 2000;

/**
 * Writes an answer through its ServerResponse, which node:http sends in request order (a pipelined
 * answer waits for the ones before it), and guards it against a client that does not read it.
 * With `Connection: close` (the body was not read to its end) the connection is closed once the
 * answer is out: the rest of the body is read and dropped for a bounded time and size (nothing is
 * kept), so the client, still sending, sees the answer rather than a reset. False when nothing was
 * written: the connection is gone, or the request already has its answer.
 */
export function writeAnswer(response: ServerResponse, answer: LocalAnswer): boolean {
  const request = response.req;
  const socket = request.socket;
  if (socket.destroyed || response.destroyed || response.headersSent || response.writableEnded) return false;
  const close = answer.headers.Connection === 'close';
  response.writeHead(answer.status, {
    ...answer.headers,
    'Content-Length': String(Buffer.byteLength(answer.body, 'utf8')),
  });
  // A string (not a Buffer) lets node:http send the head and the body in one write.
  response.end(answer.body, 'utf8', close ? () => linger(request, socket) : undefined);
  guardAnswer(response);
  return true;
}

function linger(request: IncomingMessage, socket: Socket): void {
  if (socket.destroyed) return;
  const stop = () => socket.destroy();
  const timer = setTimeout(stop, LINGER_MS).unref();
  socket.once('close', () => clearTimeout(timer));
  if (request.complete) {
    stop();
    return;
  }
  let dropped = 0;
  request.on('data', (chunk: Buffer) => {
    dropped += chunk.byteLength;
    if (dropped > LINGER_MAX_BYTES) stop();
  });
  request.once('end', stop);
  request.resume();
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  431: 'Request Header Fields Too Large',
};

/** A whole HTTP/1.1 error answer as bytes, for a socket that has no usable request (parse errors, timeouts). */
export function rawErrorAnswer(error: GraphError): string {
  const answer = localError(error);
  const headers = { ...answer.headers, 'Content-Length': String(Buffer.byteLength(answer.body)), Connection: 'close' };
  const head = [
    `HTTP/1.1 ${answer.status} ${REASONS[answer.status] ?? 'Error'}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return `${head.join('\r\n')}\r\n\r\n${answer.body}`;
}
