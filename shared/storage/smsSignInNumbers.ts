import { randomUUID } from 'node:crypto';
import type { Container } from '@azure/cosmos';
import { serviceNotAvailable } from '../http/graphErrors';
import { smsNumberKey, type PhoneAuthenticationMethod, type SmsSignInState } from '../models/phoneAuthenticationMethod';
import { conditionalWrite } from './conditionalWrite';
import { STORAGE_OPERATION_DEADLINE_MS, storageFailure, storageStatus, withinDeadline } from './cosmos';

/** Where a user's stored phone methods are read (the phone-method store; not imported, to keep the layers apart). */
export interface StoredPhoneMethods {
  read(userId: string): Promise<PhoneAuthenticationMethod[]>;
}

/**
 * Which user may have a phone number `ready` for SMS sign-in: one claim document per number (id = the
 * number without its space, partition key `/id`), `{ id, ownerUserId, claimedAt, holders }`.
 *
 * Protocol (every step a point read or a conditional write; nothing spans two documents):
 * - To make user U's mobile `ready` for number N, a request first *claims* N: it creates the claim, or
 *   replaces it (If-Match on the etag it read) with owner U and itself added to `holders` (a holder is
 *   a request between its claim and its user-document write, with the time it registered). It may
 *   replace a claim owned by another user V only when V's claim has no holder younger than the lease
 *   AND V's user document, read after the claim, does not show N `ready` on V's mobile.
 * - The request then writes U's document (one conditional replace) with the mobile `ready`, but only
 *   within SMS_CLAIM_WRITE_WINDOW_MS of registering as a holder; afterwards it *settles*: it removes
 *   itself from `holders` and deletes the claim (If-Match) when no fresh holder is left and U's
 *   document, read after the claim, does not show N `ready`. Freeing a number (disable, delete the
 *   mobile, change its number) writes U's document first and then settles the same way.
 *
 * Why at most one user has N `ready`: a document only becomes `ready` while its writer is a fresh
 * holder of a claim its user owns. Whoever removes that claim (another user taking it over, or U's
 * own settle) first reads the claim, then reads U's document: a writer that registered before the
 * claim was read is in `holders` (so nobody removes the claim while it may still write, until its
 * window has closed), unless it already settled, which it does only after its document write, so the
 * read of U's document sees that write; a writer that registers later changes the etag, and the
 * conditional replace or delete fails and is re-decided. The lease (60 s) is far longer than a
 * holder's write window plus one storage deadline (8 s), so a holder's document write has landed or
 * never will by the time it stops counting. A crash between the steps leaves at worst a holder that
 * expires after the lease, so no number is blocked for longer than that.
 */

/** How long a holder counts as in progress. */
export const SMS_CLAIM_LEASE_MS = 60_000;
/** How long after registering a holder may still write its user's document `ready`. */
const SMS_CLAIM_WRITE_WINDOW_MS = SMS_CLAIM_LEASE_MS - 2 * STORAGE_OPERATION_DEADLINE_MS;

const MAX_ATTEMPTS = 10;

interface Holder {
  id: string;
  at: string;
}

interface ClaimDocument {
  id: string;
  ownerUserId: string;
  claimedAt: string;
  holders?: Holder[];
  _etag?: string;
}

/** A claim this request won: it is a holder until it settles. */
interface WonClaim {
  phoneNumber: string;
  holderId: string;
  /** When the holder registered (the service clock). */
  at: Date;
}

export class SmsSignInNumbers {
  constructor(
    private readonly container: Container,
    private readonly phoneMethods: StoredPhoneMethods,
    private readonly now: () => Date,
  ) {}

  /** Whether a won claim's holder may still write its user's document `ready`. */
  mayWriteReady(claim: WonClaim): boolean {
    return this.now().getTime() - claim.at.getTime() < SMS_CLAIM_WRITE_WINDOW_MS;
  }

  /** The state a mobile gets from a claim attempt: `ready` only while the claim's holder may still write. */
  stateFor(claim: WonClaim | undefined): SmsSignInState {
    if (!claim) return 'phoneNumberNotUnique';
    if (!this.mayWriteReady(claim))
      throw serviceNotAvailable('Claiming the phone number took too long. Retry the request.', 1);
    return 'ready';
  }

  /** Runs `attempt` with a won claim (or none), then settles the claim whatever happened. */
  async withClaim<T>(
    userId: string,
    phoneNumber: string,
    attempt: (claim: WonClaim | undefined) => Promise<T>,
  ): Promise<T> {
    const claim = await this.claim(userId, phoneNumber);
    try {
      return await attempt(claim);
    } finally {
      if (claim) await this.settle(userId, phoneNumber, claim.holderId);
    }
  }

