import type { DirectoryCache } from '../../shared/users/directoryCache';
import type { DirectoryCall } from '../../test/support/standInDirectory';

/**
 * Which of the benchmark's directory calls the cache should have saved.
 *
 * The cache promises one call per user per cache lifetime for a user among the `maxFound` it used
 * most recently (least recently used goes first). The throughput section resolves far more users than
 * that within one lifetime (every request of a consuming fixture has a user of its own: about 23,000
 * in a shortened run, 67,000 in a default one), so a pool of users used again after them has been
 * evicted and is rightly asked for again. The benchmark's users are resolved here, one at a time
 * before the load that uses them, and each call for a user asked for before is put down to:
 *
 * - the bound, only when at least `maxFound` distinct other users were called after the user's last
 *   use: they are all younger than it, so a least-recently-used cache of that size must have dropped
 *   it (sound, not complete: hits on older users can push it out sooner, and that repeat is counted
 *   as unexplained);
 * - expiry, when its previous call is at least a cache lifetime old;
 * - nothing, otherwise: a call the cache should have saved (the benchmark's target holds this at 0).
 */
export class DirectoryAudit {
  /** Repeated calls for users the bound must have evicted. */
  afterBound = 0;
  /** Repeated calls for users whose entry had expired. */
  afterExpiry = 0;
  /** Per user (lower case): the index in `calls` at its last use, and when its last call was made. */
  private readonly users = new Map<string, { lastUse: number; calledAt: number }>();
  /** Distinct users called from an index on, per index asked for (the same few marks recur). */
  private readonly newerFrom = new Map<number, number>();

  constructor(
    private readonly calls: readonly DirectoryCall[],
    private readonly maxFound: number,
    private readonly lifetimeMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Puts each user in the cache, one at a time, and accounts for every call that makes. */
  async resolve(cache: DirectoryCache, userIds: readonly string[]): Promise<void> {
    for (const userId of userIds) {
      const key = userId.toLowerCase();
      const before = this.calls.length;
      await cache.objectIdOf(userId);
      if (this.calls.length === before) continue;
      const now = this.clock();
      const seen = this.users.get(key);
      if (seen !== undefined) {
        if (this.newerThan(seen.lastUse, before) >= this.maxFound) this.afterBound += 1;
        else if (now - seen.calledAt >= this.lifetimeMs) this.afterExpiry += 1;
      }
      this.users.set(key, { lastUse: this.calls.length, calledAt: now });
    }
  }

  /** Marks the users' last use as now (after the load that used them has ended). */
  used(userIds: readonly string[]): void {
    const mark = this.calls.length;
    for (const userId of userIds) {
      const seen = this.users.get(userId.toLowerCase());
      if (seen !== undefined) seen.lastUse = mark;
    }
  }

  /** Distinct users called in `calls[from, to)`. */
  private newerThan(from: number, to: number): number {
    const known = this.newerFrom.get(from);
    if (known !== undefined && known >= this.maxFound) return known;
    const count = new Set(this.calls.slice(from, to).map((call) => call.key.toLowerCase())).size;
    this.newerFrom.set(from, count);
    return count;
  }
}
