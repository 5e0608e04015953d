import type { CosmosClient } from '@azure/cosmos';
import { KeySet } from './auth/keySet';
import { createTokenVerifier, type TokenVerifier } from './auth/verifyToken';
import type { Config } from './config';
import { containersOf, createCosmosClient, type Containers } from './storage/cosmos';
import type { StorageTiming } from './storage/timing';
import type { Directory } from './users/directory';
import { DirectoryCache } from './users/directoryCache';
import { directoryCredential } from './users/directoryToken';
import { GraphDirectory } from './users/graphDirectory';

/** What an operation may use. Built once per process by the entry, once per test by the tests. */
export interface Services {
  config: Config;
  containers: Containers;
  verifier: TokenVerifier;
  /** Resolves `{userId}` to an object id; undefined when DIRECTORY_ENDPOINT is `none`. */
  directory: DirectoryCache | undefined;
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

export interface ServiceParts {
  /** A directory in place of Microsoft Graph at DIRECTORY_ENDPOINT (`npm start`'s development directory). */
  directory?: Directory;
}

/**
 * One Cosmos client, one key set and one directory (one credential, one keep-alive agent, one
 * cache) for everything built from `config`.
 */
export function createServices(config: Config, parts: ServiceParts = {}): OwnedServices {
  const keySet = new KeySet(config.auth.jwksUri);
  const cosmosClient = createCosmosClient(config.cosmos);
  const source = parts.directory ?? graphDirectoryOf(config);
  return {
    config,
    containers: containersOf(cosmosClient, config.cosmos),
    verifier: createTokenVerifier(config.auth, keySet),
    directory: source && new DirectoryCache(source, { foundSeconds: config.directory?.cacheSeconds }),
    now: () => new Date(),
    keySet,
    cosmosClient,
    dispose: () => {
      cosmosClient.dispose();
      source?.dispose?.();
    },
  };
}

function graphDirectoryOf(config: Config): Directory | undefined {
  if (config.directory === undefined) return undefined;
  return new GraphDirectory({
    endpoint: config.directory.endpoint,
    credential: directoryCredential(config.directory.managedIdentityClientId),
  });
}

/** One line for the start-up log: which directory resolves `{userId}`. */
export function directoryMode(config: Config, parts: ServiceParts = {}): string {
  if (parts.directory) return 'development directory (in memory)';
  if (config.directory === undefined) {
    return "off (DIRECTORY_ENDPOINT=none): object ids and the caller's own UPN only, no existence check";
  }
  return `Microsoft Graph at ${config.directory.endpoint} (found users cached ${config.directory.cacheSeconds} s)`;
}
