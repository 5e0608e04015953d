import type { Caller } from './caller';

export interface TokenCacheOptions {
  /** Most tokens held; the least recently used is evicted first. Default 1,000. */
  maxEntries?: number;
  /** Longest an entry lives, whatever the token's `exp`. Default 5 minutes. */
  maxLifetimeMs?: number;
  /** Tokens longer than this are verified every time and never held. Default 8 KiB. */
  maxTokenLength?: number;
}

const TOKEN_CACHE_DEFAULTS: Readonly<Required<TokenCacheOptions>> = Object.freeze({
  maxEntries: 1_000,
  maxLifetimeMs: 5 * 60_000,
  maxTokenLength: 8 * 1024,
});

/** How many of a token's last characters index its entry. */
const TAIL_LENGTH = 32;
const tailOf = (token: string) => (token.length > TAIL_LENGTH ? token.slice(token.length - TAIL_LENGTH) : token);

interface Entry {
  /** The whole token: the entry is served to this exact string and no other. */
  readonly token: string;
  readonly caller: Caller;
  /** Milliseconds since the epoch after which the entry is not served. */
  readonly expiresAt: number;
  /** The cache's write count when the entry last went to the young end of the order. */
  placedAt: number;
}

/**
 * Verified tokens and the Caller each maps to, as Envoy's `jwt_cache_config` and PostgREST's
 * `jwt-cache-max-lifetime` keep them.
 *
 * - An entry is served to the identical token string only: entries are found by the token's last
 *   `TAIL_LENGTH` characters (the end of its signature) and the whole string is then compared, so no
 *   two tokens can share an entry's Caller. Looking up by the tail hashes 32 characters instead of
 *   the whole ~1 KB token, which each request's fresh copy of it would otherwise cost (~2 µs); two
 *   tokens with the same tail take turns in one slot.
 * - An entry is served until the earliest of the token's `exp`, `maxLifetimeMs` after it was verified,
 *   and the next change of the key set (`generation`): a change empties the cache. Expiry is checked
 *   against the caller's clock on every hit.
 * - At most `maxEntries` entries; tokens over `maxTokenLength` are never held. Only successes are
 *   stored: the verifier never puts a failure here.
 * - Eviction is least-recently-used, kept as the Map's order (its first key goes first), with one
 *   shortcut: a hit moves its entry to the young end only when the entry was last placed there more
 *   than `maxEntries / 4` writes (insertions and moves) ago. Each write evicts at most one entry, so
 *   an entry placed fewer writes ago is still far from the old end: a token used at least once every
 *   `maxEntries / 2` writes is never evicted, and a hit on a busy token costs one Map lookup
 *   instead of three.
 * - Callers are frozen (see `callerFromClaims`), so the one object can be handed to every request.
 */
export class TokenCache {
  /** By each token's tail (`tailOf`); the Map's order is the eviction order. */
  private readonly entries = new Map<string, Entry>();
  private generation = -1;
  /** Insertions and moves so far (each can evict at most one entry). */
  private writes = 0;
  readonly maxEntries: number;
  readonly maxLifetimeMs: number;
  readonly maxTokenLength: number;

  constructor(options: TokenCacheOptions = {}) {
    this.maxEntries = positive(options.maxEntries, TOKEN_CACHE_DEFAULTS.maxEntries, 'maxEntries');
    this.maxLifetimeMs = positive(options.maxLifetimeMs, TOKEN_CACHE_DEFAULTS.maxLifetimeMs, 'maxLifetimeMs');
    this.maxTokenLength = positive(options.maxTokenLength, TOKEN_CACHE_DEFAULTS.maxTokenLength, 'maxTokenLength');
  }

  get size(): number {
    return this.entries.size;
  }

  /** The Caller of a token verified with keys of `generation`, if it is still good at `now`. */
  get(token: string, now: number, generation: number): Caller | undefined {
    if (generation !== this.generation) {
      this.clearFor(generation);
      return undefined;
    }
    const tail = tailOf(token);
    const entry = this.entries.get(tail);
    if (entry === undefined || entry.token !== token) return undefined;
    if (now >= entry.expiresAt) {
      this.entries.delete(tail);
      return undefined;
    }
    if (this.writes - entry.placedAt > this.maxEntries / 4) {
      // Re-inserting moves it to the young end (the Map's first key is the next to go).
      this.entries.delete(tail);
      entry.placedAt = ++this.writes;
      this.entries.set(tail, entry);
    }
    return entry.caller;
  }

  /**
   * Holds a token that was just verified with keys of `generation` (the generation of the very key
   * the signature was checked with). `expSeconds` is the token's `exp` claim.
   */
  set(token: string, caller: Caller, expSeconds: number, now: number, generation: number): void {
    if (token.length > this.maxTokenLength) return;
    if (generation !== this.generation) {
      // Verified with keys that are no longer current (or the first entry of a new generation).
      if (generation < this.generation) return;
      this.clearFor(generation);
    }
    const expiresAt = Math.min(expSeconds * 1000, now + this.maxLifetimeMs);
    if (!(expiresAt > now)) return;
    const tail = tailOf(token);
    this.entries.delete(tail);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(tail, { token, caller, expiresAt, placedAt: ++this.writes });
  }

  private clearFor(generation: number): void {
    this.entries.clear();
    this.generation = generation;
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 1) throw new RangeError(`token cache ${name} must be a positive number`);
  return Math.floor(value);
}
