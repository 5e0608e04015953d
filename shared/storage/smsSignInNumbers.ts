import type { Container } from '@azure/cosmos';
import { serviceNotAvailable } from '../http/graphErrors';
import { smsNumberKey, type PhoneAuthenticationMethod, type SmsSignInState } from '../models/phoneAuthenticationMethod';
import { ConditionalDocuments, newWriteId, UnsettledWrite, type Version } from './conditionalWrite';
import type { PhoneMethodStore } from './phoneMethods';
import { DEFAULT_STORAGE_TIMING, type StorageTiming } from './timing';
import type { UserReceipt } from './userDocument';

/**
 * Which user may have a phone number `ready` for SMS sign-in: one claim document per number (id = the
 * number without its space, partition key `/id`): `{ id, ownerUserId, leases: [{ id, until }] }`.
 *
 * FAULT MODEL. Requests interleave in any order and crash between any two steps. Storage may lose an
 * answer (the write applied or not), answer late, or deliver a write twice; it may apply a write at
 * any time after it was sent, also after its client stopped waiting. A plain read may be served by a
 * replica that lags behind (Session consistency promises nothing across instances): only a
 * conditional write (If-Match on an etag, or a create) tells what the latest version is. Etags are
 * never reused. The service instances' clocks differ by at most `clockSkewMs` (timing.ts).
 *
 * PROTOCOL. Every step is one read or one conditional write of one document (conditionalWrite.ts).
 * - Claim: a request R of user U that wants U's mobile `ready` on number N first writes N's claim
 *   conditionally, adding its *lease* (its own write id, `until` = now + lease): it creates the claim;
 *   or replaces U's own claim, keeping its unexpired leases; or replaces another user O's claim, but only
 *   when every lease of it ended (now >= until + skew) AND O's document, confirmed by a conditional
 *   write (a *confirming write*: O's latest version written back unchanged, If-Match), does not show N
 *   `ready`. Otherwise N is another user's: U's mobile becomes `phoneNumberNotUnique`.
 * - Ready write: R then writes U's document with the mobile `ready` (If-Match on the version it decided
 *   on), every attempt carrying R's lease id as its write id and sent only while now < until - D.
 *   Attempts are sequential and each ends definitely (412) or is settled, so at most one applies.
 * - Free: a request that writes U's document so that it no longer shows N `ready` (disable, delete the
 *   mobile, change its number, or the confirming write that settled R's own lost write) then deletes
 *   N's claim If-Match, when U owns it and each lease of it is (a) a write id already in the version
 *   its write replaced, (b) ended before its write was sent (until + skew <= sent), or (c) its own,
 *   proven never to apply. Otherwise the claim stays until its leases end. Never anything else.
 *
 * INVARIANT: whenever U's stored document shows N `ready`, N's claim exists and U owns it. So at most
 * one user has N `ready` at any moment (one document, one owner).
 * - A ready write of R applies only while R's claim version or a later one of U is the latest: the claim
 *   leaves U only by a takeover or a free. A takeover happens after R's lease ended (on the taker's
 *   clock, skew included), after a confirming write on U's document; R sent its write before the lease
 *   ended, so it was conditioned on a version older than the confirmed one or on that one itself: it
 *   applied before the confirming write (which then sees it and the takeover is refused) or it never
 *   applies (one of two writes on one etag wins). A free needs R's lease to be (a): R's one write
 *   applied before the free's write; (b): R sent its write before the free's write was sent, so on an
 *   older version, and it either applied before and was overwritten or never applies; (c): never applies.
 *   A late write (the probe's 6-second hold) is one of these cases: no margin of time is assumed.
 * - A lease dropped from a claim without deleting it (a renewal keeps only unexpired leases) had ended:
 *   its write was sent before the renewal, so the renewal's lease (later) blocks every free until
 *   (a) or (b) holds for it, and any takeover needs a confirming write after it ended.
 * - A stale read can only show an older version: every decision it feeds ends in a conditional write
 *   on that version, which fails (412) and is decided again on a fresh read, or in no write at all (a
 *   request that sees N taken answers `phoneNumberNotUnique`; another that sees it free claims it by a
 *   create or If-Match, which the latest version decides).
 * - Lost, late and duplicated answers: a claim write whose answer was lost is settled by reading the
 *   claim back (its lease id, which no later write removes before the lease ends) and, if not there,
 *   by a confirming write of the claim; a user-document write likewise by its write id
 *   (conditionalWrite.ts). An outcome still unknown answers 503 and the request stays a holder: its
 *   lease is never freed by (c), so the claim stays until the lease has ended and a later request
 *   confirms the user's document. A duplicated write carries an etag that no longer matches.
 * - A crash between the steps leaves at worst a claim whose leases end after `leaseMs`; then a
 *   confirming write on its owner's document decides whether another user may take it over.
 */

