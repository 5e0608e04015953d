import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from './servers';

/** A real HTTP server on loopback that serves a JWKS document, counting fetches; keys can be swapped. */
export interface JwksServer extends AsyncDisposable {
  url: string;
  fetches: number;
  setKeys(keys: object[]): void;
  close(): Promise<void>;
}

export async function startJwksServer(keys: object[], port = 0): Promise<JwksServer> {
  let current = keys;
  const state: JwksServer = {
    url: '',
    fetches: 0,
    setKeys(next) {
      current = next;
    },
    close: () => closeServer(server),
    [Symbol.asyncDispose]: () => closeServer(server),
  };
  const server: Server = createServer((request, response) => {
    if (request.url === '/keys') {
      state.fetches += 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: current }));
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/keys`;
  return state;
}
