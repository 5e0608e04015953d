import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from './servers';

/**
 * An attacker-controlled server on loopback: answers every request with the given JSON and records
 * it. Tests point `jku`/`x5u` headers at it and assert that it was never contacted.
 */
interface RecordingServer extends AsyncDisposable {
  url: string;
  requests: Pick<IncomingMessage, 'method' | 'url'>[];
  close(): Promise<void>;
}

export async function startRecordingServer(answer: object): Promise<RecordingServer> {
  const requests: RecordingServer['requests'] = [];
  const server: Server = createServer((request, response) => {
    requests.push({ method: request.method, url: request.url });
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => closeServer(server),
    [Symbol.asyncDispose]: () => closeServer(server),
  };
}
