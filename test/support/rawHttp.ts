import { connect } from 'node:net';
import { parseGraphBody, type GraphBody } from './graphBody';

/**
 * One HTTP/1.1 exchange on a raw socket, for what fetch cannot send: a head without its body, a
 * body that stops half way, a chunked body written as fast as the socket takes it. Resolves with
 * everything the server wrote once it closes the connection (or once `until` matches it).
 */
export function rawExchange(port: number, head: string, body: Buffer[] = [], until?: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const done = () => {
      socket.destroy();
      resolve(received);
    };
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
      if (until?.test(received)) done();
    });
    socket.once('close', done);
    // Writes after the server answered and closed fail; what it wrote is what the test reads.
    socket.on('error', (error: NodeJS.ErrnoException) =>
      received === '' && error.code !== 'EPIPE' && error.code !== 'ECONNRESET' ? reject(error) : done(),
    );
    const send = async () => {
      socket.write(head);
      for (const chunk of body) {
        if (socket.destroyed) return;
        if (!socket.write(chunk)) await new Promise((next) => socket.once('drain', next).once('close', next));
      }
    };
    socket.once('connect', () => void send().catch(reject));
  });
}

/** Status, headers and parsed JSON body of a raw HTTP/1.1 answer. */
export function parseRawAnswer(text: string): { status: number; headers: Record<string, string>; body: GraphBody } {
  const split = text.indexOf('\r\n\r\n');
  const [statusLine, ...headerLines] = text.slice(0, split).split('\r\n');
  const headers = Object.fromEntries(
    headerLines.map((line) => [
      line.slice(0, line.indexOf(':')).toLowerCase(),
      line.slice(line.indexOf(':') + 1).trim(),
    ]),
  );
  const rest = text.slice(split + 4);
  return {
    status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine ?? '')?.[1]),
    headers,
    body: parseGraphBody(rest || undefined),
  };
}

/** A chunked body of `total` bytes of 'a', in chunks of `size` (with the terminating chunk). */
export function chunkedBody(total: number, size = 65_536): Buffer[] {
  const chunks: Buffer[] = [];
  for (let sent = 0; sent < total; sent += size) {
    const length = Math.min(size, total - sent);
    chunks.push(
      Buffer.concat([Buffer.from(`${length.toString(16)}\r\n`), Buffer.alloc(length, 'a'), Buffer.from('\r\n')]),
    );
  }
  chunks.push(Buffer.from('0\r\n\r\n'));
  return chunks;
}

/** A raw HTTP/1.1 answer: status, headers and body text. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The complete answers (each with a Content-Length) at the start of what a connection received, in order. */
export function parseRawAnswers(text: string): RawAnswer[] {
  const answers: RawAnswer[] = [];
  let rest = Buffer.from(text, 'utf8');
  for (;;) {
    const split = rest.indexOf('\r\n\r\n');
    if (split < 0) return answers;
    const [statusLine, ...headerLines] = rest.subarray(0, split).toString('utf8').split('\r\n');
    const headers = Object.fromEntries(
      headerLines.map((line) => [
        line.slice(0, line.indexOf(':')).toLowerCase(),
        line.slice(line.indexOf(':') + 1).trim(),
      ]),
    );
    const length = Number(headers['content-length'] ?? 0);
    if (rest.byteLength < split + 4 + length) return answers;
    answers.push({
      status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine ?? '')?.[1]),
      headers,
      body: rest.subarray(split + 4, split + 4 + length).toString('utf8'),
    });
    rest = rest.subarray(split + 4 + length);
  }
}

/** A raw connection kept open by the test: it writes when it likes and waits for what it expects. */
export interface RawConnection {
  write(text: string): void;
  /** Everything received so far. */
  received(): string;
  answers(): RawAnswer[];
  /** Whether the server has closed the connection. */
  closed(): boolean;
  /** Resolves once `condition` holds; rejects naming `what` if it does not within `boundMs` (a generous bound). */
  until(condition: () => boolean, what: string, boundMs?: number): Promise<void>;
  /** Stops reading (the server's writes pile up) or starts again. */
  pause(): void;
  resume(): void;
  destroy(): void;
}

export function openRaw(port: number): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let isClosed = false;
    const waiters = new Set<() => void>();
    const check = () => waiters.forEach((waiter) => waiter());
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      check();
    });
    socket.on('error', () => undefined);
    socket.once('close', () => {
      isClosed = true;
      check();
    });
    socket.once('connect', () =>
      resolve({
        write: (text) => void socket.write(text),
        received: () => received.toString('utf8'),
        answers: () => parseRawAnswers(received.toString('utf8')),
        closed: () => isClosed,
        until: (condition, what, boundMs = 15_000) =>
          new Promise<void>((done, fail) => {
            // Checked on every byte and close, and every 20 ms for conditions on other things (log lines).
            const waiter = () => {
              if (!condition()) return;
              waiters.delete(waiter);
              clearTimeout(timer);
              clearInterval(poll);
              done();
            };
            const poll = setInterval(waiter, 20);
            const timer = setTimeout(() => {
              waiters.delete(waiter);
              clearInterval(poll);
              fail(new Error(`not seen within ${boundMs} ms: ${what}`));
            }, boundMs);
            waiters.add(waiter);
            waiter();
          }),
        pause: () => socket.pause(),
        resume: () => socket.resume(),
        destroy: () => socket.destroy(),
      }),
    );
    socket.once('error', reject);
  });
}
