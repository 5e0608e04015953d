import { readFileSync } from 'node:fs';
import { createServer, request as httpsRequest, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { dirname, join } from 'node:path';

/**
 * What the proxy does to storage traffic:
 * - pass: forward to the real Cosmos-compatible server;
 * - throttle: answer document operations with 429 and a retry-after (the server itself cannot throttle);
 * - status: answer document operations with the given HTTP status;
 * - stall: accept document operations and never answer;
 * - reset: destroy the connection of document operations mid-request (the request never reaches storage);
 * - loseResponse: forward document operations (so a write does happen) and then destroy the
 *   connection instead of answering: the client cannot know whether its write landed. With `methods`,
 *   only requests of those HTTP methods lose their answer; the others pass.
 * - hold: document operations of the given HTTP methods (all when omitted; the others pass) wait until
 *   the test takes them with `nextHeld()` and releases each: with `forwarded` the request reaches
 *   storage at once and only its answer waits, else the request itself waits. Released with 'answer'
 *   it completes normally; with 'drop' the connection is destroyed (after the write, if forwarded).
 * The account metadata call (GET /) is always forwarded, rewritten so the SDK keeps using the proxy.
 */
export type FaultMode =
  | { kind: 'pass' }
  | { kind: 'throttle'; retryAfterMs: number }
  | { kind: 'status'; status: number }
  | { kind: 'stall' }
  | { kind: 'reset' }
  | { kind: 'loseResponse'; methods?: string[] }
  | { kind: 'hold'; methods?: string[]; forwarded?: boolean };

/** A request (or, when forwarded, its answer) the proxy holds until the test decides. */
interface HeldRequest {
  method: string;
  path: string;
  release(outcome: 'answer' | 'drop'): void;
}

export interface FaultProxy {
  url: string;
  mode: FaultMode;
  /** How many requests got a fault instead of the real answer. */
  faultsInjected: number;
  /** The next request held by a `hold` mode (at once if one is waiting). */
  nextHeld(): Promise<HeldRequest>;
  /** Stops listening (connections are refused) until `resume`. */
  refuse(): Promise<void>;
  resume(): Promise<void>;
  close(): Promise<void>;
  /** `await using proxy = await startFaultProxy(...)` closes it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void>;
}

// The Cosmos-compatible server ships a self-signed certificate for loopback; the proxy reuses it.
const serverPackage = dirname(require.resolve('@vercel/cosmosdb-server/package.json'));
const tls = { cert: readFileSync(join(serverPackage, 'cert.pem')), key: readFileSync(join(serverPackage, 'key.pem')) };

/** A real HTTPS proxy on 127.0.0.1 in front of the Cosmos-compatible server, with injectable faults. */
export async function startFaultProxy(backendEndpoint: string): Promise<FaultProxy> {
  const backend = new URL(backendEndpoint);
  const sockets = new Set<Duplex>();
  let port = 0;
  let server: Server;
  const unclaimed: HeldRequest[] = [];
  const waiters: Array<(held: HeldRequest) => void> = [];
  const park = (held: HeldRequest) => {
    proxy.faultsInjected += 1;
    const waiter = waiters.shift();
    if (waiter) waiter(held);
    else unclaimed.push(held);
  };

  const proxy: FaultProxy = {
    url: '',
    mode: { kind: 'pass' },
    faultsInjected: 0,
    nextHeld: () =>
      new Promise((resolve) => {
        const first = unclaimed.shift();
        if (first) resolve(first);
        else waiters.push(resolve);
      }),
    refuse: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    resume: () => listen(),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    [Symbol.asyncDispose]: () => proxy.close(),
  };

  function handle(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) {
    const isMetadata = req.method === 'GET' && (req.url === '/' || req.url === '');
    const mode = proxy.mode;
    const losesResponse =
      !isMetadata && mode.kind === 'loseResponse' && (mode.methods?.includes(req.method ?? '') ?? true);
    const holds = !isMetadata && mode.kind === 'hold' && (mode.methods?.includes(req.method ?? '') ?? true);
    const holdsAnswer = holds && mode.kind === 'hold' && mode.forwarded === true;
    if (holds && !holdsAnswer) {
      park({
        method: req.method ?? '',
        path: req.url ?? '',
        release: (outcome) => (outcome === 'drop' ? req.socket.destroy() : forward(req, res, isMetadata, false, false)),
      });
      return;
    }
    if (!isMetadata && mode.kind !== 'pass' && mode.kind !== 'loseResponse' && mode.kind !== 'hold') {
      proxy.faultsInjected += 1;
      if (mode.kind === 'throttle') {
        res.writeHead(429, { 'content-type': 'application/json', 'x-ms-retry-after-ms': String(mode.retryAfterMs) });
        res.end(JSON.stringify({ code: 'TooManyRequests', message: 'Request rate is large' }));
      } else if (mode.kind === 'status') {
        res.writeHead(mode.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: String(mode.status), message: 'injected fault' }));
      } else if (mode.kind === 'reset') {
        req.socket.destroy();
      }
      return; // stall: never answer
    }
    forward(req, res, isMetadata, losesResponse, holdsAnswer);
  }

  function forward(
    req: import('node:http').IncomingMessage,
    res: import('node:http').ServerResponse,
    isMetadata: boolean,
    losesResponse: boolean,
    holdsAnswer: boolean,
  ) {
    const upstream = httpsRequest(
      {
        host: backend.hostname,
        port: backend.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        rejectUnauthorized: false,
      },
      (answer) => {
        if (holdsAnswer) {
          park({
            method: req.method ?? '',
            path: req.url ?? '',
            release: (outcome) => {
              if (outcome === 'drop') {
                answer.resume();
                req.socket.destroy();
              } else {
                res.writeHead(answer.statusCode ?? 502, answer.headers);
                answer.pipe(res);
              }
            },
          });
          return;
        }
        if (losesResponse) {
          // The write happened; its answer is dropped with the connection.
          proxy.faultsInjected += 1;
          answer.resume();
          answer.on('end', () => req.socket.destroy());
          return;
        }
        if (!isMetadata) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8').split(`:${backend.port}/`).join(`:${port}/`);
          const headers = { ...answer.headers, 'content-length': String(Buffer.byteLength(body)) };
          res.writeHead(answer.statusCode ?? 502, headers).end(body);
        });
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }

  function listen(): Promise<void> {
    server = createServer(tls, handle);
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    return new Promise((resolve) =>
      server.listen(port, '127.0.0.1', () => {
        port = (server.address() as AddressInfo).port;
        proxy.url = `https://127.0.0.1:${port}`;
        resolve();
      }),
    );
  }

  await listen();
  return proxy;
}
