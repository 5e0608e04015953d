import { parseArgs } from 'node:util';
import { getConfig } from '../shared/config';
import { GraphError } from '../shared/http/graphErrors';
import { createServices, type Services } from '../shared/services';
import { storageStatus } from '../shared/storage/cosmos';
import { migratePhoneMethods } from './migration/phoneMethods';
import { migrateProfilePhones } from './migration/profilePhones';
import { emptyCounts, type ContainerCounts, type MigrationOptions, type MigrationReport } from './migration/report';

export type { MigrationReport } from './migration/report';

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

function failureKind(error: unknown): string {
  if (error instanceof GraphError) return `${error.status} ${error.code}`;
  const status = storageStatus(error);
  if (status !== undefined) return `storage ${status}`;
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : 'unknown';
}

/** Migrates (or, with dryRun, only counts) every first-release document; see the top of this file. */
export async function migrate(services: Services, options: MigrationOptions = {}): Promise<MigrationReport> {
  const dryRun = options.dryRun ?? false;
  const concurrency = options.concurrency ?? 4;
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
  const run = { options, dryRun, concurrency, report, fail };
  await migrateProfilePhones(services, run);
  await migratePhoneMethods(services, run);
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
