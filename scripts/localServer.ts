import type { Server as HttpsServer } from 'node:https';
import { AppStartContext } from '@azure/functions';
import { ConfigError, getConfig, isLoopbackHost } from '../shared/config';
import { ensureStorage } from '../shared/storage/bootstrap';
import { createCosmosClient } from '../shared/storage/cosmos';
import { createDevIssuer, DEFAULT_DEV_AUDIENCE, type DevIssuer } from './devIssuer';
import { bannerFor } from './local/banner';
import { devDirectoryFor } from './local/devDirectory';
import { devIssuerKeyFile, persistentDevIssuerKey } from './local/devIssuerKey';
import { assertCosmosAnswers, startEmbeddedCosmos } from './local/cosmos';
import { applyEnv, applyLocalSettings, isSet, LOCAL_SETTINGS_FILE, type LocalSettings } from './local/env';
import { loadFunctions } from './local/functionHost';
import { closeServer, createLocalHttpServer, listen, type ConnectionLimits } from './local/httpServer';
import { routeListener } from './local/router';
import { firstLine, portFrom, StartupError } from './local/startupError';

/**
 * `npm start`: the service on plain node:http with nothing else installed. The app's entry is loaded
 * as it is and its own `app.http(...)` registrations are recorded, so the routes, methods and
 * handlers served here are the ones the Functions host serves (with host.json's route prefix).
 * Without COSMOS_ENDPOINT an embedded Cosmos-compatible server is started; without AUTH_* a
 * development issuer signs tokens. Setting the service's variables switches to the real services.
 *
 * The parts live in scripts/local/: host emulation (functionHost, router, requestBody, answers,
 * httpServer), storage (cosmos), environment (env), the dev issuer's endpoints (devIssuerEndpoint),
 * its key file (devIssuerKey) and sample callers (devTokenPresets), the API page (apiReference),
 * CORS (cors), the 401 for tokens of an earlier issuer (staleToken), the banner (banner,
 * bannerRoutes), and one-line start-up errors (startupError).
 */

const AUTH_VARIABLES = ['AUTH_TENANT_ID', 'AUTH_ISSUER', 'AUTH_JWKS_URI'] as const;
/**
 * `LOCAL_DEV_ISSUER=1` lets the development issuer run over configured storage (COSMOS_ENDPOINT):
 * for a disposable emulator on loopback only, with a warning in the banner.
 */
export const DEV_ISSUER_OPT_IN = 'LOCAL_DEV_ISSUER';
/** The variables that pick real services; with all of them unset the server needs nothing installed. */
export const LOCAL_SERVICE_VARIABLES = [
  'COSMOS_ENDPOINT',
  'COSMOS_KEY',
  ...AUTH_VARIABLES,
  'AUTH_AUDIENCE',
  'DIRECTORY_ENDPOINT',
  DEV_ISSUER_OPT_IN,
] as const;
export { StartupError } from './local/startupError';
export { DEFAULT_CONNECTION_LIMITS, DEFAULT_REQUEST_TIMEOUT_MS } from './local/httpServer';

export interface LocalServerOptions {
  /** Default: PORT, else 7071. 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. The development issuer runs on loopback only. */
  host?: string;
  /** Environment variables to set (undefined removes one) before the service reads its configuration. */
  env?: Record<string, string | undefined>;
  /** Print nothing (neither the banner nor request lines). */
  quiet?: boolean;
  /** Where the banner and request lines go (default console.log). */
  log?: (line: string) => void;
  /** Connection limits (defaults: DEFAULT_CONNECTION_LIMITS; docs/behaviour.md lists them). */
  limits?: Partial<ConnectionLimits>;
  /** Headers and body must arrive within this many milliseconds (the same as `limits.requestTimeoutMs`). */
  requestTimeoutMs?: number;
  /**
   * Where the development issuer keeps its signing key between runs (`npm start`: the user's cache
   * folder, see local/devIssuerKey.ts). Default: a new key in memory only.
   */
  devIssuerKeyFile?: string;
  /** The local.settings.json that filled in variables, so start-up errors can name it. */
  localSettings?: LocalSettings;
}

