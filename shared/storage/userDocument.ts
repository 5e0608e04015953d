import type { Container } from '@azure/cosmos';
import { tooManyRequests } from '../http/graphErrors';
import { ConditionalDocuments, type ChangeOptions, type Receipt, type Version } from './conditionalWrite';
import { checkItemsSize } from './documentLimit';
import { DEFAULT_STORAGE_TIMING, MAX_RECENT_WRITES, writeIdRetentionMs, type StorageTiming } from './timing';

/** One write's id and when it was sent (epoch milliseconds, the writer's clock). */
export interface RecentWrite {
  id: string;
  at: number;
}

/**
 * Everything one user has in a container lives in one document (id = partition key = the user id),
 * so every rule that spans a user's items is checked and written in one conditional replace.
 */
export type UserDocument<Items extends string, Item> = {
  id: string;
  userId: string;
  /**
   * Every write of the last `writeIdRetentionMs`, kept by time and never to make room (a write that
   * would need more is refused): how a writer whose answer was lost tells whether it applied, whatever
   * followed it. (Entries of the previous format, bare strings, count as expired.)
   */
  recentWrites: Array<RecentWrite | string>;
} & { [K in Items]: Item[] };

/** What a decision returns: the new item list to write (or none) and the request's answer. */
export type Decision<Item, Answer> = { items?: Item[]; answer: Answer };

/** A user's items as read (possibly stale), to decide on without reading again. */
export interface UserVersion<Item> {
  items: Item[];
  /** @internal the stored version, passed back to `write`. */
  stored: Version<never> | undefined;
}

/** A write storage applied to a user's document. */
export interface UserReceipt<Item> {
  /** The items of the version written, which was the latest when it was written. */
  items: Item[];
  /** The ids of the writes already applied in the version it replaced. */
  priorWriteIds: ReadonlySet<string>;
  /** This instance's clock when the write was sent. */
  sentAt: number;
}

export interface WriteOptions<Item> {
  /** The id every attempt of this write carries (a request's one write id); a new one when absent. */
  writeId?: string;
  /** A version already read with `readVersion`, decided on first instead of a read. */
  from?: UserVersion<Item>;
  /** This instance's clock time at or after which no write may be sent. */
  sendBy?: number;
}

/** The per-user documents of one container, holding the item list under `field`. */
export class UserDocuments<Items extends string, Item> {
  private readonly documents: ConditionalDocuments<UserDocument<Items, Item>>;
  private readonly retentionMs: number;

  constructor(
    container: Container,
    private readonly field: Items,
    timing: StorageTiming = DEFAULT_STORAGE_TIMING,
    private readonly now: () => number = () => Date.now(),
    /** The most the stored items may weigh as JSON (documentLimit.ts); none when undefined. */
    private readonly maxItemBytes?: number,
  ) {
    this.retentionMs = writeIdRetentionMs(timing);
    this.documents = new ConditionalDocuments<UserDocument<Items, Item>>(
      container,
      {
        carries: (doc, writeId) => doc.recentWrites.some((write) => typeof write !== 'string' && write.id === writeId),
        confirmation: (userId, current, writeId) => this.documentWith(userId, current, this.itemsOf(current), writeId),
      },
      timing,
      now,
    );
  }

  /** One point read. A user without a document has no items. */
  async read(userId: string): Promise<Item[]> {
    return (await this.readVersion(userId)).items;
  }

  /** One point read, kept to decide a later `write` on without reading again. */
  async readVersion(userId: string): Promise<UserVersion<Item>> {
    const stored = await this.documents.read(userId);
    return { items: this.itemsOf(stored?.doc), stored: stored as Version<never> | undefined };
  }

  /**
   * Reads the user's items, lets `decide` choose the new list, and writes it only if nobody wrote in
   * between (If-Match on the etag, or create for a first document); otherwise reads and decides again.
   * `decide` may throw a GraphError: nothing is written then. A lost answer is settled by reading back
   * whether its write id is there, confirmed by a conditional write (conditionalWrite.ts).
   */
  async update<Answer>(
    userId: string,
    decide: (items: Item[]) => Decision<Item, Answer>,
    options: WriteOptions<Item> = {},
  ): Promise<Answer> {
    return (await this.write(userId, decide, options)).answer;
  }

  /** As `update`, with the receipt of the write when one was made. */
  async write<Answer>(
    userId: string,
    decide: (items: Item[]) => Decision<Item, Answer>,
    options: WriteOptions<Item> = {},
  ): Promise<{ answer: Answer; receipt?: UserReceipt<Item> }> {
    const changeOptions: ChangeOptions<UserDocument<Items, Item>> = {
      writeId: options.writeId,
      sendBy: options.sendBy,
      contended: 'Too many concurrent changes to this user. Retry the request.',
      ...(options.from
        ? { from: { version: options.from.stored as Version<UserDocument<Items, Item>> | undefined } }
        : {}),
    };
    const { answer, receipt } = await this.documents.change(
      userId,
      (current, writeId) => {
        const decision = decide(this.itemsOf(current?.doc));
        if (decision.items === undefined) return { answer: decision.answer };
        if (this.maxItemBytes !== undefined)
          checkItemsSize({ next: decision.items, stored: this.itemsOf(current?.doc) }, this.maxItemBytes);
        return { answer: decision.answer, write: this.documentWith(userId, current?.doc, decision.items, writeId) };
      },
      changeOptions,
    );
    return { answer, ...(receipt ? { receipt: this.receiptOf(receipt) } : {}) };
  }

  /** The user's latest items, proven latest by a conditional write (which also fails every write in flight on an older version). */
  async confirm(userId: string): Promise<UserReceipt<Item>> {
    return this.receiptOf(await this.documents.confirm(userId));
  }

  /** A receipt of the conditional-write helper (also the confirmation an UnsettledWrite carries) as this store's. */
  receiptOf(receipt: Receipt<unknown>): UserReceipt<Item> {
    const { prior, written, sentAt } = receipt as Receipt<UserDocument<Items, Item>>;
    const priorWriteIds = new Set(
      (prior?.recentWrites ?? []).flatMap((write) => (typeof write === 'string' ? [] : [write.id])),
    );
    return { items: this.itemsOf(written), priorWriteIds, sentAt };
  }

  private itemsOf(doc: UserDocument<Items, Item> | undefined): Item[] {
    return doc?.[this.field] ?? [];
  }

  /** The document to write: the items, and the write ids younger than the retention window plus this one. */
  private documentWith(
    userId: string,
    current: UserDocument<Items, Item> | undefined,
    items: Item[],
    writeId: string,
  ): UserDocument<Items, Item> {
    const now = this.now();
    const kept = (current?.recentWrites ?? []).filter(
      (write): write is RecentWrite => typeof write !== 'string' && write.at > now - this.retentionMs,
    );
    if (kept.length >= MAX_RECENT_WRITES) {
      const oldest = Math.min(...kept.map((write) => write.at));
      throw tooManyRequests(Math.max(1, Math.ceil((oldest + this.retentionMs - now) / 1000)));
    }
    return {
      id: userId,
      userId,
      recentWrites: [...kept, { id: writeId, at: now }],
      [this.field]: items,
    } as UserDocument<Items, Item>;
  }
}