/** The default lease: how long a claim lets its request write the number `ready`. */
export const SMS_CLAIM_LEASE_MS = DEFAULT_STORAGE_TIMING.leaseMs;

interface Lease {
  id: string;
  /** ISO time when the lease ends (its writer's clock). */
  until: string;
}

interface ClaimDocument {
  id: string;
  ownerUserId: string;
  leases?: Lease[];
  /** The previous format: a holder counted for a lease from `at`; without holders, from `claimedAt`. */
  holders?: Array<{ id: string; at: string }>;
  claimedAt?: string;
}

/** A claim this request won: its lease on the number. */
export interface WonClaim {
  phoneNumber: string;
  /** The lease id, which is also the write id of every attempt of the request's ready write. */
  id: string;
  /** When the lease ends (epoch ms, this instance's clock). */
  until: number;
}

const showsReady = (methods: readonly PhoneAuthenticationMethod[], key: string) =>
  methods.some(
    (method) =>
      method.phoneType === 'mobile' && method.smsSignInState === 'ready' && smsNumberKey(method.phoneNumber) === key,
  );

export class SmsSignInNumbers {
  private readonly claims: ConditionalDocuments<ClaimDocument>;

  constructor(
    container: Container,
    private readonly phoneMethods: PhoneMethodStore,
    private readonly now: () => Date,
    private readonly timing: StorageTiming = DEFAULT_STORAGE_TIMING,
  ) {
    this.claims = new ConditionalDocuments<ClaimDocument>(
      container,
      {
        carries: (claim, leaseId) => this.leasesOf(claim).some((lease) => lease.id === leaseId),
        confirmation: (_id, current) => (current ? contentOf(current) : undefined),
      },
      timing,
      () => this.now().getTime(),
    );
  }

  /** The latest time this instance may send a ready write under the claim (undefined: no claim). */
  sendBy(claim: WonClaim | undefined): number | undefined {
    return claim && claim.until - this.timing.operationDeadlineMs;
  }

  /** The state a mobile gets from a claim attempt: `ready` only while the claim's lease may still be used. */
  stateFor(claim: WonClaim | undefined): SmsSignInState {
    if (!claim) return 'phoneNumberNotUnique';
    if (this.now().getTime() >= this.sendBy(claim)!)
      throw serviceNotAvailable('Claiming the phone number took too long. Retry the request.', 1);
    return 'ready';
  }

  /**
   * Claims the number, runs `attempt` (the ready write, with the claim's id as its write id), and, when
   * that write was proven never to apply, frees the claim at once; an unknown outcome keeps it.
   */
  async withClaim<T>(
    userId: string,
    phoneNumber: string,
    attempt: (claim: WonClaim | undefined) => Promise<T>,
  ): Promise<T> {
    const claim = await this.claim(userId, phoneNumber);
    try {
      return await attempt(claim);
    } catch (error) {
      if (claim && error instanceof UnsettledWrite && error.outcome === 'notApplied' && error.confirmation) {
        await this.free(userId, phoneNumber, this.phoneMethods.receiptOf(error.confirmation), claim.id);
      }
      throw error;
    }
  }

