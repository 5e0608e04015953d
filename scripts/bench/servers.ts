import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getContainers } from '../../shared/storage/cosmos';
import { closeServer } from '../../test/support/jwksServer';

/** A baseline server: its origin and how to stop it. */
export interface BaselineServer {
  origin: string;
  close(): Promise<void>;
}

const FIXED_BODY = JSON.stringify({ id: '00000000-0000-4000-8000-000000000000', number: '+1 206 555 0100', type: 'mobile' });

/** The ceiling: Node's own HTTP server answering 201 with a fixed JSON body (the request body is drained). */
export function startBareServer(): Promise<BaselineServer> {
  return listen(
    createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        response.writeHead(201, { 'content-type': 'application/json' }).end(FIXED_BODY);
      });
    }),
  );
}

/**
 * The storage floor: the same `@azure/cosmos` create the endpoints do, with the process's own client
 * (so the client count stays 1), on the same embedded storage; no auth, no validation, no Graph shape.
 */
export function startStorageOnlyServer(): Promise<BaselineServer> {
  return listen(
    createServer((request, response) => {
      const userId = /\/users\/([^/]+)\//.exec(request.url ?? '')?.[1] ?? 'unknown';
      readBody(request)
        .then(async (text) => {
          const document = { ...(JSON.parse(text) as object), id: randomUUID(), userId };
          await getContainers().profilePhones.items.create(document);
          response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(document));
        })
        .catch(() => response.writeHead(500).end());
    }),
  );
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function listen(server: Server): Promise<BaselineServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => closeServer(server) };
}
