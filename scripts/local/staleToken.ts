import type { IncomingMessage } from 'node:http';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { invalidToken } from '../../shared/http/graphErrors';
import { DEV_ISSUER_PATH, type DevIssuer } from '../devIssuer';

/**
 * For a request the service refused with 401: when its bearer token is from a development issuer (its
 * `iss` is a `/dev-issuer` URL) and signed with a key this server's issuer never had, an error that
 * names the likely cause in place of "Invalid signature". Any other token, and anything that does not
 * decode, keeps the service's answer.
 */
export function staleDevTokenError(request: IncomingMessage, issuer: DevIssuer) {
  const match = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/.exec(request.headers.authorization ?? '');
  if (!match) return undefined;
  let kid: unknown;
  let iss: unknown;
  try {
    kid = decodeProtectedHeader(match[1]!).kid;
    iss = decodeJwt(match[1]!).iss;
  } catch {
    return undefined;
  }
  if (typeof iss !== 'string' || !URL.canParse(iss) || new URL(iss).pathname !== DEV_ISSUER_PATH) return undefined;
  const known = issuer.jwks().keys.some((key) => (key as { kid?: string }).kid === kid);
  if (known) return undefined;
  return invalidToken(
    'Access token validation failure. The token was signed by a development issuer key this server does not have (minted by an earlier `npm start`? get a new one with npm run token).',
    true,
  );
}
