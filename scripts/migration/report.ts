import type { SmsSignInState } from '../../shared/models/phoneAuthenticationMethod';

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

/** What a container's migration is given: the run's options, its report, and how to count a failed user. */
export interface ContainerRun {
  options: MigrationOptions;
  dryRun: boolean;
  concurrency: number;
  report: MigrationReport;
  fail: (counts: ContainerCounts, error: unknown) => void;
}

/** Zero counts for one container. */
export function emptyCounts(): ContainerCounts {
  return { users: 0, migrated: 0, skipped: 0, deleted: 0, changed: 0, failedUsers: 0 };
}
