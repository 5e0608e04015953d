import { importJWK, type CryptoKey, type JWK, type JWSHeaderParameters } from 'jose';
import { errors } from 'jose';

/** The key set could not be fetched and no key was ever loaded: the service cannot verify anything. */
export class KeySetUnavailableError extends Error {
  override name = 'KeySetUnavailableError';
}

export interface KeySetOptions {
  /** Minimum time between two fetches triggered by an unknown `kid` (Entra rotates keys rarely). */
  refreshCooldownMs?: number;
  /** Keys older than this are refreshed on the next request; the old ones stay if that fails. */
  maxAgeMs?: number;
  /** Time limit for one fetch of the key set. */
  fetchTimeoutMs?: number;
  /** The clock, in milliseconds since the epoch (tests inject one). */
  now?: () => number;
}

const MAX_JWKS_BYTES = 256 * 1024;
/**
 * Smallest RSA modulus accepted, in bytes (2048 bits, what Entra uses). WebCrypto imports a bogus
 * modulus (e.g. `n: "broken"`, 31 bits) without complaint; such a key used to replace the good ones and
 * make every verification throw a non-JOSE error (500). It is now skipped like any unusable key.
 */
const MIN_RSA_MODULUS_BYTES = 256;

/**
 * A cache of the issuer's RS256 signing keys.
 *
 * jose's createRemoteJWKSet forgets nothing but also keeps nothing when a refresh fails and has no
 * notion of "unavailable" versus "invalid token". This one:
 * - fetches once at first use; concurrent callers share one fetch;
 * - on an unknown `kid`, refreshes at most once per cool-down (a flood of made-up kids costs one fetch);
 * - on a signature that fails with a known `kid` (the issuer re-keyed that kid), refreshes within the
 *   same cool-down budget (`refreshAfterBadSignature`), so the verifier can retry once with the new key;
 * - counts successful loads (`generation`), so whatever was derived from the old keys can be dropped;
 * - keeps the last good keys when a refresh fails;
 * - reports "no keys at all" as KeySetUnavailableError (503), distinct from a bad token (401);
 * - only ever fetches its configured URL: `jku`, `x5u` and embedded `jwk` headers are never followed.
 */
export class KeySet {
  private keys = new Map<string, CryptoKey>();
  private loadedAt = 0;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<void> | undefined;
  private readonly refreshCooldownMs: number;
  private readonly maxAgeMs: number;
  private readonly fetchTimeoutMs: number;
  private readonly now: () => number;
  private loads = 0;
  /** How many times the key set was fetched (for tests and the benchmark). */
  fetchCount = 0;

  constructor(
    readonly url: URL,
    options: KeySetOptions = {},
  ) {
    this.refreshCooldownMs = options.refreshCooldownMs ?? 5 * 60_000;
    this.maxAgeMs = options.maxAgeMs ?? 12 * 60 * 60_000;
    this.fetchTimeoutMs = options.fetchTimeoutMs ?? 5_000;
    // Date.now is looked up on every call, not captured: tests install fake clocks after construction.
    this.now = options.now ?? (() => Date.now());
  }

  /**
   * Increments on every successful load (even one that publishes the same keys: each load imports new
   * key objects). Anything verified with keys of an older generation must be verified again.
   */
  get generation(): number {
    return this.loads;
  }

  /** The key currently held for `kid`, without fetching (the verifier compares it with the key it used). */
  currentKey(kid: string): CryptoKey | undefined {
    return this.keys.get(kid);
  }

  /**
   * A token naming a known `kid` failed its signature check: the issuer may have re-keyed that kid.
   * Refreshes once per cool-down (the budget unknown kids share, so forged signatures cannot cause
   * more fetches than made-up kids); resolves when the refresh, or the one already running, is done.
   */
  refreshAfterBadSignature(): Promise<void> {
    return this.refresh(this.now());
  }

  /** A jose `JWTVerifyGetKey`: resolves the verification key for a token's protected header. */
  getKey = async (header: JWSHeaderParameters): Promise<CryptoKey> => {
    if (header.alg !== 'RS256') throw new errors.JOSEAlgNotAllowed('only RS256 tokens are accepted');
    if (typeof header.kid !== 'string' || header.kid.length === 0 || header.kid.length > 256) {
      throw new errors.JWKSNoMatchingKey('the token names no usable key id');
    }
    const now = this.now();
    if (this.keys.size === 0) {
      await this.refresh(now);
      if (this.keys.size === 0) throw new KeySetUnavailableError('the signing key set is not available');
    } else if (now - this.loadedAt > this.maxAgeMs || (!this.keys.has(header.kid) && this.cooledDown(now))) {
      await this.refresh(now);
    }
    const key = this.keys.get(header.kid);
    if (!key) throw new errors.JWKSNoMatchingKey('no signing key matches the token');
    return key;
  };

  private cooledDown(now: number): boolean {
    return now - this.lastAttemptAt >= this.refreshCooldownMs;
  }

  /** One fetch at a time; a failed fetch leaves the keys as they were. */
  private refresh(now: number): Promise<void> {
    if (!this.inFlight) {
      if (this.keys.size > 0 && !this.cooledDown(now)) return Promise.resolve();
      this.lastAttemptAt = now;
      this.inFlight = this.load()
        .catch(() => {
          // Keep the last good keys; the caller decides between 401 (keys exist) and 503 (none).
        })
        .finally(() => {
          this.inFlight = undefined;
        });
    }
    return this.inFlight;
  }

  private async load(): Promise<void> {
    this.fetchCount += 1;
    const response = await fetch(this.url, {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(this.fetchTimeoutMs),
    });
    if (!response.ok) throw new Error(`key set answered ${response.status}`);
    const text = await response.text();
    if (text.length > MAX_JWKS_BYTES) throw new Error('key set too large');
    const body = JSON.parse(text) as { keys?: unknown };
    if (!Array.isArray(body.keys)) throw new Error('key set has no keys array');
    const loaded = new Map<string, CryptoKey>();
    for (const jwk of body.keys as JWK[]) {
      if (!isRs256SigningKey(jwk)) continue;
      loaded.set(jwk.kid!, (await importJWK({ kty: jwk.kty, n: jwk.n, e: jwk.e }, 'RS256')) as CryptoKey);
    }
    if (loaded.size === 0) throw new Error('key set has no RS256 signing keys');
    this.keys = loaded;
    this.loadedAt = this.now();
    this.loads += 1;
  }
}

function isRs256SigningKey(jwk: JWK): boolean {
  return (
    jwk !== null &&
    typeof jwk === 'object' &&
    jwk.kty === 'RSA' &&
    typeof jwk.kid === 'string' &&
    typeof jwk.n === 'string' &&
    Buffer.from(jwk.n, 'base64url').length >= MIN_RSA_MODULUS_BYTES &&
    typeof jwk.e === 'string' &&
    (jwk.use === undefined || jwk.use === 'sig') &&
    (jwk.alg === undefined || jwk.alg === 'RS256')
  );
}
