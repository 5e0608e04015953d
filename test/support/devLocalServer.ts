import { LOCAL_SERVICE_VARIABLES, startLocalServer, type LocalServer } from '../../scripts/localServer';

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
