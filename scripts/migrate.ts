import { parseArgs } from 'node:util';
import type { Container } from '@azure/cosmos';
import { getConfig } from '../shared/config';
import { GraphError } from '../shared/http/graphErrors';
import { ITEM_PHONE_TYPE, type ItemPhone } from '../shared/models/itemPhone';
import {
  PHONE_AUTHENTICATION_METHOD_TYPE,
  PHONE_TYPE_ORDER,
  type AuthenticationPhoneType,
  type PhoneAuthenticationMethod,
  type SmsSignInState,
} from '../shared/models/phoneAuthenticationMethod';
import { createServices, type Services } from '../shared/services';
import { storageStatus, withinDeadline } from '../shared/storage/cosmos';
import { phoneMethodStores } from '../shared/storage/phoneMethods';
import type { WonClaim } from '../shared/storage/smsSignInNumbers';
import { profilePhoneStore } from '../shared/storage/profilePhones';

/**
 * `npm run migrate [-- --dry-run]`: moves the first release's data (one document per profile phone and
 * per phone method, `{ ...resource, userId }`) into this release's per-user documents.
 *
 * Every first-release document is found with a ReadFeed of each container (no query: the indexing
 * policy excludes every path). For each user, the user's first-release items are folded into the user's
 * document with one read-decide-conditional-replace (`UserDocuments.update`), exactly as a request of
 * the app writes it; an item the user document already has (same id; for phone methods, same type) is
 * kept as it is. Only then are the first-release documents deleted (If-Match on the etag read; a 404
 * counts as gone). A mobile stored `ready` goes through the app's number-claim protocol when SMS
 * sign-in is on (so at most one user ends `ready` per number, the others `phoneNumberNotUnique`) and
 * is stored `notEnabled` when it is off. So the run is safe while the app serves traffic, and running it
 * again (after an interruption, or to check) folds nothing twice and only deletes what is left.
 *
 * It prints counts only, never a number, a name or a user id.
 */

/** What one container's run did (or, in a dry run, would do). */
export interface ContainerCounts {
  /** Users with first-release documents. */
  users: number;
  /** Items added to a user document. */
  migrated: number;
  /** First-release items the user document already had: kept as stored there. */
  skipped: number;
  /** First-release documents deleted (or found already gone). */
  deleted: number;
  /** First-release documents changed since they were read: left for a later run. */
  changed: number;
  /** Users whose migration failed (storage errors, a claim that took too long): left for a later run. */
  failedUsers: number;
}

export interface MigrationReport {
  dryRun: boolean;
  /** Documents that are neither a user document nor a first-release item: left alone. */
  unrecognized: number;
  profilePhones: ContainerCounts & {
    /** Users left with more profile phones than MAX_PROFILE_PHONES_PER_USER (all migrated). */
    usersOverQuota: number;
  };
  phoneMethods: ContainerCounts & {
    /** Migrated mobiles by the SMS sign-in state they were stored with (a dry run: as first stored). */
    mobiles: Partial<Record<SmsSignInState | 'toClaim', number>>;
    /** Users left with an alternateMobile but no mobile (migrated as the data was). */
    alternateMobileWithoutMobile: number;
  };
  /** Failures by kind (status and code), for the failed users. */
  failures: Record<string, number>;
}

export interface MigrationOptions {
  dryRun?: boolean;
  /** Users migrated at once (default 4). */
  concurrency?: number;
  /** Only documents of these users (tests: the test server is shared). Without it, every user. */
  onlyUsers?: ReadonlySet<string>;
}

/** A document as stored: the resource's properties, the partition key, Cosmos's system properties. */
type StoredDocument = Record<string, unknown> & { id: string; userId: string; _etag?: string };

const SYSTEM_PROPERTY = /^_/;
const RETRY = Symbol('retry');
/** A user whose mobile vanished between the pre-check and the fold starts over this often. */
const MAX_ROUNDS = 5;

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

const isLegacyProfilePhone = (doc: StoredDocument) =>
  doc['@odata.type'] === `#${ITEM_PHONE_TYPE}` &&
  typeof doc.number === 'string' &&
  typeof doc.createdDateTime === 'string';

