import { parseArgs } from 'node:util';
import { isLoopbackHost } from '../shared/config';
import { DEFAULT_DELEGATED_SCOPES, DEV_ISSUER_PATH, type TokenRequest } from './devIssuer';
import { readLocalSettingsValues } from './local/env';
import { portFrom, StartupError } from './local/startupError';

/**
 * `npm run token -- [options]`: asks the running local server's development issuer for a token and
 * prints only the token. The signing key lives in that server's memory, so this works only against a
 * local server that runs the development issuer (no AUTH_* configured), never against a real tenant.
 */

const USAGE = `Usage: npm run token -- [options]
  --oid <guid>          object id of the caller (default: random)
  --scp "A B"           delegated scopes, space separated
                        (default: "${DEFAULT_DELEGATED_SCOPES}")
  --roles "R1,R2"       app roles (an app-only token when given without --scp)
  --wids "id1,id2"      directory role template ids (default: Authentication Administrator)
  --idtyp app|user      token type
  --upn x@y             user principal name (also preferred_username)
  --name "..."          display name
  --lifetime <seconds>  60..86400 (default 3600)
  --server <url>        local server (default http://127.0.0.1:$PORT, with PORT from the
                        environment, else local.settings.json, else 7071, as npm start)`;

class TokenCliError extends Error {
  override name = 'TokenCliError';
  /** A mistake on the command line: the usage follows the message. */
  constructor(
    message: string,
    readonly usage = false,
  ) {
    super(message);
  }
}

/**
 * `TOKEN=$(npm run token)` captures npm's own header lines (`> graph-phones@0.1.0 token`), which npm
 * writes to stdout before this script runs, so the Authorization header built from it is broken.
 * Nothing here can take them back: when stdout is captured and npm was not silenced, say so on stderr.
 */
export function npmHeaderWarning(env: NodeJS.ProcessEnv, stdoutIsTerminal: boolean): string | undefined {
  if (stdoutIsTerminal || env.npm_lifecycle_event !== 'token' || env.npm_config_loglevel === 'silent') return undefined;
  return 'npm printed its own header lines on stdout before the token: capture it with `npm run -s token` (e.g. TOKEN=$(npm run -s token)).';
}

/** Parses the command line into the server URL and the token options. */
function parseTokenArgs(args: string[]): { server: URL; request: TokenRequest } | 'help' {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      oid: { type: 'string' },
      scp: { type: 'string' },
      roles: { type: 'string' },
      wids: { type: 'string' },
      idtyp: { type: 'string' },
      upn: { type: 'string' },
      name: { type: 'string' },
      lifetime: { type: 'string' },
      server: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const { server, help: _help, ...options } = values;
  const serverUrl = server ?? `http://127.0.0.1:${defaultPort()}`;
  if (!URL.canParse(serverUrl)) throw new TokenCliError(`--server must be a URL, got '${serverUrl}'.`, true);
  const request = Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as TokenRequest;
  return { server: new URL(serverUrl), request };
}

/** The port `npm start` listens on when started from this directory: PORT, else local.settings.json's, else 7071. */
function defaultPort(): number {
  const fromEnv = process.env.PORT;
  if (fromEnv !== undefined && fromEnv !== '') return portFrom(fromEnv);
  let settings: Record<string, string> | undefined;
  try {
    settings = readLocalSettingsValues();
  } catch (error) {
    throw new TokenCliError(error instanceof Error ? error.message : String(error));
  }
  return portFrom(settings?.PORT, 'PORT in local.settings.json');
}

/** Mints a token through the server's `/dev-issuer/token`; refuses anything but a loopback server. */
export async function requestToken(server: URL, request: TokenRequest): Promise<string> {
  // Development tokens are never sent to, or asked of, anything but this machine.
  if (!isLoopbackHost(server.hostname)) {
    throw new TokenCliError(
      `Refusing ${server.origin}: development tokens come only from a local server (localhost or 127.0.0.1).`,
    );
  }
  let response: Response;
  try {
    response = await fetch(new URL(`${DEV_ISSUER_PATH}/token`, server), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
  } catch {
    throw new TokenCliError(
      `No local server answers at ${server.origin}. Start it with: npm start (if it runs on another port, pass the URL its banner shows: --server http://127.0.0.1:<port>)`,
    );
  }
  const body = (await response.json().catch(() => ({}))) as { access_token?: string; error?: { message?: string } };
  if (response.status === 404) {
    throw new TokenCliError(
      `The server at ${server.origin} has no development issuer (it is configured with AUTH_TENANT_ID or AUTH_ISSUER/AUTH_JWKS_URI): get a token from that issuer instead.`,
    );
  }
  if (!response.ok || typeof body.access_token !== 'string') {
    throw new TokenCliError(`The development issuer refused: ${body.error?.message ?? `HTTP ${response.status}`}`);
  }
  return body.access_token;
}

async function main(): Promise<void> {
  const parsed = parseTokenArgs(process.argv.slice(2));
  if (parsed === 'help') {
    console.log(USAGE);
    return;
  }
  const warning = npmHeaderWarning(process.env, process.stdout.isTTY === true);
  if (warning) console.error(warning);
  process.stdout.write(`${await requestToken(parsed.server, parsed.request)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    const usageError =
      (error instanceof TokenCliError && error.usage) ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    const known = usageError || error instanceof TokenCliError || error instanceof StartupError;
    const message = known && error instanceof Error ? error.message : String(error);
    console.error(usageError ? `${message}\n\n${USAGE}` : message);
    process.exit(1);
  });
}
