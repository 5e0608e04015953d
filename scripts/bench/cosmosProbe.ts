import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import type { Socket } from 'node:net';

/** Bytes this process sent to and received from Cosmos DB. */
export interface CosmosBytes {
  sent: number;
  received: number;
}

/**
 * Counts this process's requests to Cosmos DB as they leave (Node's `http.client.request.start`
 * channel, which the Cosmos SDK's HTTPS requests pass through), without touching the service.
 * Every CosmosClient the service builds has its own HTTPS agent, so the distinct agents seen are the
 * Cosmos clients in use.
 *
 * It also counts the bytes on those requests' sockets: `bytesWritten` and `bytesRead` of each socket
 * a Cosmos request used, summed (a closed socket's last counts kept). On a TLS socket they count the
 * HTTP bytes (request and status lines, headers, bodies), not TLS's framing. Socket counters rather
 * than Content-Length because the headers are part of each request's cost (about a kilobyte of them,
 * the signature and session token included) and an answer need not carry a Content-Length. Every
 * byte on these sockets is Cosmos traffic, and every socket is seen from its first request on when the
 * probe is made before the first Cosmos request, so `bytes` is exact at any moment; the bytes of one
 * stretch of work are the difference of two readings taken while nothing else talks to Cosmos.
 */
export class CosmosProbe {
  requests = 0;
  private readonly agents = new Set<unknown>();
  private readonly sockets = new Set<Socket>();
  private readonly closed: CosmosBytes = { sent: 0, received: 0 };
  private readonly listener = (message: unknown) => {
    const request = (message as { request: ClientRequest }).request;
    if (`${request.host}:${portOf(request)}` !== this.hostPort) return;
    this.requests += 1;
    this.agents.add((request as unknown as { agent?: unknown }).agent);
    if (request.socket) this.track(request.socket);
    else request.once('socket', (socket: Socket) => this.track(socket));
  };

  constructor(private readonly hostPort: string) {
    subscribe('http.client.request.start', this.listener);
  }

  /** For an endpoint such as https://127.0.0.1:8081. */
  static forEndpoint(endpoint: string): CosmosProbe {
    const url = new URL(endpoint);
    return new CosmosProbe(`${url.hostname}:${url.port || '443'}`);
  }

  get clients(): number {
    return this.agents.size;
  }

  /** Counts clients from here on (the local server's start-up sets storage up with a client of its own, then disposes of it). */
  countClientsFromHere(): void {
    this.agents.clear();
  }

  /** Every byte sent to and received from Cosmos since the probe was made. */
  get bytes(): CosmosBytes {
    let { sent, received } = this.closed;
    for (const socket of this.sockets) {
      sent += socket.bytesWritten;
      received += socket.bytesRead;
    }
    return { sent, received };
  }

  close(): void {
    unsubscribe('http.client.request.start', this.listener);
  }

  private track(socket: Socket): void {
    if (this.sockets.has(socket)) return;
    this.sockets.add(socket);
    socket.once('close', () => {
      this.closed.sent += socket.bytesWritten;
      this.closed.received += socket.bytesRead;
      this.sockets.delete(socket);
    });
  }
}

function portOf(request: ClientRequest): string {
  const socketPort = (request as unknown as { agent?: { defaultPort?: number } }).agent?.defaultPort;
  const header = request.getHeader('host');
  const fromHeader = typeof header === 'string' ? header.split(':')[1] : undefined;
  return fromHeader ?? String(socketPort ?? 443);
}
