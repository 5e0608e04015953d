import { documentLimitReached } from '../http/graphErrors';

/**
 * The bound on what one user's document may weigh. Every write replaces the whole document, so its
 * size is what each write of that user costs (bytes to Cosmos DB, request units, the time others wait
 * behind it). Checked on the next document, before the conditional write: a refused change writes
 * nothing.
 */

/** UTF-8 bytes of a value as the Cosmos SDK sends it (JSON.stringify). */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/**
 * Throws when the next items would pass `limitBytes` and take more bytes than the stored ones: a
 * change that adds nothing (a delete, a shorter value) always goes through, so a document that is over
 * the limit already (a lowered quota, migrated data) can always be brought back under it. The stored
 * items are measured only on that rare path. The document's own bookkeeping (its ids and recent write
 * ids) is bounded where it is kept, not here.
 */
export function checkItemsSize(
  items: { next: readonly unknown[]; stored: readonly unknown[] },
  limitBytes: number,
): void {
  if (jsonBytes(items.next) <= limitBytes) return;
  if (jsonBytes(items.next) > jsonBytes(items.stored)) throw documentLimitReached(limitBytes);
}
