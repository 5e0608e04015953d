import type { IncomingMessage } from 'node:http';
import { payloadTooLarge, withHeaders, type GraphError } from '../../shared/http/graphErrors';

/**
 * Reads a request body up to `limitBytes`: 413 on a larger Content-Length before anything is read,
 * and 413 as soon as the bytes read pass the limit (chunked bodies have no Content-Length), so a
 * body is never buffered past the limit. The 413 asks for the connection to be closed: the rest of
 * the body is left unread and the socket is destroyed once the answer is written.
 *
 * Listeners rather than `for await`: leaving an async iterator early destroys the request, and with
 * it the socket the 413 still has to be written to.
 */
export function readBody(request: IncomingMessage, limitBytes: number): Promise<Uint8Array> {
  const declared = request.headers['content-length'];
  if (declared !== undefined && Number(declared) > limitBytes) return Promise.reject(tooLarge(request, limitBytes));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const stop = () => {
      request
        .off('data', onData)
        .off('end', onEnd)
        .off('error', onError)
        .off('aborted', onAborted)
        .off('close', onAborted);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.byteLength;
      if (total > limitBytes) {
        stop();
        chunks.length = 0;
        reject(tooLarge(request, limitBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    const onAborted = () => onError(new Error('The client closed the connection before the body was complete.'));
    request
      .on('data', onData)
      .once('end', onEnd)
      .once('error', onError)
      .once('aborted', onAborted)
      .once('close', onAborted);
  });
}

function tooLarge(request: IncomingMessage, limitBytes: number): GraphError {
  request.pause();
  return withHeaders(payloadTooLarge(limitBytes), { Connection: 'close' });
}
