import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Container } from '@azure/cosmos';
import { GraphError, serviceNotAvailable } from '../http/graphErrors';
import { isAmbiguousWriteFailure, storageFailure, storageStatus, withinDeadline } from './cosmos';
import { writeIdRetentionMs, type StorageTiming } from './timing';

/**
 * The one way anything is written: read, decide, conditional write (If-Match replace, create, or
 * If-Match delete), and, when storage's answer is lost, settle whether the write applied. Serves the
 * users' documents (userDocument.ts) and the SMS sign-in number claims (smsSignInNumbers.ts).
 *
 * Settling a lost answer never trusts a plain read alone (a lagging replica may serve an older
 * version) and never trusts the clock to say a write can no longer apply (storage may apply it after
 * the client gave up). It reads the document: if it carries the write's id, the write applied. If
 * not, it writes the same content back with If-Match on the etag just read (a *confirming write*).
 * That write succeeding proves the version read was the latest, so the write had not applied; and
 * the write was conditioned on that version or an older one, so from now on it never can. A
 * confirming write that meets a newer version (412) reads again. A write id stays in a user's document
 * for `writeIdRetentionMs` whatever other writes follow (userDocument.ts), a lease id in its claim until
 * the lease ended (smsSignInNumbers.ts), and settling gives up, reporting the outcome unknown, before
 * a window that could miss it.
 */

/** A stored document as read: its content and the etag a conditional write names. */
export interface Version<D> {
  doc: D;
  etag: string;
}

/** What a decision does: write `write` in place of the version decided on, delete it, or nothing. */
export interface Change<D, A> {
  answer: A;
  write?: D;
  remove?: boolean;
}

/** A conditional write storage applied: the version it replaced (none for a create), what it wrote, when it was sent. */
export interface Receipt<D> {
  prior: D | undefined;
  written: D | undefined;
  /** This instance's clock when the write was sent. */
  sentAt: number;
}

export interface Changed<D, A> {
  answer: A;
  /** Present when something was written. */
  receipt?: Receipt<D>;
}

export interface DocumentKind<D> {
  /** Whether a stored document carries the write `writeId`. */
  carries(doc: D, writeId: string): boolean;
  /**
   * The content of a confirming write in place of `current` (undefined: missing), carrying `writeId`;
   * undefined when this kind of document cannot be confirmed that way.
   */
  confirmation(id: string, current: D | undefined, writeId: string): D | undefined;
}

export interface ChangeOptions<D> {
  /** The id every attempt of this change writes (a request's one write id); a new one when absent. */
  writeId?: string;
  /** A version already read (undefined: known to be missing), decided on first instead of a read. */
  from?: { version: Version<D> | undefined };
  /** This instance's clock time at or after which no write may be sent (503 instead). */
  sendBy?: number;
  /** The message of the 503 after too many conflicting writers. */
  contended?: string;
}

/**
 * A write whose answer was lost: `notApplied` when a confirming write proved it never applies (with
 * that write's receipt), `unknown` when storage could not be asked. Either way a 503 to the caller.
 */
export class UnsettledWrite extends GraphError {
  constructor(
    readonly outcome: 'notApplied' | 'unknown',
    readonly confirmation: Receipt<unknown> | undefined,
    cause: unknown,
  ) {
    super({
      code: 'serviceNotAvailable',
      message: 'The storage service is unavailable. Retry the request later.',
      headers: { 'Retry-After': '5' },
      cause,
    });
  }
}

/** A write id: 128 random bits, short enough to keep thousands in a document. */
export const newWriteId = () => randomBytes(16).toString('base64url');

/** Conflicting writers re-read and decide again; this many tries are ample for one document's traffic. */
const MAX_ATTEMPTS = 25;
const MAX_SETTLE_ATTEMPTS = 10;

/** The documents of one container whose id is also their partition key value. */
export class ConditionalDocuments<D extends { id: string }> {
  constructor(
    private readonly container: Container,
    private readonly kind: DocumentKind<D>,
    private readonly timing: StorageTiming,
    private readonly now: () => number,
  ) {}

  /** One point read; undefined for a missing document. Possibly stale: only a conditional write confirms it. */
  async read(id: string): Promise<Version<D> | undefined> {
    try {
      const { resource } = await withinDeadline(
        (deadline) => this.container.item(id, id).read<D & { _etag: string }>(deadline),
        this.timing.operationDeadlineMs,
      );
      return resource ? { doc: resource, etag: resource._etag } : undefined;
    } catch (error) {
      if (storageStatus(error) === 404) return undefined;
      throw storageFailure(error);
    }
  }

