import type { HttpHandler } from '@azure/functions';
import { startFaultProxy, type FaultProxy } from './faultProxy';

export interface IsolatedService {
  createPhoneMethod: HttpHandler;
  createProfilePhone: HttpHandler;
  /** The isolated copy's key set (to count fetches). */
  keySet(): import('../../shared/auth/keySet').KeySet;
  dispose(): void;
}

/**
 * Loads a second, independent copy of the service (its own configuration, Cosmos client and key
 * set) with some environment variables changed, as a separate Functions worker process would be.
 */
export function loadServiceWith(overrides: Record<string, string | undefined>): IsolatedService {
  const saved = Object.fromEntries(Object.keys(overrides).map((name) => [name, process.env[name]]));
  let service!: IsolatedService;
  try {
    for (const [name, value] of Object.entries(overrides)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    jest.isolateModules(() => {
      // Parse the configuration now, while the overrides are in the environment.
      require('../../shared/config').getConfig();
      const verifyToken = require('../../shared/auth/verifyToken');
      const cosmos = require('../../shared/storage/cosmos');
      service = {
        createPhoneMethod: require('../../functions/createPhoneMethod').createPhoneMethod,
        createProfilePhone: require('../../functions/createProfilePhone').createProfilePhone,
        keySet: () => verifyToken.getKeySet(),
        dispose: () => cosmos.disposeCosmosClient(),
      };
    });
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
  return service;
}

/** A copy of the service whose storage traffic goes through a real fault proxy. */
export async function loadServiceBehindFaultProxy(): Promise<{
  proxy: FaultProxy;
  service: IsolatedService;
  close(): Promise<void>;
}> {
  const proxy = await startFaultProxy(process.env.COSMOS_ENDPOINT!);
  const service = loadServiceWith({ COSMOS_ENDPOINT: proxy.url });
  return {
    proxy,
    service,
    close: async () => {
      service.dispose();
      await proxy.close();
    },
  };
}