  /**
   * Claims `phoneNumber` for `userId`: the won claim, or undefined when another user holds the number.
   * Throws a GraphError (503, ...) when storage fails; a claim that may have landed is then left to expire.
   */
  async claim(userId: string, phoneNumber: string): Promise<WonClaim | undefined> {
    const id = smsNumberKey(phoneNumber);
    const holderId = randomUUID();
    return conditionalWrite<ClaimDocument, WonClaim | undefined>({
      container: this.container,
      id,
      read: () => this.read(id),
      decide: async (current) => {
        const now = this.now();
        const holders = current ? this.freshHolders(current, now) : [];
        if (current && current.ownerUserId !== userId) {
          if (holders.length > 0) return { answer: undefined };
          if (await this.showsReady(current.ownerUserId, phoneNumber)) return { answer: undefined };
        }
        const at = now.toISOString();
        const next: ClaimDocument = {
          id,
          ownerUserId: userId,
          claimedAt: at,
          holders: [...(current?.ownerUserId === userId ? holders : []), { id: holderId, at }],
        };
        return { write: next, answer: { phoneNumber, holderId, at: now } };
      },
      retryOn: [412, 409, 404],
      maxAttempts: MAX_ATTEMPTS,
      landed: () => this.holds(id, userId, holderId),
      tooManyAttempts: () =>
        serviceNotAvailable('Too many concurrent claims of this phone number. Retry the request.', 1),
    });
  }

  /**
   * After a claim's user-document write (landed or not), or after a write that stopped a mobile from
   * being `ready` on `phoneNumber` (holderId undefined): drops the holder and deletes the claim when
   * nothing needs it any more. Best effort: a failure leaves a holder that expires after the lease.
   */
  async settle(userId: string, phoneNumber: string, holderId?: string): Promise<void> {
    const id = smsNumberKey(phoneNumber);
    try {
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
        const current = await this.read(id);
        if (!current || current.ownerUserId !== userId) return;
        const listed = holderId !== undefined && (current.holders ?? []).some((holder) => holder.id === holderId);
        const remaining = this.freshHolders(current, this.now()).filter((holder) => holder.id !== holderId);
        const keep = remaining.length > 0 || (await this.showsReady(userId, phoneNumber));
        const ifMatch = { type: 'IfMatch', condition: current._etag! };
        try {
          if (!keep) {
            await withinDeadline((deadline) =>
              this.container.item(id, id).delete({ ...deadline, accessCondition: ifMatch }),
            );
          } else if (listed) {
            await withinDeadline((deadline) =>
              this.container
                .item(id, id)
                .replace({ ...stripSystem(current), holders: remaining }, { ...deadline, accessCondition: ifMatch }),
            );
          }
          return;
        } catch (error) {
          const status = storageStatus(error);
          if (status === 412 || status === 404) continue;
          return;
        }
      }
    } catch {
      // Best effort: storage is failing; the holder expires after the lease.
    }
  }

  private freshHolders(claim: ClaimDocument, now: Date): Holder[] {
    // A claim written without a holder list counts as held since it was claimed.
    const holders = claim.holders ?? [{ id: '', at: claim.claimedAt }];
    return holders.filter((holder) => {
      const at = Date.parse(holder.at);
      return Number.isFinite(at) && now.getTime() - at < SMS_CLAIM_LEASE_MS;
    });
  }

  /** Whether the user's stored mobile is `ready` on this number (one point read of their document). */
  private async showsReady(userId: string, phoneNumber: string): Promise<boolean> {
    const key = smsNumberKey(phoneNumber);
    const methods = await this.phoneMethods.read(userId);
    return methods.some(
      (method) =>
        method.phoneType === 'mobile' && method.smsSignInState === 'ready' && smsNumberKey(method.phoneNumber) === key,
    );
  }

  /** After a write whose answer was lost: whether it landed; unknown (storage unreachable) counts as no. */
  private async holds(id: string, userId: string, holderId: string): Promise<boolean> {
    try {
      const current = await this.read(id);
      return current?.ownerUserId === userId && (current.holders ?? []).some((holder) => holder.id === holderId);
    } catch {
      return false;
    }
  }

  private async read(id: string): Promise<ClaimDocument | undefined> {
    try {
      const { resource } = await withinDeadline((deadline) =>
        this.container.item(id, id).read<ClaimDocument>(deadline),
      );
      return resource ?? undefined;
    } catch (error) {
      if (storageStatus(error) === 404) return undefined;
      throw storageFailure(error);
    }
  }
}

function stripSystem(claim: ClaimDocument): ClaimDocument {
  const { id, ownerUserId, claimedAt, holders } = claim;
  return { id, ownerUserId, claimedAt, ...(holders ? { holders } : {}) };
}
