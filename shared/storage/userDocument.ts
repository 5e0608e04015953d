import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Container } from '@azure/cosmos';
import { serviceNotAvailable } from '../http/graphErrors';
import { checkDocumentSize } from './documentLimit';
import { conditionalWrite } from './conditionalWrite';
import { storageFailure, storageStatus, withinDeadline } from './cosmos';

/**
 * Everything one user has in a container lives in one document (id = partition key = the user id),
 * so every rule that spans a user's items is checked and written in one conditional replace.
 */
type UserDocument<Items extends string, Item> = {
  id: string;
  userId: string;
  /** Ids of the last few writes, newest first: tells a writer whose answer was lost whether it landed. */
  recentWrites: string[];
} & { [K in Items]: Item[] };

/** What a decision returns: the new item list to write (or none) and the request's answer. */
type Decision<Item, Answer> = { items?: Item[]; answer: Answer };

/** Conflicting writers re-read and decide again; this many tries are ample for one user's traffic. */
const MAX_ATTEMPTS = 25;
const RECENT_WRITES_KEPT = 16;

/** The per-user documents of one container, holding the item list under `field`. */
export class UserDocuments<Items extends string, Item> {
  /** `maxDocumentBytes`: the bound on a user's document (documentLimit.ts); none where the items are few and small. */
  constructor(
    private readonly container: Container,
    private readonly field: Items,
    private readonly maxDocumentBytes?: number,
  ) {}

  /** One point read. A user without a document has no items. */
  async read(userId: string): Promise<Item[]> {
    return (await this.readDocument(userId))?.[this.field] ?? [];
  }

  /**
   * Reads the user's items, lets `decide` choose the new list, and writes it only if nobody wrote in
   * between (If-Match on the etag, or create for a first document); otherwise reads and decides again.
   * `decide` may throw a GraphError, and a next document past `maxDocumentBytes` is refused: nothing is
   * written then. A write whose answer is lost is settled by reading back whether its write id landed,
   * so a retry or clean-up can never undo another request.
   */
  async update<Answer>(userId: string, decide: (items: Item[]) => Decision<Item, Answer>): Promise<Answer> {
    return conditionalWrite<UserDocument<Items, Item>, Answer>({
      container: this.container,
      id: userId,
      read: () => this.readDocument(userId),
      decide: (current) => {
        const decision = decide(current?.[this.field] ?? []);
        if (decision.items === undefined) return { answer: decision.answer };
        const next = {
          id: userId,
          userId,
          recentWrites: [randomUUID(), ...(current?.recentWrites ?? [])].slice(0, RECENT_WRITES_KEPT),
          [this.field]: decision.items,
        } as UserDocument<Items, Item>;
        if (this.maxDocumentBytes !== undefined)
          checkDocumentSize(next, { next: decision.items, stored: current?.[this.field] ?? [] }, this.maxDocumentBytes);
        return { write: next, answer: decision.answer };
      },
      retryOn: [412, 409],
      maxAttempts: MAX_ATTEMPTS,
      pause: (attempt) => sleep(Math.random() * Math.min(50, 2 * attempt)),
      landed: (written) => this.landed(userId, written.recentWrites[0]!),
      tooManyAttempts: () => serviceNotAvailable('Too many concurrent changes to this user. Retry the request.', 1),
    });
  }

  private async readDocument(userId: string): Promise<(UserDocument<Items, Item> & { _etag: string }) | undefined> {
    try {
      const { resource } = await withinDeadline((deadline) =>
        this.container.item(userId, userId).read<UserDocument<Items, Item> & { _etag: string }>(deadline),
      );
      return resource ?? undefined;
    } catch (error) {
      if (storageStatus(error) === 404) return undefined;
      throw storageFailure(error);
    }
  }

  /** Whether a write with this id is in the stored document; unknown (storage unreachable) counts as no. */
  private async landed(userId: string, writeId: string): Promise<boolean> {
    try {
      return (await this.readDocument(userId))?.recentWrites.includes(writeId) ?? false;
    } catch {
      return false;
    }
  }
}
