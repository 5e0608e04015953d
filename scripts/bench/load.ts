import { createInterface } from 'node:readline';
import autocannon from 'autocannon';

/**
 * The load generator, run in its own process so that it does not share the event loop (and, on a
 * 2-core machine, the core) with the servers it measures. Reads LoadJobs as JSON lines on stdin and
 * prints a LoadResult as a JSON line on stdout for each. Tokens travel over the pipe only, never on
 * a command line or in a log. Bounded in count (exactly `amount` requests) and in time (autocannon's
 * per-request timeout here, the parent's deadline around each run).
 */

export interface LoadRequest {
  method: string;
  /** Full path, e.g. `/beta/users/{id}/profile/phones`. */
  path: string;
  body?: string;
}

export interface LoadJob {
  origin: string;
  /** Sent in order, one each; a consumed fixture is never sent twice. */
  requests: LoadRequest[];
  /** Sent in turn as bearer tokens (the baselines get them too, and ignore them). */
  tokens: string[];
  connections: number;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

const SAMPLE_INTERVAL_MS = 25;

async function runLoad(job: LoadJob): Promise<LoadResult> {
  let counter = 0;
  const started = process.hrtime.bigint();
  let lastAnswer = started;
  let instance: autocannon.Instance | undefined;
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: job.origin,
        connections: job.connections,
        amount: job.requests.length,
        // autocannon ends a run on its sampling tick (1 s by default): a short one ends it soon after the last answer.
        sampleInt: SAMPLE_INTERVAL_MS,
        timeout: 10,
        requests: [
          {
            setupRequest: (request) => {
              const n = counter++;
              const next = job.requests[n % job.requests.length]!;
              const headers: Record<string, string> = {};
              if (next.body !== undefined) headers['content-type'] = 'application/json';
              if (job.tokens.length > 0) headers.authorization = `Bearer ${job.tokens[n % job.tokens.length]}`;
              return { ...request, method: next.method as 'GET', path: next.path, headers, body: next.body };
            },
          },
        ],
      },
      (error: unknown, result) =>
        error
          ? reject(error instanceof Error ? error : new Error('autocannon failed', { cause: error }))
          : resolve(result),
    );
  });
  // The run's time ends at its last answer, not at the tick that reports it.
  instance!.on('response', () => {
    lastAnswer = process.hrtime.bigint();
  });
  const result = await finished;
  const seconds = Number(lastAnswer - started) / 1e9;
  return {
    requests: result.requests.total,
    seconds,
    requestsPerSecond: result.requests.total / seconds,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

if (require.main === module) {
  // One job per stdin line, one result per stdout line, one job at a time; ends with stdin.
  const lines = createInterface({ input: process.stdin });
  let queue = Promise.resolve();
  lines.on('line', (line) => {
    queue = queue
      .then(() => runLoad(JSON.parse(line) as LoadJob))
      .then((result) => {
        process.stdout.write(`${JSON.stringify(result)}\n`);
      })
      .catch((error: unknown) => {
        console.error(error instanceof Error ? error.message : String(error));
        process.exit(1);
      });
  });
}
