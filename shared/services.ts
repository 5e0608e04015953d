import type { CosmosClient } from '@azure/cosmos';
import { KeySet } from './auth/keySet';
import { createTokenVerifier, type TokenVerifier } from './auth/verifyToken';
import type { Config } from './config';
import { containersOf, createCosmosClient, type Containers } from './storage/cosmos';
import type { StorageTiming } from './storage/timing';

/** What an operation may use. Built once per process by the entry, once per test by the tests. */
export interface Services {
  config: Config;
  containers: Containers;
  verifier: TokenVerifier;
  /** The time of a request (server-set timestamps). */
  now(): Date;
  /** The write path's deadline, lease and clock-skew bounds; the defaults when absent (tests shorten them). */
  storageTiming?: StorageTiming;
}

/** Services together with the resources they own, for counting and shutdown. */
export interface OwnedServices extends Services {
  keySet: KeySet;
  cosmosClient: CosmosClient;
  dispose(): void;
}

/** One Cosmos client and one key set for everything built from `config`. */
export function createServices(config: Config): OwnedServices {
  const keySet = new KeySet(config.auth.jwksUri);
  const cosmosClient = createCosmosClient(config.cosmos);
  return {
    config,
    containers: containersOf(cosmosClient, config.cosmos),
    verifier: createTokenVerifier(config.auth, keySet),
    now: () => new Date(),
    keySet,
    cosmosClient,
    dispose: () => cosmosClient.dispose(),
  };
}
