import {
  LOCAL_SERVICE_VARIABLES,
  startLocalServer,
  type LocalServer,
  type LocalServerOptions,
} from '../../scripts/localServer';

/**
 * The local server with its development issuer (every AUTH_* variable unset) over the test run's
 * Cosmos-compatible server, on a free port, quiet. That server is a disposable emulator on loopback,
 * so the development issuer may use it (LOCAL_DEV_ISSUER=1).
 */
export function startDevLocalServer(env: Record<string, string | undefined> = {}): Promise<LocalServer> {
  const authVariables = LOCAL_SERVICE_VARIABLES.filter((name) => !name.startsWith('COSMOS_'));
  return startLocalServer({
    port: 0,
    quiet: true,
    env: { ...Object.fromEntries(authVariables.map((name) => [name, undefined])), LOCAL_DEV_ISSUER: '1', ...env },
  });
}

/**
 * The local server as a fresh clone's `npm start` runs it: every service variable unset (its embedded
 * storage, its development issuer and directory), on a free port, quiet unless a log sink is given;
 * `options.env` sets variables on top of that.
 */
export function startUnconfiguredLocalServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  return startLocalServer({
    port: 0,
    quiet: options.log === undefined,
    ...options,
    env: { ...Object.fromEntries(LOCAL_SERVICE_VARIABLES.map((name) => [name, undefined])), ...options.env },
  });
}
