import type { Container } from '@azure/cosmos';
import { storageStatus, withinDeadline } from '../../shared/storage/cosmos';
import type { ContainerCounts, ContainerRun } from './report';

/** A document as stored: the resource's properties, the partition key, Cosmos's system properties. */
export type StoredDocument = Record<string, unknown> & { id: string; userId: string; _etag?: string };

const SYSTEM_PROPERTY = /^_/;

/** Whether a document is one first-release item: not a user document, and the resource's fields. */
function isLegacyDocument(doc: Record<string, unknown>): doc is StoredDocument {
  return (
    typeof doc.id === 'string' &&
    typeof doc.userId === 'string' &&
    doc.userId !== '' &&
    doc.id !== doc.userId &&
    !Object.hasOwn(doc, 'recentWrites')
  );
}

/** The resource as first stored: without the partition key and Cosmos's system properties. */
export function resourceOf<Item>(doc: StoredDocument): Item {
  return Object.fromEntries(
    Object.entries(doc).filter(([name]) => name !== 'userId' && !SYSTEM_PROPERTY.test(name)),
  ) as Item;
}

/** Every first-release document of a container, grouped by user (ReadFeed: no query, no index needed). */
async function readLegacy(
  container: Container,
  isItem: (doc: StoredDocument) => boolean,
  onlyUsers: ReadonlySet<string> | undefined,
): Promise<{ byUser: Map<string, StoredDocument[]>; unrecognized: number }> {
  const byUser = new Map<string, StoredDocument[]>();
  let unrecognized = 0;
  for await (const { resources } of container.items.readAll<Record<string, unknown>>().getAsyncIterator()) {
    for (const doc of resources) {
      if (onlyUsers && !(typeof doc.userId === 'string' && onlyUsers.has(doc.userId))) continue;
      if (typeof doc.id === 'string' && doc.id === doc.userId && Object.hasOwn(doc, 'recentWrites')) continue;
      if (!isLegacyDocument(doc) || !isItem(doc)) {
        unrecognized += 1;
        continue;
      }
      const docs = byUser.get(doc.userId);
      if (docs) docs.push(doc);
      else byUser.set(doc.userId, [doc]);
    }
  }
  return { byUser, unrecognized };
}

/** Deletes first-release documents already folded: If-Match on the etag read; 404 counts as gone. */
async function deleteLegacy(
  container: Container,
  docs: readonly StoredDocument[],
  counts: ContainerCounts,
): Promise<void> {
  for (const doc of docs) {
    try {
      await withinDeadline((deadline) =>
        container.item(doc.id, doc.userId).delete({
          ...deadline,
          ...(doc._etag ? { accessCondition: { type: 'IfMatch', condition: doc._etag } } : {}),
        }),
      );
      counts.deleted += 1;
    } catch (error) {
      const status = storageStatus(error);
      if (status === 404) counts.deleted += 1;
      else if (status === 412) counts.changed += 1;
      else throw error;
    }
  }
}

/** Runs `work` for each entry, at most `limit` at once. */
async function forEachLimited<T>(
  entries: readonly T[],
  limit: number,
  work: (entry: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < entries.length) await work(entries[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, entries.length)) }, worker));
}

/**
 * A container's migration: reads its first-release documents and, at most `concurrency` users at once,
 * folds each user's into the user's document (`foldUser`, which counts what it moved), then deletes them
 * (a dry run only counts them). A user whose fold or delete fails is counted and left for a later run.
 */
export async function foldEachUser(
  container: Container,
  isItem: (doc: StoredDocument) => boolean,
  { options, dryRun, concurrency, report, fail }: ContainerRun,
  counts: ContainerCounts,
  foldUser: (userId: string, docs: StoredDocument[]) => Promise<void>,
): Promise<void> {
  const legacy = await readLegacy(container, isItem, options.onlyUsers);
  report.unrecognized += legacy.unrecognized;
  counts.users = legacy.byUser.size;
  await forEachLimited([...legacy.byUser], concurrency, async ([userId, docs]) => {
    try {
      await foldUser(userId, docs);
      if (dryRun) counts.deleted += docs.length;
      else await deleteLegacy(container, docs, counts);
    } catch (error) {
      fail(counts, error);
    }
  });
}