  /**
   * Reads (or starts from `options.from`), lets `decide` choose, and writes only if nobody wrote in
   * between; a conflict (412, 409, 404) reads and decides again. `decide` may throw: nothing of this
   * change is written then. A lost answer is settled (see the top of this file): applied, the change
   * succeeds; else an UnsettledWrite is thrown.
   */
  async change<A>(
    id: string,
    decide: (current: Version<D> | undefined, writeId: string) => Change<D, A> | Promise<Change<D, A>>,
    options: ChangeOptions<D> = {},
  ): Promise<Changed<D, A>> {
    const writeId = options.writeId ?? newWriteId();
    let start = options.from;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      const current = start ? start.version : await this.read(id);
      start = undefined;
      const decision = await decide(current, writeId);
      if (decision.write === undefined && !decision.remove) return { answer: decision.answer };
      const sentAt = this.now();
      if (options.sendBy !== undefined && sentAt >= options.sendBy)
        throw serviceNotAvailable('The request took too long to complete. Retry the request.', 1);
      const receipt: Receipt<D> = { prior: current?.doc, written: decision.write, sentAt };
      try {
        await this.send(id, current, decision.write);
        return { answer: decision.answer, receipt };
      } catch (error) {
        const status = storageStatus(error);
        if (status === 412 || status === 409 || status === 404) {
          await sleep(Math.random() * Math.min(50, 2 * attempt));
          continue;
        }
        if (!isAmbiguousWriteFailure(error)) throw storageFailure(error);
        if (decision.write === undefined) throw new UnsettledWrite('unknown', undefined, error);
        const settled = await this.settle(id, writeId, sentAt);
        if (settled === 'applied') return { answer: decision.answer, receipt };
        throw new UnsettledWrite(
          settled === 'unknown' ? 'unknown' : 'notApplied',
          settled === 'unknown' ? undefined : settled,
          error,
        );
      }
    }
    throw serviceNotAvailable(options.contended ?? 'Too many concurrent changes. Retry the request.', 1);
  }

  /**
   * A confirming write: the latest version, proven so by writing it back unchanged with If-Match (or,
   * for a missing document, by creating the kind's empty one). Every write conditioned on an older
   * version fails from then on.
   */
  async confirm(id: string): Promise<Receipt<D>> {
    const { receipt } = await this.change(id, (current, writeId) => {
      const write = this.kind.confirmation(id, current?.doc, writeId);
      if (write === undefined) throw new UnsettledWrite('unknown', undefined, undefined);
      return { write, answer: undefined };
    });
    return receipt!;
  }

  /** After a lost answer: 'applied', the receipt of the confirming write that proved it never applies, or 'unknown'. */
  private async settle(id: string, writeId: string, sentAt: number): Promise<'applied' | 'unknown' | Receipt<D>> {
    // Past this, another write may already have dropped the id (a user document's after the retention
    // window, a claim's once its lease ended): the answer could be wrong.
    const keptMs = Math.min(writeIdRetentionMs(this.timing), this.timing.leaseMs);
    const budget = keptMs - this.timing.operationDeadlineMs - this.timing.clockSkewMs;
    for (let attempt = 1; attempt <= MAX_SETTLE_ATTEMPTS; attempt += 1) {
      if (this.now() - sentAt > budget) return 'unknown';
      try {
        const current = await this.read(id);
        if (current && this.kind.carries(current.doc, writeId)) return 'applied';
        const write = this.kind.confirmation(id, current?.doc, newWriteId());
        if (write === undefined) return 'unknown';
        const confirmedAt = this.now();
        await this.send(id, current, write);
        return { prior: current?.doc, written: write, sentAt: confirmedAt };
      } catch (error) {
        const status = storageStatus(error);
        if (status === 412 || status === 409 || status === 404) continue;
        return 'unknown';
      }
    }
    return 'unknown';
  }

  /** One conditional write: replace or delete If-Match `current`'s etag, or create when it is missing. */
  private async send(id: string, current: Version<D> | undefined, write: D | undefined): Promise<void> {
    const deadlineMs = this.timing.operationDeadlineMs;
    if (current === undefined) {
      if (write === undefined) return;
      await withinDeadline((deadline) => this.container.items.create(write, deadline), deadlineMs);
      return;
    }
    const options = { accessCondition: { type: 'IfMatch', condition: current.etag } };
    const item = this.container.item(id, id);
    if (write === undefined) await withinDeadline((deadline) => item.delete({ ...deadline, ...options }), deadlineMs);
    else await withinDeadline((deadline) => item.replace(write, { ...deadline, ...options }), deadlineMs);
  }
}
