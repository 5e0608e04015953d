import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import {
  malformedHttpRequest,
  requestHeadersTooLarge,
  requestTimeout,
  type GraphError,
} from '../../shared/http/graphErrors';
import { rawErrorAnswer } from './answers';
import { listenProblem } from './startupError';

/**
 * The node:http server of the local server: connection limits, parse-error answers, listen and close.
 *
 * Answers on a connection go out in request order: every answer is written through its
 * ServerResponse, and node:http queues a pipelined answer until the ones before it are sent. A
 * connection that breaks one of the limits below is closed; the client sees a 408 when it was still
 * sending its request, else the connection simply ends.
 */

export interface ConnectionLimits {
  /** Headers and body of a request must arrive within this time; else 408 and the connection is closed. */
  requestTimeoutMs: number;
  /** A connection with no request in progress is closed after this long. */
  keepAliveTimeoutMs: number;
  /** A connection on which no byte moves either way for this long (a stuck answer) is closed. */
  idleTimeoutMs: number;
  /** An answer must be taken by the client within this time of being written; else the connection is closed. */
  answerTimeoutMs: number;
}

/** Headers and body must arrive within this time (Node's own default is 300 s for the whole request). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export const DEFAULT_CONNECTION_LIMITS: Readonly<ConnectionLimits> = Object.freeze({
  requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 60_000,
  answerTimeoutMs: 30_000,
});

/** The answers a connection still owes, in request order: written (or being prepared) but not yet sent. */
const owedAnswers = new WeakMap<Socket, Set<ServerResponse>>();
/** Connections whose parse error or timeout was already handled (the parser reports each later byte again). */
const failedConnections = new WeakSet<Socket>();
/** The answer limit of each response's server, for guardAnswer. */
const answerTimeouts = new WeakMap<ServerResponse, number>();

export function createLocalHttpServer(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
  limits: Partial<ConnectionLimits> = {},
  /** Receives one line for each answer the server writes without a request (parse errors, timeouts). */
  log: (line: string) => void = () => undefined,
): Server {
  const { requestTimeoutMs, keepAliveTimeoutMs, idleTimeoutMs, answerTimeoutMs } = {
    ...DEFAULT_CONNECTION_LIMITS,
    ...limits,
  };
  const server = createServer(
    {
      requestTimeout: requestTimeoutMs,
      headersTimeout: requestTimeoutMs,
      keepAliveTimeout: keepAliveTimeoutMs,
      // How often Node looks for requests past those timeouts (its default, 30 s, would dwarf them).
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(requestTimeoutMs / 4))),
    },
    (request, response) => {
      const socket = request.socket;
      let owed = owedAnswers.get(socket);
      if (!owed) owedAnswers.set(socket, (owed = new Set()));
      owed.add(response);
      answerTimeouts.set(response, answerTimeoutMs);
      const settle = () => owed.delete(response);
      response.once('finish', settle).once('close', settle);
      handler(request, response);
    },
  );
  // Without a 'timeout' listener Node destroys a socket that has been inactive this long.
  server.timeout = idleTimeoutMs;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) =>
    answerClientError(error, socket, (graphError) =>
      log(JSON.stringify({ event: 'request', status: graphError.status, errorCode: graphError.code })),
    ),
  );
  return server;
}

/**
 * Node's own answer to a slow or malformed request is a bare status line; the answer here is in
 * Graph's format, then the connection is closed. It never lands inside another request's answer:
 * the answers owed for requests that were read whole are sent first. A request still being read
 * when the error came (its body timed out or was malformed) has had nothing written for it, and its
 * handler is still waiting for the body, so the error answer is that request's answer.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket, logAnswer: (error: GraphError) => void): void {
  if (failedConnections.has(socket)) return;
  failedConnections.add(socket);
  if (!socket.writable || socket.destroyed) {
    socket.destroy();
    return;
  }
  const pending = [...(owedAnswers.get(socket) ?? [])].filter((response) => response.req.complete);
  const answer = () => {
    if (!socket.writable || socket.destroyed) return;
    const graphError = graphErrorFor(error);
    logAnswer(graphError);
    socket.end(rawErrorAnswer(graphError), () => socket.destroy());
  };
  if (pending.length === 0) {
    answer();
    return;
  }
  let left = pending.length;
  for (const response of pending) {
    const done = () => {
      left -= 1;
      if (left === 0) answer();
    };
    // 'close' follows 'finish' for an answer that was sent, and comes alone for one that never will be.
    if (response.writableFinished) done();
    else response.once('close', () => (response.writableFinished ? done() : socket.destroy()));
  }
}

function graphErrorFor(error: NodeJS.ErrnoException): GraphError {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return requestTimeout();
    case 'HPE_HEADER_OVERFLOW':
      return requestHeadersTooLarge();
    default:
      return malformedHttpRequest();
  }
}

/**
 * Closes the connection of an answer the client does not take in time (a slow or stalled reader),
 * counted from when the answer was written; a pipelined answer's wait for the ones before it counts too.
 */
export function guardAnswer(response: ServerResponse): void {
  const socket = response.req.socket;
  const limit = answerTimeouts.get(response);
  if (limit === undefined || response.writableFinished) return;
  const timer = setTimeout(() => socket.destroy(), limit).unref();
  const clear = () => clearTimeout(timer);
  response.once('finish', clear).once('close', clear);
}

/** Listens and returns the server's URL; a busy port or a privileged one is a one-line StartupError. */
export function listen(server: Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(listenProblem(error, port, host)));
    server.listen(port, host, () => {
      const address = server.address() as AddressInfo;
      const hostInUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve(`http://${hostInUrl}:${address.port}`);
    });
  });
}

export function closeServer(server: Server | HttpsServer): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