export interface LocalServer {
  /** e.g. http://127.0.0.1:7071 */
  url: string;
  /** The Graph-style base URL of the beta version, e.g. http://127.0.0.1:7071/beta (`${url}/v1.0` for v1.0) */
  baseUrl: string;
  /** The function names served, from their registrations. */
  functions: string[];
  /** Present when the development issuer is active. */
  devIssuer?: DevIssuer;
  /** The start banner (printed unless quiet). Carries tokens only when the development issuer is active. */
  banner: string;
  close(): Promise<void>;
  /** `await using server = await startLocalServer(...)` closes it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startLocalServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  const print = options.quiet ? () => undefined : (options.log ?? ((line: string) => console.log(line)));
  const restoreEnv = applyEnv(options.env ?? {});
  const host = options.host ?? '127.0.0.1';
  const cleanups: Array<() => Promise<void> | void> = [restoreEnv];
  const cleanup = async () => {
    for (const step of cleanups.splice(0).reverse()) await step();
  };
  try {
    const port = options.port ?? portFrom(process.env.PORT);
    const useDevIssuer = AUTH_VARIABLES.every((name) => !isSet(name));
    if (useDevIssuer && !isLoopbackHost(host)) {
      throw new ConfigError(
        `The development issuer only runs on loopback; set AUTH_TENANT_ID or AUTH_ISSUER and AUTH_JWKS_URI to listen on ${host}.`,
      );
    }
    // The development tenant has SMS sign-in on, so every documented example works unconfigured.
    if (useDevIssuer && !isSet('SMS_SIGN_IN_ENABLED')) process.env.SMS_SIGN_IN_ENABLED = 'true';
    const cosmosSource = options.localSettings?.applied.includes('COSMOS_ENDPOINT')
      ? LOCAL_SETTINGS_FILE
      : 'environment';
    let embeddedCosmos: HttpsServer | undefined;
    if (isSet('COSMOS_ENDPOINT')) {
      if (URL.canParse(process.env.COSMOS_ENDPOINT!))
        await assertCosmosAnswers(process.env.COSMOS_ENDPOINT!, cosmosSource);
      if (useDevIssuer) assertDevIssuerMayUseStorage(cosmosSource);
    } else {
      embeddedCosmos = await startEmbeddedCosmos();
      cleanups.push(() => closeServer(embeddedCosmos!));
    }

    const { functions, appStartHooks, releaseProcessResources, provideServiceParts } = loadFunctions();
    let openApi: string | undefined;
    const routes = {
      functions,
      devIssuer: undefined as DevIssuer | undefined,
      // Built on first use, after the function files were recorded: it imports one of them.
      openApi: () => (openApi ??= loadOpenApiDocument()),
      port: 0,
      print,
    };
    let ready = false;
    const server = createLocalHttpServer(
      routeListener(routes, () => ready),
      {
        ...options.limits,
        ...(options.requestTimeoutMs !== undefined && { requestTimeoutMs: options.requestTimeoutMs }),
      },
      print,
    );
    const url = await listen(server, port, host);
    routes.port = Number(new URL(url).port);
    cleanups.push(() => closeServer(server), releaseProcessResources);

    if (useDevIssuer) {
      process.env.AUTH_AUDIENCE ||= DEFAULT_DEV_AUDIENCE;
      routes.devIssuer = createDevIssuer(
        url,
        process.env.AUTH_AUDIENCE.split(',')[0]!.trim(),
        options.devIssuerKeyFile ? persistentDevIssuerKey(options.devIssuerKeyFile) : undefined,
      );
      process.env.AUTH_ISSUER = routes.devIssuer.issuer;
      process.env.AUTH_JWKS_URI = routes.devIssuer.jwksUri;
    }
    const devIssuer = routes.devIssuer;
    const devDirectory = devDirectoryFor(devIssuer);
    if (devDirectory) provideServiceParts({ directory: devDirectory });
    // The service parses its configuration once: now, with the final environment (as at worker start).
    for (const hook of appStartHooks) await hook(new AppStartContext({ hookData: { print } }));
    const config = getConfig();
    if (
      config.cosmos.endpoint !== process.env.COSMOS_ENDPOINT ||
      (devIssuer && !config.auth.issuers.includes(devIssuer.issuer))
    ) {
      throw new Error(
        'The service configuration was read before the local server set its environment (one local server per process).',
      );
    }
    // Create-if-missing is for emulators only: in Azure the infrastructure owns the database.
    if (embeddedCosmos || (config.cosmos.key && isLoopbackHost(new URL(config.cosmos.endpoint).hostname))) {
      const client = createCosmosClient(config.cosmos);
      try {
        await ensureStorage(client, config.cosmos);
      } catch (error) {
        if (embeddedCosmos) throw error;
        throw new StartupError(
          `Cosmos at ${new URL(config.cosmos.endpoint).origin} (from ${cosmosSource}) answered but the database could not be set up: ${firstLine(error)}`,
        );
      } finally {
        client.dispose();
      }
    }
    ready = true;
    const baseUrl = `${url}/beta`;
    const banner = await bannerFor({
      url,
      baseUrl,
      functions,
      devIssuer,
      devDirectory,
      embeddedCosmos: embeddedCosmos !== undefined,
      devIssuerOptIn: DEV_ISSUER_OPT_IN,
    });
    print(banner);
    return {
      url,
      baseUrl,
      functions: functions.map((f) => f.name),
      devIssuer,
      banner,
      close: cleanup,
      [Symbol.asyncDispose]: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/**
 * The development issuer lets any local process, under any OS user, mint an Authentication
 * Administrator token: over configured storage it runs only when asked for by name, and only for an
 * emulator on loopback (key-authenticated), never for an account in Azure.
 */
function assertDevIssuerMayUseStorage(cosmosSource: string): void {
  const optIn = process.env[DEV_ISSUER_OPT_IN];
  const endpoint = process.env.COSMOS_ENDPOINT!;
  const emulator = isSet('COSMOS_KEY') && URL.canParse(endpoint) && isLoopbackHost(new URL(endpoint).hostname);
  if (optIn === '1' && emulator) return;
  const addAuth = `set AUTH_TENANT_ID and AUTH_AUDIENCE (or AUTH_ISSUER, AUTH_JWKS_URI and AUTH_AUDIENCE) so that tokens come from your issuer, or remove COSMOS_ENDPOINT (from ${cosmosSource}) for the embedded storage`;
  if (optIn !== undefined && optIn !== '' && optIn !== '1')
    throw new StartupError(`${DEV_ISSUER_OPT_IN} must be 1 or unset, got '${optIn.slice(0, 20)}'.`);
  throw new StartupError(
    optIn === '1'
      ? `${DEV_ISSUER_OPT_IN}=1 is only for an emulator on loopback with COSMOS_KEY, and COSMOS_ENDPOINT (from ${cosmosSource}) is not one: ${addAuth}.`
      : `COSMOS_ENDPOINT (from ${cosmosSource}) selects real storage, and the development issuer does not run over it: ${addAuth}. For a disposable emulator on loopback, ${DEV_ISSUER_OPT_IN}=1 runs the development issuer over it anyway.`,
  );
}

/** The OpenAPI document (required late: a static import would register a function before the recorder is in place). */
function loadOpenApiDocument(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded late and synchronously, see above
  const { buildOpenApiDocument } = require('../shared/openapi') as typeof import('../shared/openapi');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- as above
  const { operations } = require('../functions/operations') as typeof import('../functions/operations');
  return JSON.stringify(buildOpenApiDocument(operations));
}

/** The parent of this process at start; when it changes, the launcher (npm, its shell) is gone. */
const LAUNCHER_CHECK_MS = 1000;

async function main(): Promise<void> {
  // Signals are handled from the first moment, so a stop during start-up also frees the port.
  const running: { server?: LocalServer } = {};
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(1); // a second signal: stop now
    stopping = true;
    setTimeout(() => process.exit(1), 5000).unref();
    (running.server ? running.server.close() : Promise.resolve()).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, stop);
  // `npm start` runs this under a shell; `kill <npm pid>` ends npm and that shell but not this
  // process. Being re-parented means the launcher is gone: stop as if signalled.
  const launcher = process.ppid;
  setInterval(() => {
    if (process.ppid !== launcher) stop();
  }, LAUNCHER_CHECK_MS).unref();

  const localSettings = applyLocalSettings();
  if (localSettings) {
    console.log(`Loaded ${localSettings.path}`);
    const services = LOCAL_SERVICE_VARIABLES.filter((name) => localSettings.applied.includes(name) && isSet(name));
    if (services.includes('COSMOS_ENDPOINT'))
      console.log(
        `  ${LOCAL_SETTINGS_FILE} selects Cosmos at ${process.env.COSMOS_ENDPOINT} (remove COSMOS_ENDPOINT from it for the embedded server)`,
      );
    if (AUTH_VARIABLES.some((name) => services.includes(name)))
      console.log(
        `  ${LOCAL_SETTINGS_FILE} selects a token issuer (remove AUTH_TENANT_ID, AUTH_ISSUER and AUTH_JWKS_URI from it for the development issuer)`,
      );
  }
  const started = await startLocalServer({ localSettings, devIssuerKeyFile: devIssuerKeyFile() });
  if (stopping) await started.close();
  running.server = started;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof ConfigError || error instanceof StartupError ? error.message : error);
    process.exit(1);
  });
}
