import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';

/**
 * Counts this process's requests to Cosmos DB as they leave (Node's `http.client.request.start`
 * channel, which the Cosmos SDK's HTTPS requests pass through), without touching the service.
 * Every CosmosClient the service builds has its own HTTPS agent, so the distinct agents seen are the
 * Cosmos clients in use.
 */
export class CosmosProbe {
  requests = 0;
  private readonly agents = new Set<unknown>();
  private readonly listener = (message: unknown) => {
    const request = (message as { request: ClientRequest }).request;
    if (`${request.host}:${portOf(request)}` !== this.hostPort) return;
    this.requests += 1;
    this.agents.add((request as unknown as { agent?: unknown }).agent);
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

  close(): void {
    unsubscribe('http.client.request.start', this.listener);
  }
}

function portOf(request: ClientRequest): string {
  const socketPort = (request as unknown as { agent?: { defaultPort?: number } }).agent?.defaultPort;
  const header = request.getHeader('host');
  const fromHeader = typeof header === 'string' ? header.split(':')[1] : undefined;
  return fromHeader ?? String(socketPort ?? 443);
}
