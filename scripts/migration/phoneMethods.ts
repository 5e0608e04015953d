import { migrationContended } from '../../shared/http/graphErrors';
import {
  PHONE_AUTHENTICATION_METHOD_TYPE,
  PHONE_TYPE_ORDER,
  type AuthenticationPhoneType,
  type PhoneAuthenticationMethod,
  type SmsSignInState,
} from '../../shared/models/phoneAuthenticationMethod';
import type { Services } from '../../shared/services';
import { phoneMethodStores } from '../../shared/storage/phoneMethods';
import type { WonClaim } from '../../shared/storage/smsSignInNumbers';
import { foldEachUser, resourceOf, type StoredDocument } from './legacyDocuments';
import type { ContainerRun } from './report';

const RETRY = Symbol('retry');
/** A user whose mobile vanished between the pre-check and the fold starts over this often. */
const MAX_ROUNDS = 5;

const isLegacyPhoneMethod = (doc: StoredDocument) =>
  doc['@odata.type'] === `#${PHONE_AUTHENTICATION_METHOD_TYPE}` &&
  PHONE_TYPE_ORDER.includes(doc.phoneType as AuthenticationPhoneType) &&
  typeof doc.phoneNumber === 'string' &&
  typeof doc.smsSignInState === 'string';

/**
 * Folds each user's first-release phone methods into the user's document, by type; a `ready` mobile
 * claims its number first when the policy is on.
 */
export async function migratePhoneMethods(services: Services, run: ContainerRun): Promise<void> {
  const policy = services.config.smsSignInEnabled;
  const { methods: methodStore, numbers } = phoneMethodStores(
    services.containers,
    () => services.now(),
    services.storageTiming,
  );
  const methodCounts = run.report.phoneMethods;
  await foldEachUser(services.containers.phoneMethods, isLegacyPhoneMethod, run, methodCounts, async (userId, docs) => {
    // One per type (the fixed ids make two of a type impossible; a mismatched id is caught here).
    const items: PhoneAuthenticationMethod[] = [];
    let duplicates = 0;
    for (const method of docs.map((doc) => resourceOf<PhoneAuthenticationMethod>(doc))) {
      if (items.some((item) => item.phoneType === method.phoneType)) duplicates += 1;
      else items.push(method);
    }
    const legacyMobile = items.find((item) => item.phoneType === 'mobile');
    const claims = policy && legacyMobile?.smsSignInState === 'ready';

    type Folded = {
      added: PhoneAuthenticationMethod[];
      skipped: number;
      orphan: boolean;
      result: PhoneAuthenticationMethod[];
    };
    /** Folds the items; `mobileState` gives the migrated mobile's state (RETRY: it needs a claim it has not got). */
    const fold = (
      current: PhoneAuthenticationMethod[],
      mobileState: () => SmsSignInState | typeof RETRY,
    ): Folded | typeof RETRY => {
      const present = new Set(current.map((method) => method.phoneType));
      const added: PhoneAuthenticationMethod[] = [];
      for (const item of items) {
        if (present.has(item.phoneType)) continue;
        if (item.phoneType === 'mobile') {
          const state = mobileState();
          if (state === RETRY) return RETRY;
          added.push({ ...item, smsSignInState: state });
        } else {
          added.push(item);
        }
      }
      const result = [...current, ...added];
      const types = new Set(result.map((method) => method.phoneType));
      return {
        added,
        skipped: items.length - added.length + duplicates,
        orphan: types.has('alternateMobile') && !types.has('mobile'),
        result,
      };
    };
    const write = (mobileState: () => SmsSignInState | typeof RETRY, claim?: WonClaim) =>
      methodStore.update<Folded | typeof RETRY>(
        userId,
        (current) => {
          const folded = fold(current, mobileState);
          if (folded === RETRY || folded.added.length === 0) return { answer: folded };
          return { items: folded.result, answer: folded };
        },
        // The write that may make the mobile `ready` carries the claim's lease id and keeps inside the lease.
        claim ? { writeId: claim.id, sendBy: numbers.sendBy(claim) } : {},
      );
    /** The migrated mobile's state without a claim: a `ready` one needs a claim, which only a policy-on run makes. */
    const withoutClaim = (): SmsSignInState => {
      const stored = legacyMobile?.smsSignInState ?? 'notEnabled';
      return stored === 'ready' && !policy ? 'notEnabled' : stored;
    };

    let outcome: Folded | typeof RETRY = RETRY;
    if (run.dryRun) {
      outcome = fold(await methodStore.read(userId), withoutClaim);
    } else if (!claims || !legacyMobile) {
      outcome = await write(withoutClaim);
    } else {
      const phoneNumber = legacyMobile.phoneNumber;
      for (let round = 1; round <= MAX_ROUNDS && outcome === RETRY; round += 1) {
        // A user who already has a mobile keeps it, without touching the number's claim.
        const hasMobile = (await methodStore.read(userId)).some((method) => method.phoneType === 'mobile');
        outcome = hasMobile
          ? await write(() => RETRY)
          : await numbers.withClaim(userId, phoneNumber, (claim) => write(() => numbers.stateFor(claim), claim));
      }
    }
    if (outcome === RETRY) throw migrationContended();

    methodCounts.migrated += outcome.added.length;
    methodCounts.skipped += outcome.skipped;
    if (outcome.orphan) methodCounts.alternateMobileWithoutMobile += 1;
    for (const method of outcome.added) {
      if (method.phoneType !== 'mobile') continue;
      const state = run.dryRun && claims ? 'toClaim' : method.smsSignInState;
      methodCounts.mobiles[state] = (methodCounts.mobiles[state] ?? 0) + 1;
    }
  });
}
