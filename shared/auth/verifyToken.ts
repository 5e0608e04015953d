import { errors, jwtVerify } from 'jose';
import type { HttpRequest } from '@azure/functions';
import { getConfig, type Config } from '../config';
import { invalidToken, serviceNotAvailable } from '../http/graphErrors';
import { callerFromClaims, type Caller } from './caller';
import { KeySet, KeySetUnavailableError } from './keySet';

/** Entra tokens run to a few KiB; anything far larger is rejected before it is decoded. */
export const MAX_TOKEN_LENGTH = 16 * 1024;
/** The most clock skew tolerated on `exp` and `nbf`, in seconds. */
export const CLOCK_TOLERANCE_SECONDS = 300;

export interface TokenVerifier {
  authenticate(request: HttpRequest): Promise<Caller>;
}

/**
 * Checks the bearer token of a request: RS256 only, signed by a key of the configured key set,
 * issued by an accepted issuer for an accepted audience and (when configured) the tenant, unexpired.
 */
export function createTokenVerifier(auth: Config['auth'], keySet: KeySet): TokenVerifier {
  return {
    async authenticate(request) {
      const token = bearerToken(request);
      try {
        const { payload } = await jwtVerify(token, keySet.getKey, {
          algorithms: ['RS256'],
          issuer: auth.issuers,
          audience: auth.audiences,
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          requiredClaims: ['exp', 'iss', 'aud', 'oid'],
        });
        if (typeof payload.oid !== 'string' || payload.oid.length === 0) {
          throw invalidToken('Access token validation failure. The token has no object id.', true);
        }
        if (auth.tenantId && String(payload.tid).toLowerCase() !== auth.tenantId) {
          throw invalidToken('Access token validation failure. Invalid tenant.', true);
        }
        return callerFromClaims(payload);
      } catch (error) {
        throw toAuthenticationError(error);
      }
    },
  };
}

/** Exactly one `Authorization: Bearer <JWS>`; a token anywhere else (query string, body) is never read. */
function bearerToken(request: HttpRequest): string {
  const header = request.headers.get('authorization');
  if (header === null || header.trim() === '') throw invalidToken('Access token is empty.', false);
  // The Headers class joins repeated headers with ", ": two Authorization headers are refused.
  if (header.length > MAX_TOKEN_LENGTH + 'Bearer '.length) throw invalidToken('Access token is too large.', true);
  const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/i.exec(header.trim());
  if (!match) throw invalidToken('Access token is missing or malformed; expected one Authorization: Bearer token.', true);
  return match[1]!;
}

function toAuthenticationError(error: unknown): Error {
  if (error instanceof KeySetUnavailableError) {
    return serviceNotAvailable('The token signing keys cannot be retrieved right now.', 30);
  }
  if (error instanceof errors.JWTExpired) return invalidToken('Access token has expired or is not yet valid.', true);
  if (error instanceof errors.JWTClaimValidationFailed) {
    const claim = error.claim;
    if (claim === 'nbf') return invalidToken('Access token has expired or is not yet valid.', true);
    if (claim === 'aud') return invalidToken('Access token validation failure. Invalid audience.', true);
    if (claim === 'iss') return invalidToken('Access token validation failure. Invalid issuer.', true);
    return invalidToken(`Access token validation failure. Missing or invalid claim '${claim}'.`, true);
  }
  if (error instanceof errors.JOSEError) return invalidToken('Access token validation failure. Invalid signature or format.', true);
  return error instanceof Error ? error : new Error(String(error));
}

let processVerifier: TokenVerifier | undefined;
let processKeySet: KeySet | undefined;

/** The per-process key set (created once, shared by every function of the app). */
export function getKeySet(): KeySet {
  processKeySet ??= new KeySet(getConfig().auth.jwksUri);
  return processKeySet;
}

/** The per-process token verifier built from the configuration. */
export function getTokenVerifier(): TokenVerifier {
  processVerifier ??= createTokenVerifier(getConfig().auth, getKeySet());
  return processVerifier;
}
