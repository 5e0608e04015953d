import { createPrivateKey, createPublicKey } from 'node:crypto';
import { loadServiceWith, type IsolatedService } from './isolated';
import { startJwksServer, type JwksServer } from './jwksServer';

/** The public JWK of the key the shared test tokens are signed with, as the JWKS server publishes it. */
function defaultPublicJwk(): Record<string, unknown> {
  const publicKey = createPublicKey(createPrivateKey(process.env.TEST_SIGNING_KEY_PEM!));
  return { ...publicKey.export({ format: 'jwk' }), kid: process.env.TEST_SIGNING_KID!, use: 'sig', alg: 'RS256' };
}

export interface ServiceWithOwnKeySet extends AsyncDisposable {
  service: IsolatedService;
  jwks: JwksServer;
  close(): Promise<void>;
}

/**
 * A cold copy of the service whose key set comes from its own JWKS server, so a test can count the
 * fetches, swap the keys or stop the server without affecting other tests.
 */
export async function startServiceWithOwnKeySet(keys: object[] = [defaultPublicJwk()]): Promise<ServiceWithOwnKeySet> {
  const jwks = await startJwksServer(keys);
  const service = loadServiceWith({ AUTH_JWKS_URI: jwks.url });
  const own: ServiceWithOwnKeySet = {
    service,
    jwks,
    // A test may replace `jwks` (restart it on the same port): close whichever is current.
    close: async () => {
      service.dispose();
      await own.jwks.close();
    },
    [Symbol.asyncDispose]: () => own.close(),
  };
  return own;
}

/**
 * Makes `Date` controllable while every timer stays real (sockets, fetch timeouts and the Cosmos SDK
 * keep working), so a test can step past the key set's cool-down instead of waiting five minutes.
 */
export function controlClock(): { advance(ms: number): void; restore(): void } {
  jest.useFakeTimers({
    now: Date.now(),
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'requestAnimationFrame',
      'cancelAnimationFrame',
      'requestIdleCallback',
      'cancelIdleCallback',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });
  return {
    advance: (ms) => jest.setSystemTime(Date.now() + ms),
    restore: () => jest.useRealTimers(),
  };
}
