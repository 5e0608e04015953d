import { PRIVILEGED_AUTHENTICATION_ADMINISTRATOR } from '../shared/auth/permissions';
import { isLoopbackHost } from '../shared/config';
import { parseBulkArgs, USAGE, UsageError, type BulkArgs } from './bulk/args';
import { BatchClient } from './bulk/batchClient';
import { Journal } from './bulk/journal';
import { progressFor } from './bulk/progress';
import { reportOf } from './bulk/report';
import { readRows } from './bulk/rows';
import { runBulk } from './bulk/run';
import { requestToken } from './token';

/**
 * `npm run bulk-phones -- FILE.csv`: pre-registers phone authentication methods from a CSV file through
 * JSON batching, against this service or any Graph endpoint. Progress goes to stderr, the report to
 * stdout; neither ever shows a phone number or the token. Exit code 0 when every row is present, 1 when
 * some row needs attention or is not done (the report says which and how to resume), 2 for bad usage.
 */

async function tokenFor(args: BulkArgs): Promise<string> {
  if (args.token) return args.token;
  const base = new URL(args.base);
  if (!isLoopbackHost(base.hostname))
    throw new UsageError('Give a token for this endpoint: GRAPH_TOKEN=... (or --token).');
  // The local server's development issuer: delegated UserAuthenticationMethod.ReadWrite.All as a Privileged
  // Authentication Administrator, who reads numbers whole, so a row found present is confirmed, not guessed.
  return requestToken(new URL(base.origin), { wids: [PRIVILEGED_AUTHENTICATION_ADMINISTRATOR] });
}

async function main(argv: string[]): Promise<number> {
  const args = parseBulkArgs(argv, process.env);
  if (args === 'help') {
    console.log(USAGE);
    return 0;
  }
  const { rows, malformed } = await readRows(args.file);
  // The token first: a run that cannot start leaves no journal behind.
  const token = args.dryRun ? '' : await tokenFor(args);
  const journal = new Journal(args.journal, !args.dryRun);
  if (args.dryRun) {
    const done = rows.filter((row) => journal.isDone(row)).length;
    console.log(
      [
        `bulk-phones (dry run): ${rows.length + malformed.length} rows in ${args.file}`,
        `  to send            ${rows.length - done}`,
        `  already done       ${done} (recorded in ${args.journal})`,
        `  malformed          ${malformed.length}`,
        ...malformed.map(({ line, reason }) => `line ${line}: malformed: ${reason}`),
        `Nothing was sent. Without --dry-run the rows to send go to ${args.base}/$batch in batches of 20.`,
      ].join('\n'),
    );
    return malformed.length === 0 ? 0 : 1;
  }
  const client = new BatchClient(args.base, token);
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130); // a second signal: the journal is written per batch, so stop now
    interrupted = true;
    process.stderr.write('bulk-phones: stopping after the batches in flight (again to stop at once)\n');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = progressFor(process.stderr, rows.length);
  const summary = await runBulk({
    rows,
    journal,
    client,
    concurrency: args.concurrency,
    maxAttempts: args.maxAttempts,
    onProgress: (current) => progress.update(current),
    interrupted: () => interrupted,
  });
  progress.stop();
  console.log(reportOf(args.file, args.journal, summary, malformed));
  const clean =
    summary.notDone.length === 0 &&
    summary.conflicts.length === 0 &&
    summary.unconfirmed.length === 0 &&
    summary.refused.length === 0 &&
    malformed.length === 0;
  return clean ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof UsageError || (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
        console.error(`${(error as Error).message}\n\n${USAGE}`);
        process.exit(2);
      }
      // A message only: an error object could carry the request (and its token).
      console.error(`bulk-phones: ${error instanceof Error ? error.message : 'failed'}`);
      process.exit(1);
    },
  );
}
