/**
 * The time bounds the write path's arguments rest on (shared/storage/smsSignInNumbers.ts and
 * conditionalWrite.ts). The service uses the defaults; tests inject shorter ones through `Services`,
 * so a fault that costs a deadline or a lease costs milliseconds there.
 */
export interface StorageTiming {
  /** D: the longest one storage operation (retries included) is waited for. */
  operationDeadlineMs: number;
  /** How long a claim of a phone number lets its request write the number `ready`. */
  leaseMs: number;
  /** The most two service instances' clocks may differ (an assumption; NTP keeps Azure hosts far closer). */
  clockSkewMs: number;
}

export const DEFAULT_STORAGE_TIMING: StorageTiming = {
  operationDeadlineMs: 8_000,
  leaseMs: 30_000,
  clockSkewMs: 1_000,
};

/**
 * How long a write id stays in its user's document: long enough that a read-back, which starts at
 * most `operationDeadlineMs` after its write was sent and gives up before this window less one deadline
 * and the skew, always finds a write that landed; and at least a lease plus the skew three times, so
 * an id no longer kept belongs to a lease that ended before anyone could ask about it.
 */
export function writeIdRetentionMs(timing: StorageTiming): number {
  return timing.leaseMs + timing.operationDeadlineMs + 3 * timing.clockSkewMs;
}

/**
 * The most write ids one user's document keeps. Ids are dropped only when older than the retention
 * window, never to make room: a write that would need more is refused (429) instead. Each entry is
 * about 50 bytes, so this adds at most about 100 KB to a document (far inside Cosmos DB's 2 MiB item
 * limit next to the largest profile-phone quota, 250 phones of at most 6 KiB), and it allows a user
 * about 48 writes a second sustained over the default 41-second window.
 */
export const MAX_RECENT_WRITES = 2_000;
