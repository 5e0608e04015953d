import {
  errors,
  jwtVerify,
  type CryptoKey,
  type JWSHeaderParameters,
  type JWTPayload,
  type JWTVerifyOptions,
} from 'jose';
import type { HttpRequest } from '@azure/functions';
import type { Config } from '../config';
import { invalidToken, serviceNotAvailable } from '../http/graphErrors';
import { callerFromClaims, type Caller } from './caller';
import { KeySet, KeySetUnavailableError } from './keySet';
import { tenantAccepted } from './tenants';
import { TokenCache, type TokenCacheOptions } from './tokenCache';

/** Entra tokens run to a few KiB; anything far larger is rejected before it is decoded. */
const MAX_TOKEN_LENGTH = 16 * 1024;
/** The most clock skew tolerated on `exp` and `nbf`, in seconds. */
export const CLOCK_TOLERANCE_SECONDS = 300;

export interface TokenVerifier {
  /**
   * The request's caller. A token found in the cache is answered at once, not in a Promise, so a
   * request does not wait a turn of the microtask queue for it; a miss, and every failure, is a Promise.
   */
  authenticate(request: HttpRequest): Caller | Promise<Caller>;
}

export interface TokenVerifierOptions {
  /** The cache of verified tokens (see TokenCache); on by default, `false` turns it off. */
  cache?: TokenCacheOptions | false;
  /** The clock, in milliseconds since the epoch, for token lifetimes and cache expiry (tests inject one). */
  now?: () => number;
}

/** What a verifier has done, for tests and the benchmark. */
interface TokenVerifierStats {
  /** Signature checks run (calls of jose's `jwtVerify`, a retry after a key refresh included). */
  verifications: number;
  /** Requests answered from the cache of verified tokens. */
  cacheHits: number;
}

export interface CachingTokenVerifier extends TokenVerifier {
  readonly stats: Readonly<TokenVerifierStats>;
  /** `undefined` when the cache is turned off. */
  readonly cache: TokenCache | undefined;
}

/**
 * Checks the bearer token of a request: RS256 only, signed by a key of the configured key set,
 * issued by an accepted issuer for an accepted audience, from an accepted tenant (see tenants.ts), unexpired,
 * with a GUID object id (see `callerFromClaims` for the other claims).
 *
 * A token that passes is remembered (see TokenCache): the same token string presented again gets the
 * same frozen Caller without a signature check until its `exp`, five minutes, or the next change of the
 * key set, whichever comes first. Failures are never remembered.
 *
 * When a signature fails with a key the set knows, the issuer may have re-keyed that `kid`: the key set
 * is refreshed (at most once per cool-down) and, if it now holds another key for the kid, the token is
 * checked once more with it.
 */
