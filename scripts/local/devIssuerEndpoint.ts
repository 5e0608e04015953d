import type { IncomingMessage } from 'node:http';
import { ZodError } from 'zod';
import { isLoopbackHost } from '../../shared/config';
import { badRequest, callerRefused } from '../../shared/http/graphErrors';
import { DEV_ISSUER_PATH, MAX_TOKEN_REQUEST_BYTES, type DevIssuer } from '../devIssuer';
import { json, type LocalAnswer } from './answers';
import { readBody } from './requestBody';

/** Whether a (lower-cased) path is one of the development issuer's: the others skip it without an await. */
export const isDevIssuerPath = (path: string) => path.startsWith(`${DEV_ISSUER_PATH}/`);

/**
 * `GET /dev-issuer/keys` and `POST /dev-issuer/token`, for this machine only: the caller must be on
 * loopback, the Host header must name loopback and this server's port (a DNS-rebound name such as
 * attacker.example:7071 is refused), and a browser's Origin, when sent, must be a loopback origin.
 */
export async function serveDevIssuer(
  request: IncomingMessage,
  path: string,
  method: string,
  issuer: DevIssuer,
  port: number,
): Promise<LocalAnswer | undefined> {
  const keys = path === `${DEV_ISSUER_PATH}/keys` && method === 'GET';
  const token = path === `${DEV_ISSUER_PATH}/token` && method === 'POST';
  if (!keys && !token) return undefined;
  assertLocalCaller(request, port);
  if (keys) return json(200, JSON.stringify(issuer.jwks()));

  const text = new TextDecoder().decode(await readBody(request, MAX_TOKEN_REQUEST_BYTES));
  let options: unknown;
  try {
    options = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw badRequest('The body must be a JSON object of token options.');
  }
  try {
    return json(200, JSON.stringify({ access_token: await issuer.mint(options as object), token_type: 'Bearer' }));
  } catch (error) {
    if (error instanceof ZodError) {
      throw badRequest(
        error.issues
          .slice(0, 10)
          .map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`)
          .join('; '),
      );
    }
    throw badRequest('The body must be a JSON object of token options.');
  }
}

function assertLocalCaller(request: IncomingMessage, port: number): void {
  if (!isLoopbackHost((request.socket.remoteAddress ?? '').replace(/^::ffff:/, '')))
    throw callerRefused('Development tokens are issued to local callers only.');
  if (!isLoopbackAuthority(request.headers.host, port)) {
    throw callerRefused(
      `The development issuer answers only requests addressed to localhost, 127.0.0.1 or [::1] on port ${port} (Host header).`,
    );
  }
  const origin = request.headers.origin;
  if (origin !== undefined && !isLoopbackOrigin(origin))
    throw callerRefused('The development issuer answers only pages served from this machine (Origin header).');
}

/** `localhost:7071`, `127.0.0.1:7071`, `[::1]:7071`: loopback names with exactly this server's port. */
export function isLoopbackAuthority(host: string | undefined, port: number): boolean {
  const match = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::(\d{1,5}))?$/i.exec(host ?? '');
  if (!match) return false;
  return (match[2] === undefined ? 80 : Number(match[2])) === port;
}

/** An http(s) origin on a loopback name (any port: a local web app may ask for a token). */
export function isLoopbackOrigin(origin: string): boolean {
  if (!URL.canParse(origin)) return false;
  const url = new URL(origin);
  return (
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    url.origin === origin.toLowerCase().replace(/\/$/, '') &&
    isLoopbackHost(url.hostname)
  );
}
