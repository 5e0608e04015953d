import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Services } from '../../shared/services';
import { closeServer } from '../../test/support/jwksServer';
import { BASELINES } from './baselines';

/** A baseline server: its origin and how to stop it. */
export interface BaselineServer {
  origin: string;
  close(): Promise<void>;
}

/**
 * The storage-only server: plain node:http, `/{operation}/users/{userId}/{collection...}/{id}/...`
 * runs that operation's baseline (baselines.ts) with the service's own Cosmos client, so the process
 * still has exactly one.
 */
export function startStorageOnlyServer(services: Services): Promise<BaselineServer> {
  return listen(
    createServer((request, response) => {
      const [operation = '', , userId = '', , , itemId] = (request.url ?? '').split('?')[0]!.split('/').slice(1);
      const baseline = BASELINES[operation];
      readBody(request)
        .then(async (text) => {
          if (!baseline) throw new Error(`no baseline for ${operation}`);
          const answer = await baseline(services, { userId, itemId, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} });
          response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
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