export function createTokenVerifier(
  auth: Config['auth'],
  keySet: KeySet,
  options: TokenVerifierOptions = {},
): CachingTokenVerifier {
  const cache = options.cache === false ? undefined : new TokenCache(options.cache);
  const clock = options.now;
  const stats: TokenVerifierStats = { verifications: 0, cacheHits: 0 };
  const verifyOptions: JWTVerifyOptions = {
    algorithms: ['RS256'],
    issuer: auth.issuers,
    audience: auth.audiences,
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    requiredClaims: ['exp', 'iss', 'aud', 'oid'],
  };

  async function verify(token: string, now: number): Promise<Caller> {
    // The key jose checked the signature with, and its kid: a re-keyed kid gets one retry, and only a
    // token checked with a key that is still current is cached.
    let usedKid: string | undefined;
    let usedKey: CryptoKey | undefined;
    const getKey = async (header: JWSHeaderParameters): Promise<CryptoKey> => {
      usedKid = undefined;
      usedKey = undefined;
      const key = await keySet.getKey(header);
      usedKid = header.kid;
      usedKey = key;
      return key;
    };
    const joseOptions = clock === undefined ? verifyOptions : { ...verifyOptions, currentDate: new Date(now) };

    let payload: JWTPayload;
    stats.verifications += 1;
    try {
      ({ payload } = await jwtVerify(token, getKey, joseOptions));
    } catch (error) {
      if (!(error instanceof errors.JWSSignatureVerificationFailed) || usedKid === undefined) throw error;
      const failedKey = usedKey;
      await keySet.refreshAfterBadSignature();
      const freshKey = keySet.currentKey(usedKid);
      if (freshKey === undefined || freshKey === failedKey) throw error;
      stats.verifications += 1;
      ({ payload } = await jwtVerify(token, getKey, joseOptions));
    }

    const caller = callerFromClaims(payload);
    if (!tenantAccepted(auth, payload.iss!, caller.tenantId)) {
      throw invalidToken('Access token validation failure. Invalid tenant.', true);
    }
    if (
      cache !== undefined &&
      usedKid !== undefined &&
      usedKey !== undefined &&
      keySet.currentKey(usedKid) === usedKey
    ) {
      cache.set(token, caller, payload.exp!, now, keySet.generation);
    }
    return caller;
  }

  return {
    stats,
    cache,
    authenticate(request) {
      const header = authorizationHeader(request);
      const now = clock === undefined ? Date.now() : clock();
      if (cache !== undefined) {
        // Only a token that passed bearerToken's checks is ever cached, so the same string found
        // here passes them again: they run on a miss only, not over ~1 KB on every request.
        const cached = hasBearerPrefix(header)
          ? cache.get(header.slice(BEARER_PREFIX_LENGTH), now, keySet.generation)
          : undefined;
        if (cached !== undefined) {
          stats.cacheHits += 1;
          return cached;
        }
      }
      return verifyHeader(header, now);
    },
  };

  async function verifyHeader(header: string, now: number): Promise<Caller> {
    const token = bearerToken(header);
    try {
      return await verify(token, now);
    } catch (error) {
      throw toAuthenticationError(error);
    }
  }
}

/** A bearer token: three base64url segments (the signature may be empty, for jose to refuse). */
const BEARER = /^Bearer [A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/i;
const BEARER_PREFIX_LENGTH = 'Bearer '.length;

/** The Authorization header, trimmed ('' when there is none); a token anywhere else (query string, body) is never read. */
function authorizationHeader(request: HttpRequest): string {
  const raw = request.headers.get('authorization');
  return raw === null ? '' : raw.trim();
}

/** The scheme BEARER accepts (any case), followed by its one space. */
const hasBearerPrefix = (header: string) =>
  header.length > BEARER_PREFIX_LENGTH && header.slice(0, BEARER_PREFIX_LENGTH).toLowerCase() === 'bearer ';

/** The token of exactly one `Authorization: Bearer <JWS>` header. */
function bearerToken(header: string): string {
  if (header === '') throw invalidToken('Access token is empty.', false);
  // The Headers class joins repeated headers with ", ": two Authorization headers are refused.
  if (header.length > MAX_TOKEN_LENGTH + BEARER_PREFIX_LENGTH) throw invalidToken('Access token is too large.', true);
  if (!BEARER.test(header)) {
    throw invalidToken('Access token is missing or malformed; expected one Authorization: Bearer token.', true);
  }
  return header.slice(BEARER_PREFIX_LENGTH);
}

function toAuthenticationError(error: unknown): Error {
  if (error instanceof KeySetUnavailableError) {
    return serviceNotAvailable('The token signing keys cannot be retrieved right now.', 30, error);
  }
  if (error instanceof errors.JWTExpired) return invalidToken('Access token has expired or is not yet valid.', true);
  if (error instanceof errors.JWTClaimValidationFailed) {
    const claim = error.claim;
    if (claim === 'nbf') return invalidToken('Access token has expired or is not yet valid.', true);
    if (claim === 'aud') return invalidToken('Access token validation failure. Invalid audience.', true);
    if (claim === 'iss') return invalidToken('Access token validation failure. Invalid issuer.', true);
    return invalidToken(`Access token validation failure. Missing or invalid claim '${claim}'.`, true);
  }
  if (error instanceof errors.JOSEError)
    return invalidToken('Access token validation failure. Invalid signature or format.', true);
  return error instanceof Error ? error : new Error(String(error));
}
