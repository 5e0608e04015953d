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

/** The node:http server of the local server: timeouts, parse-error answers, listen and close. */

/** Headers and body must arrive within this time (Node's own default is 300 s for the whole request). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export function createLocalHttpServer(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
  requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
): Server {
  const server = createServer(
    {
      requestTimeout: requestTimeoutMs,
      headersTimeout: requestTimeoutMs,
      // How often Node looks for requests past those timeouts (its default, 30 s, would dwarf them).
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(requestTimeoutMs / 4))),
    },
    handler,
  );
  // Node's own answer to a slow or malformed request is a bare status line; answer in Graph's format
  // instead (nothing has been written for such a request: it never reached the handler, or the
  // handler is still waiting for its body), then drop the connection.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (socket.writable && !socket.destroyed) {
      socket.end(rawErrorAnswer(graphErrorFor(error)), () => socket.destroy());
    } else {
      socket.destroy();
    }
  });
  return server;
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
