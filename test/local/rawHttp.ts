import { connect } from 'node:net';
import { parseGraphBody, type GraphBody } from '../support/graphBody';

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
