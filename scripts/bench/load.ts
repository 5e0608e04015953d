import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';

/**
 * The load generator, run in its own process so that it does not share the event loop (and, on a
 * 2-core machine, the core) with the servers it measures. Reads a LoadJob as JSON on stdin, prints a
 * LoadResult as JSON on stdout. Tokens travel over the pipe only, never on a command line or in a log.
 */

export type LoadKind = 'bare' | 'storageOnly' | 'phoneMethods' | 'profilePhones';

export interface LoadJob {
  kind: LoadKind;
  /** Server origin, e.g. http://127.0.0.1:7071 */
  origin: string;
  /** Path prefix before `users/...` (`/beta` for the service). */
  prefix: string;
  tokens: string[];
  connections: number;
  durationSeconds: number;
}

export interface LoadResult {
  kind: LoadKind;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** Fictitious numbers (555-01xx); distinct users so that no request is answered 409. */
const BODIES: Record<LoadKind, (n: number) => object> = {
  bare: () => ({ number: '+1 206 555 0100', type: 'mobile' }),
  storageOnly: () => ({ number: '+1 206 555 0100', type: 'mobile' }),
  profilePhones: (n) => ({ number: `+1 206 555 01${String(n % 100).padStart(2, '0')}`, type: 'mobile' }),
  phoneMethods: (n) => ({ phoneNumber: `+1 20655501${String(n % 100).padStart(2, '0')}`, phoneType: 'mobile' }),
};

const COLLECTIONS: Record<LoadKind, string> = {
  bare: 'profile/phones',
  storageOnly: 'profile/phones',
  profilePhones: 'profile/phones',
  phoneMethods: 'authentication/phoneMethods',
};

/** Profile phones spread over this many users; phone methods need a new user per request (one mobile each). */
const PROFILE_USERS = 1000;

/** Object ids unique to this run: a random first group, then the request counter. */
export function userIdFactory(): (n: number) => string {
  const run = randomBytes(4).toString('hex');
  return (n) => `${run}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

export async function runLoad(job: LoadJob): Promise<LoadResult> {
  const userId = userIdFactory();
  let counter = 0;
  const result = await autocannon({
    url: job.origin,
    connections: job.connections,
    duration: job.durationSeconds,
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          const n = counter++;
          const user = userId(job.kind === 'profilePhones' ? n % PROFILE_USERS : n);
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (job.tokens.length > 0) headers.authorization = `Bearer ${job.tokens[n % job.tokens.length]}`;
          return {
            ...request,
            path: `${job.prefix}/users/${user}/${COLLECTIONS[job.kind]}`,
            headers,
            body: JSON.stringify(BODIES[job.kind](n)),
          };
        },
      },
    ],
  });
  return {
    kind: job.kind,
    requestsPerSecond: result.requests.average,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

if (require.main === module) {
  readStdin()
    .then((text) => runLoad(JSON.parse(text) as LoadJob))
    .then((result) => process.stdout.write(JSON.stringify(result)))
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exitCode = 1;
    });
}