  /**
   * Claims `phoneNumber` for `userId`: the won claim, or undefined when another user holds the number.
   * Uncontended, one create. Throws a GraphError (503, ...) when storage fails.
   */
  async claim(userId: string, phoneNumber: string): Promise<WonClaim | undefined> {
    const id = smsNumberKey(phoneNumber);
    const leaseId = newWriteId();
    const { answer } = await this.claims.change<WonClaim | undefined>(
      id,
      async (current) => {
        const now = this.now().getTime();
        const until = now + this.timing.leaseMs;
        const lease = { id: leaseId, until: new Date(until).toISOString() };
        const won = { answer: { phoneNumber, id: leaseId, until } };
        if (!current) return { ...won, write: { id, ownerUserId: userId, leases: [lease] } };
        const leases = this.leasesOf(current.doc);
        const live = leases.filter((held) => !this.ended(held, now));
        if (current.doc.ownerUserId === userId)
          return { ...won, write: { id, ownerUserId: userId, leases: [...live, lease] } };
        if (live.length > 0) return { answer: undefined };
        if (await this.ownerShowsReady(current, id)) return { answer: undefined };
        return { ...won, write: { id, ownerUserId: userId, leases: [lease] } };
      },
      {
        writeId: leaseId,
        // Most numbers are unclaimed: try the create first, read only when it meets a claim.
        from: { version: undefined },
        contended: 'Too many concurrent claims of this phone number. Retry the request.',
      },
    );
    return answer;
  }

  /**
   * After `receipt`'s write (U's document no longer showing the number `ready`): deletes the number's
   * claim when U owns it and no lease of it can still make U's document `ready` (rules (a)-(c) above).
   * Best effort: a claim left behind is taken over once its leases ended.
   */
  async free(userId: string, phoneNumber: string, receipt: UserReceipt<PhoneAuthenticationMethod>, ownLease?: string) {
    const id = smsNumberKey(phoneNumber);
    if (showsReady(receipt.items, id)) return;
    try {
      await this.claims.change(id, (current) => {
        if (!current || current.doc.ownerUserId !== userId) return { answer: undefined };
        const done = this.leasesOf(current.doc).every(
          (lease) =>
            receipt.priorWriteIds.has(lease.id) ||
            lease.id === ownLease ||
            Date.parse(lease.until) + this.timing.clockSkewMs <= receipt.sentAt,
        );
        return done ? { remove: true, answer: undefined } : { answer: undefined };
      });
    } catch {
      // Best effort: storage is failing; the claim is taken over once its leases ended.
    }
  }

  private ended(lease: Lease, now: number): boolean {
    const until = Date.parse(lease.until);
    return !Number.isFinite(until) || until + this.timing.clockSkewMs <= now;
  }

  /** Whether another user's document, confirmed latest by a conditional write, shows the number `ready`. */
  private async ownerShowsReady(claim: Version<ClaimDocument>, id: string): Promise<boolean> {
    return showsReady((await this.phoneMethods.confirm(claim.doc.ownerUserId)).items, id);
  }

  private leasesOf(claim: ClaimDocument): Lease[] {
    if (claim.leases) return claim.leases;
    const lease = (id: string, at: string) => {
      const until = Date.parse(at) + this.timing.leaseMs;
      return { id, until: new Date(Number.isFinite(until) ? until : 0).toISOString() };
    };
    if (claim.holders) return claim.holders.map((holder) => lease(holder.id, holder.at));
    return claim.claimedAt ? [lease('', claim.claimedAt)] : [];
  }
}

function contentOf(claim: ClaimDocument): ClaimDocument {
  const { id, ownerUserId, leases, holders, claimedAt } = claim;
  return {
    id,
    ownerUserId,
    ...(leases ? { leases } : {}),
    ...(holders ? { holders } : {}),
    ...(claimedAt ? { claimedAt } : {}),
  };
}
