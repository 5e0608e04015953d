import { parseArgs } from 'node:util';
import { isLoopbackHost } from '../../shared/config';

export const USAGE = `Usage: npm run bulk-phones -- FILE.csv [options]
  FILE.csv             rows of: user principal name or object id, phone type (mobile, alternateMobile,
                       office), phone number; a header row is allowed
  --base <url>         the Graph base URL, version included (default http://127.0.0.1:$PORT/beta, the
                       local server; e.g. https://graph.microsoft.com/v1.0)
  --token <token>      the bearer token (better: the GRAPH_TOKEN environment variable, which no process
                       list shows). Against the local server without one, the development issuer's
                       Privileged Authentication Administrator token is used. A token that reads other
                       users' numbers masked (an Authentication Administrator's) leaves rows whose
                       method type is held unconfirmed
  --journal <file>     what is done, for resuming (default FILE.csv.journal)
  --concurrency <n>    batches of 20 in flight at once, 1-10 (default 4)
  --max-attempts <n>   tries per row while throttled, 1-50 (default 8)
  --dry-run            check the file and the journal, send nothing`;

export interface BulkArgs {
  file: string;
  base: string;
  token?: string;
  journal: string;
  concurrency: number;
  maxAttempts: number;
  dryRun: boolean;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

function intIn(value: string | undefined, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max)
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}.`);
  return number;
}

export function parseBulkArgs(args: string[], env: NodeJS.ProcessEnv): BulkArgs | 'help' {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      base: { type: 'string' },
      token: { type: 'string' },
      journal: { type: 'string' },
      concurrency: { type: 'string' },
      'max-attempts': { type: 'string' },
      'dry-run': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  if (positionals.length !== 1) throw new UsageError('Give exactly one CSV file.');
  const file = positionals[0]!;
  const base = values.base ?? `http://127.0.0.1:${env.PORT || 7071}/beta`;
  if (!URL.canParse(base) || !/^https?:$/.test(new URL(base).protocol))
    throw new UsageError(`--base must be an http(s) URL, got '${base}'.`);
  // The token goes in every request: never in clear text off this machine.
  if (new URL(base).protocol === 'http:' && !isLoopbackHost(new URL(base).hostname))
    throw new UsageError(`--base must be https unless it is this machine (localhost, 127.0.0.1), got '${base}'.`);
  return {
    file,
    base,
    token: values.token ?? (env.GRAPH_TOKEN || undefined),
    journal: values.journal ?? `${file}.journal`,
    concurrency: intIn(values.concurrency, 'concurrency', 1, 10, 4),
    maxAttempts: intIn(values['max-attempts'], 'max-attempts', 1, 50, 8),
    dryRun: values['dry-run'] ?? false,
  };
}
