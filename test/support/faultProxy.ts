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
 * - chaos: each document operation independently, with the given probabilities: reset before storage,
 *   answer 503, lose the answer after storage applied it, apply it *late* (storage gets it after up to
 *   `lateMs`, the client never gets an answer: it gives up at its deadline), or, for a point read, serve
 *   an older version of that document seen before (a lagging replica). `random` drives the choices.
 * The account metadata call (GET /) is always forwarded, rewritten so the SDK keeps using the proxy.
 * `staleOnce` makes the next point read of one document answer an older version of it, whatever the mode.
 */
export type FaultMode =
  | { kind: 'pass' }
  | { kind: 'throttle'; retryAfterMs: number }
  | { kind: 'status'; status: number }
  | { kind: 'stall' }
  | { kind: 'reset' }
  | { kind: 'loseResponse'; methods?: string[] }
  | { kind: 'hold'; methods?: string[]; forwarded?: boolean }
  | { kind: 'chaos'; rates: ChaosRates; lateMs: number; random: () => number };

/** Probabilities (each 0..1, summing to at most 1) of each fault per document operation. */
export interface ChaosRates {
  reset: number;
  status503: number;
  loseResponse: number;
  late: number;
  stale: number;
}

/** A request (or, when forwarded, its answer) the proxy holds until the test decides. */
export interface HeldRequest {
  method: string;
  path: string;
  release(outcome: 'answer' | 'drop'): void;
  /**
   * A held request (not `forwarded`) sent to storage now, whether or not its client still waits (a
   * write applied late): resolves with storage's status; the client gets no answer.
   */
  apply(): Promise<number>;
}

export interface FaultProxy {
  url: string;
  mode: FaultMode;
  /** How many requests got a fault instead of the real answer. */
  faultsInjected: number;
  /** Document operations seen (everything but the account metadata call), in every mode. */
  requests: number;
  /** The next point read of a document whose path contains `pathPart` answers `body` (200) instead. */
  staleOnce(pathPart: string, body: object): void;
  /** Storage statuses of the writes applied late by `chaos`, once they were applied. */
  lateStatuses: number[];
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

  const stale: Array<{ pathPart: string; body: object }> = [];
  /** Chaos mode: the bodies of the last point reads of each document, oldest first. */
  const seen = new Map<string, string[]>();

  const proxy: FaultProxy = {
    url: '',
    mode: { kind: 'pass' },
    faultsInjected: 0,
    requests: 0,
    lateStatuses: [],
    staleOnce: (pathPart, body) => void stale.push({ pathPart, body }),
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
    if (!isMetadata) proxy.requests += 1;
    const isPointRead = req.method === 'GET' && /\/docs\/[^/]+$/.test(req.url ?? '');
    const staleIndex = isPointRead ? stale.findIndex((entry) => (req.url ?? '').includes(entry.pathPart)) : -1;
    if (staleIndex >= 0) {
      proxy.faultsInjected += 1;
      answerJson(res, 200, stale.splice(staleIndex, 1)[0]!.body);
      return;
    }
    let mode = proxy.mode;
    if (!isMetadata && mode.kind === 'chaos') {
      const fault = chaosFault(mode, isPointRead, req.method ?? '', req.url ?? '');
      if (fault === 'stale') {
        const versions = seen.get(req.url ?? '')!;
        proxy.faultsInjected += 1;
        answerJson(res, 200, JSON.parse(versions[Math.floor(mode.random() * (versions.length - 1))]!) as object);
        return;
      }
      if (fault === 'late') {
        const lateMs = mode.random() * mode.lateMs;
        proxy.faultsInjected += 1;
        void bufferBody(req).then((body) => {
          setTimeout(() => {
            void sendUpstream(req, body).then((status) => {
              proxy.lateStatuses.push(status);
              req.socket.destroy();
            });
          }, lateMs);
        });
        return;
      }
      mode =
        fault === 'reset'
          ? { kind: 'reset' }
          : fault === 'status503'
            ? { kind: 'status', status: 503 }
            : fault === 'loseResponse'
              ? { kind: 'loseResponse' }
              : { kind: 'pass' };
      if (fault === 'pass' && isPointRead) {
        recordRead(req, res);
        return;
      }
    }
    const losesResponse =
      !isMetadata && mode.kind === 'loseResponse' && (mode.methods?.includes(req.method ?? '') ?? true);
    const holds = !isMetadata && mode.kind === 'hold' && (mode.methods?.includes(req.method ?? '') ?? true);
    const holdsAnswer = holds && mode.kind === 'hold' && mode.forwarded === true;
    if (holds && !holdsAnswer) {
      void bufferBody(req).then((body) =>
        park({
          method: req.method ?? '',
          path: req.url ?? '',
          release: (outcome) =>
            outcome === 'drop'
              ? req.socket.destroy()
              : void sendUpstream(req, body, (answer) => {
                  res.writeHead(answer.statusCode ?? 502, answer.headers);
                  answer.pipe(res);
                }),
          apply: () => sendUpstream(req, body),
        }),
      );
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

  function chaosFault(
    mode: Extract<FaultMode, { kind: 'chaos' }>,
    isPointRead: boolean,
    method: string,
    path: string,
  ): 'pass' | 'stale' | 'late' | 'reset' | 'status503' | 'loseResponse' {
    const roll = mode.random();
    const { reset, status503, loseResponse, late, stale: staleRate } = mode.rates;
    if (roll < reset) return 'reset';
    if (roll < reset + status503) return 'status503';
    if (roll < reset + status503 + loseResponse) return method === 'GET' ? 'pass' : 'loseResponse';
    if (roll < reset + status503 + loseResponse + late) return method === 'GET' ? 'pass' : 'late';
    if (roll < reset + status503 + loseResponse + late + staleRate)
      return isPointRead && (seen.get(path)?.length ?? 0) >= 2 ? 'stale' : 'pass';
    return 'pass';
  }

  /** A point read forwarded, its answer's body kept as a version a later stale read may serve. */
  function recordRead(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) {
    void sendUpstream(req, Buffer.alloc(0), (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        const body = Buffer.concat(chunks);
        if (answer.statusCode === 200) {
          const versions = seen.get(req.url ?? '') ?? [];
          const text = body.toString('utf8');
          if (versions[versions.length - 1] !== text) versions.push(text);
          seen.set(req.url ?? '', versions.slice(-4));
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers).end(body);
      });
    });
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
            apply: () => Promise.resolve(answer.statusCode ?? 502),
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

  function answerJson(res: import('node:http').ServerResponse, status: number, body: object) {
    const text = JSON.stringify(body);
    res
      .writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) })
      .end(text);
  }

  function bufferBody(req: import('node:http').IncomingMessage): Promise<Buffer> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', () => resolve(Buffer.concat(chunks)));
    });
  }

  /** Sends a request to storage with this body; resolves with its status (and hands the answer on, if asked). */
  function sendUpstream(
    req: import('node:http').IncomingMessage,
    body: Buffer,
    onAnswer?: (answer: import('node:http').IncomingMessage) => void,
  ): Promise<number> {
    return new Promise((resolve) => {
      const upstream = httpsRequest(
        {
          host: backend.hostname,
          port: backend.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, 'content-length': String(body.length) },
          rejectUnauthorized: false,
        },
        (answer) => {
          resolve(answer.statusCode ?? 502);
          if (onAnswer) onAnswer(answer);
          else answer.resume();
        },
      );
      upstream.on('error', () => resolve(502));
      upstream.end(body);
    });
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
