import type { Server } from 'node:http';

/** Stops listening (new connections are refused) and ends open connections; resolves once closed. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