const isLegacyPhoneMethod = (doc: StoredDocument) =>
  doc['@odata.type'] === `#${PHONE_AUTHENTICATION_METHOD_TYPE}` &&
  PHONE_TYPE_ORDER.includes(doc.phoneType as AuthenticationPhoneType) &&
  typeof doc.phoneNumber === 'string' &&
  typeof doc.smsSignInState === 'string';

/** The resource as first stored: without the partition key and Cosmos's system properties. */
function resourceOf<Item>(doc: StoredDocument): Item {
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

function failureKind(error: unknown): string {
  if (error instanceof GraphError) return `${error.status} ${error.code}`;
  const status = storageStatus(error);
  if (status !== undefined) return `storage ${status}`;
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : 'unknown';
}

function emptyCounts(): ContainerCounts {
  return { users: 0, migrated: 0, skipped: 0, deleted: 0, changed: 0, failedUsers: 0 };
}

/** Migrates (or, with dryRun, only counts) every first-release document; see the top of this file. */
export async function migrate(services: Services, options: MigrationOptions = {}): Promise<MigrationReport> {
  const dryRun = options.dryRun ?? false;
  const concurrency = options.concurrency ?? 4;
  const policy = services.config.smsSignInEnabled;
  const report: MigrationReport = {
    dryRun,
    unrecognized: 0,
    profilePhones: { ...emptyCounts(), usersOverQuota: 0 },
    phoneMethods: { ...emptyCounts(), mobiles: {}, alternateMobileWithoutMobile: 0 },
    failures: {},
  };
  const fail = (counts: ContainerCounts, error: unknown) => {
    counts.failedUsers += 1;
    const kind = failureKind(error);
    report.failures[kind] = (report.failures[kind] ?? 0) + 1;
  };

  // Profile phones: fold by id.
  const phones = profilePhoneStore(services.containers);
  const legacyPhones = await readLegacy(services.containers.profilePhones, isLegacyProfilePhone, options.onlyUsers);
  report.unrecognized += legacyPhones.unrecognized;
  const phoneCounts = report.profilePhones;
  phoneCounts.users = legacyPhones.byUser.size;
  await forEachLimited([...legacyPhones.byUser], concurrency, async ([userId, docs]) => {
    try {
      const items = docs.map((doc) => resourceOf<ItemPhone>(doc));
      const fold = (current: ItemPhone[]) => {
        const present = new Set(current.map((phone) => phone.id));
        const added = items.filter((item) => !present.has(item.id));
        const result = [...current, ...added];
        return {
          added,
          skipped: items.length - added.length,
          overQuota: result.length > services.config.maxProfilePhonesPerUser,
          result,
        };
      };
      const outcome = dryRun
        ? fold(await phones.read(userId))
        : await phones.update(userId, (current) => {
            const folded = fold(current);
            return folded.added.length > 0 ? { items: folded.result, answer: folded } : { answer: folded };
          });
      phoneCounts.migrated += outcome.added.length;
      phoneCounts.skipped += outcome.skipped;
      if (outcome.overQuota) phoneCounts.usersOverQuota += 1;
      if (dryRun) phoneCounts.deleted += docs.length;
      else await deleteLegacy(services.containers.profilePhones, docs, phoneCounts);
    } catch (error) {
      fail(phoneCounts, error);
    }
  });

  // Phone methods: fold by type; a `ready` mobile claims its number first when the policy is on.
  const { methods: methodStore, numbers } = phoneMethodStores(
    services.containers,
    () => services.now(),
    services.storageTiming,
  );
  const legacyMethods = await readLegacy(services.containers.phoneMethods, isLegacyPhoneMethod, options.onlyUsers);
  report.unrecognized += legacyMethods.unrecognized;
  const methodCounts = report.phoneMethods;
  methodCounts.users = legacyMethods.byUser.size;
  await forEachLimited([...legacyMethods.byUser], concurrency, async ([userId, docs]) => {
    try {
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
      if (dryRun) {
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
      if (outcome === RETRY)
        throw new GraphError(503, 'serviceNotAvailable', 'The mobile changed repeatedly during the migration.');

      methodCounts.migrated += outcome.added.length;
      methodCounts.skipped += outcome.skipped;
      if (outcome.orphan) methodCounts.alternateMobileWithoutMobile += 1;
      for (const method of outcome.added) {
        if (method.phoneType !== 'mobile') continue;
        const state = dryRun && claims ? 'toClaim' : method.smsSignInState;
        methodCounts.mobiles[state] = (methodCounts.mobiles[state] ?? 0) + 1;
      }
      if (dryRun) methodCounts.deleted += docs.length;
      else await deleteLegacy(services.containers.phoneMethods, docs, methodCounts);
    } catch (error) {
      fail(methodCounts, error);
    }
  });

  return report;
}

/** The report as printed: counts only. */
export function formatReport(report: MigrationReport): string {
  const will = (done: string, todo: string) => (report.dryRun ? todo : done);
  const line = (name: string, counts: ContainerCounts) =>
    `${name}: ${counts.users} users, ${counts.migrated} items ${will('migrated', 'to migrate')}, ` +
    `${counts.skipped} skipped (already in the user document), ${counts.deleted} first-release documents ${will('deleted', 'to delete')}` +
    (counts.changed > 0 ? `, ${counts.changed} changed since read (left for a re-run)` : '') +
    (counts.failedUsers > 0 ? `, ${counts.failedUsers} users failed (left for a re-run)` : '');
  const mobiles = Object.entries(report.phoneMethods.mobiles).map(([state, count]) => `${count} ${state}`);
  const lines = [
    report.dryRun ? 'Dry run: nothing was written.' : 'Migration finished.',
    line('profilePhones', report.profilePhones),
    `  users over MAX_PROFILE_PHONES_PER_USER (all their phones migrated): ${report.profilePhones.usersOverQuota}`,
    line('phoneMethods', report.phoneMethods),
    `  mobiles migrated by SMS sign-in state: ${mobiles.length > 0 ? mobiles.join(', ') : 'none'}`,
    `  users with an alternateMobile but no mobile (migrated as they were): ${report.phoneMethods.alternateMobileWithoutMobile}`,
    `documents neither first-release items nor user documents (left alone): ${report.unrecognized}`,
  ];
  const failures = Object.entries(report.failures);
  if (failures.length > 0)
    lines.push(`failures by kind: ${failures.map(([kind, count]) => `${kind}: ${count}`).join(', ')}`);
  return lines.join('\n');
}

const USAGE = `Usage: npm run migrate [-- --dry-run] [-- --concurrency <n>]
  Moves the first release's profile phones and phone methods into this release's per-user documents.
  Reads the app's configuration from the environment (COSMOS_ENDPOINT, COSMOS_KEY for an emulator,
  else the managed identity / Azure CLI login; SMS_SIGN_IN_ENABLED; MAX_PROFILE_PHONES_PER_USER; ...).
  --dry-run          count what it would do; write nothing
  --concurrency <n>  users migrated at once (1..64, default 4)`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    strict: true,
    options: { 'dry-run': { type: 'boolean' }, concurrency: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const concurrency = values.concurrency === undefined ? 4 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    console.error('--concurrency must be an integer from 1 to 64.');
    return 2;
  }
  const services = createServices(getConfig());
  try {
    const report = await migrate(services, { dryRun: values['dry-run'] ?? false, concurrency });
    console.log(formatReport(report));
    const incomplete =
      report.profilePhones.failedUsers +
      report.phoneMethods.failedUsers +
      report.profilePhones.changed +
      report.phoneMethods.changed;
    return incomplete > 0 ? 1 : 0;
  } finally {
    services.dispose();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      // The kind only: a storage error's message could quote a document.
      console.error(
        `Migration failed: ${failureKind(error)}${error instanceof Error && error.name === 'ConfigError' ? `: ${error.message}` : ''}`,
      );
      process.exit(2);
    },
  );
}
