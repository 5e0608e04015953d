import type { Directory, DirectoryUser } from './directory';
import { LruMap } from './lruMap';

export interface DirectoryCacheOptions {
  /** Seconds a found user is remembered (DIRECTORY_CACHE_SECONDS). Default 300. */
  foundSeconds?: number;
  /** Seconds an unknown name is remembered; never more than 30. Default 30. */
  missingSeconds?: number;
  /** Most found users held; the least recently used goes first. Default 10,000. */
  maxFound?: number;
  /** Most unknown names held, apart from found users, so a flood of them cannot push users out. Default 1,000. */
  maxMissing?: number;
  /** Milliseconds since the epoch (tests pass their own and never sleep). */
  clock?: () => number;
}

export const DIRECTORY_CACHE_DEFAULTS = Object.freeze({
  foundSeconds: 300,
  missingSeconds: 30,
  maxFound: 10_000,
  maxMissing: 1_000,
});

/** The longest an unknown name is remembered: a user created a moment ago is found soon after. */
export const MAX_MISSING_SECONDS = 30;

interface Entry {
  /** The lower-case object id, or null: the directory says there is no such user. */
  readonly objectId: string | null;
  readonly expiresAt: number;
}

/**
 * The directory's answers, remembered in the process.
 *
 * - Keys are case-insensitive (object ids and user principal names both are in Entra ID).
 * - A found user is served for `foundSeconds`, an unknown name for at most 30 s. After expiry the
 *   directory is asked again, so a renamed user principal name resolves to its new owner then.
 * - Found users and unknown names are bounded separately, each least-recently-used first: a flood of
 *   distinct unknown names costs directory calls (one each) but neither memory beyond `maxMissing`
 *   entries nor the found users' places.
 * - Concurrent lookups of one key share one directory call. Failures are not remembered.
 * - A remembered answer is returned as it is, without a Promise: the pipeline awaits only a miss.
 */
export class DirectoryCache {
  private readonly found: LruMap<Entry>;
  private readonly missing: LruMap<Entry>;
  private readonly pending = new Map<string, Promise<string | null>>();
  private readonly foundMs: number;
  private readonly missingMs: number;
  private readonly clock: () => number;

  constructor(
    private readonly directory: Directory,
    options: DirectoryCacheOptions = {},
  ) {
    const foundSeconds = options.foundSeconds ?? DIRECTORY_CACHE_DEFAULTS.foundSeconds;
    this.foundMs = foundSeconds * 1000;
    this.missingMs =
      Math.min(options.missingSeconds ?? DIRECTORY_CACHE_DEFAULTS.missingSeconds, foundSeconds, MAX_MISSING_SECONDS) *
      1000;
    this.found = new LruMap(Math.max(1, options.maxFound ?? DIRECTORY_CACHE_DEFAULTS.maxFound));
    this.missing = new LruMap(Math.max(1, options.maxMissing ?? DIRECTORY_CACHE_DEFAULTS.maxMissing));
    this.clock = options.clock ?? Date.now;
  }

  /** How many answers are held (found users and unknown names). */
  get size(): number {
    return this.found.size + this.missing.size;
  }

  /**
   * The lower-case object id of the user `key` names, or null when the directory has no such user.
   * Rejects with the directory's `DirectoryUnavailable` when it cannot answer.
   */
  objectIdOf(key: string): string | null | Promise<string | null> {
    const cacheKey = key.toLowerCase();
    const now = this.clock();
    // A hit makes the user the most recently used (the least recently used goes first).
    const user = this.found.get(cacheKey);
    if (user !== undefined) {
      if (now < user.expiresAt) return user.objectId;
      this.found.delete(cacheKey);
    }
    const unknown = this.missing.peek(cacheKey);
    if (unknown !== undefined) {
      if (now < unknown.expiresAt) return null;
      this.missing.delete(cacheKey);
    }
    return this.pending.get(cacheKey) ?? this.ask(key, cacheKey);
  }

  /**
   * Starts the lookups of the keys not remembered and not already asked for, in as few calls as the
   * directory allows (one JSON batch for up to 20 keys with Microsoft Graph): `objectIdOf` of any of
   * them, until it is answered, joins that call. Nothing is awaited here and no failure escapes: a key
   * whose lookup failed is not remembered, and `objectIdOf` reports its failure as for its own call.
   */
  prefetch(keys: Iterable<string>): void {
    const asked = new Map<string, string>();
    for (const key of keys) {
      const cacheKey = key.toLowerCase();
      if (asked.has(cacheKey) || this.pending.has(cacheKey) || this.holds(cacheKey)) continue;
      asked.set(cacheKey, key);
    }
    if (asked.size === 0) return;
    const findUsers = this.directory.findUsers?.bind(this.directory);
    if (asked.size === 1 || findUsers === undefined) {
      for (const [cacheKey, key] of asked) this.ask(key, cacheKey).catch(() => undefined);
      return;
    }
    const answers = findUsers([...asked.values()]);
    [...asked.keys()].forEach((cacheKey, index) => {
      const outcome = answers.then((outcomes) => {
        const answer = outcomes[index];
        if (answer instanceof Error) throw answer;
        return answer;
      });
      this.track(cacheKey, outcome).catch(() => undefined);
    });
  }

  /** Whether an answer for `cacheKey` is remembered and has not expired (without making it recently used). */
  private holds(cacheKey: string): boolean {
    const now = this.clock();
    const entry = this.found.peek(cacheKey) ?? this.missing.peek(cacheKey);
    return entry !== undefined && now < entry.expiresAt;
  }

  private ask(key: string, cacheKey: string): Promise<string | null> {
    return this.track(cacheKey, this.directory.findUser(key));
  }

  /** `lookup` as the pending answer for `cacheKey`, remembered once it comes. */
  private track(cacheKey: string, lookup: Promise<DirectoryUser | undefined>): Promise<string | null> {
    const answer = lookup.then(
      (user) => {
        this.pending.delete(cacheKey);
        const objectId = user === undefined ? null : user.id.toLowerCase();
        this.remember(cacheKey, objectId);
        return objectId;
      },
      (error: unknown) => {
        this.pending.delete(cacheKey);
        throw error;
      },
    );
    this.pending.set(cacheKey, answer);
    return answer;
  }

  private remember(cacheKey: string, objectId: string | null): void {
    const [entries, lifetime] = objectId === null ? [this.missing, this.missingMs] : [this.found, this.foundMs];
    (objectId === null ? this.found : this.missing).delete(cacheKey);
    entries.set(cacheKey, { objectId, expiresAt: this.clock() + lifetime });
  }
}
