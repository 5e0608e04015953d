import { Agent } from 'node:https';
import { CosmosClient, type Container } from '@azure/cosmos';
import { DefaultAzureCredential } from '@azure/identity';
import type { Config } from '../config';
import { generalException, serviceNotAvailable, tooManyRequests, type GraphError } from '../http/graphErrors';
import { DEFAULT_STORAGE_TIMING } from './timing';

/** Per-attempt time limit for a storage request, so a stalled connection cannot hold a request open. */
const STORAGE_REQUEST_TIMEOUT_MS = 5_000;
/** How often and how long the SDK retries a throttled (429) request before we answer 429 ourselves. */
const STORAGE_THROTTLE_RETRIES = { maxRetryAttemptCount: 3, maxWaitTimeInSeconds: 5 };
/**
 * Time limit for one storage operation, retries included. requestTimeout bounds one attempt only,
 * and the SDK retries a timed-out read up to 10 times: without this, a stalled read held a request
 * open for 50 seconds.
 */
export const STORAGE_OPERATION_DEADLINE_MS = DEFAULT_STORAGE_TIMING.operationDeadlineMs;

/**
 * Runs one storage operation under a fresh overall deadline, passed to it as request options. The
 * timer is cleared as soon as the operation settles: a signal that outlives its operation would
 * still fire seconds later, build its TimeoutError and call the SDK's listeners, for every storage
 * call ever made. Past the deadline the signal aborts with a TimeoutError, as `AbortSignal.timeout`'s does.
 */
export async function withinDeadline<T>(
  operation: (options: { abortSignal: AbortSignal }) => Promise<T>,
  deadlineMs = STORAGE_OPERATION_DEADLINE_MS,
): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('The storage operation took too long.', 'TimeoutError')),
    deadlineMs,
  );
  try {
    return await operation({ abortSignal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}

export interface Containers {
  phoneMethods: Container;
  profilePhones: Container;
  /** One document per phone number that is `ready` for SMS sign-in, partitioned by `/id` (the number). */
  smsSignInNumbers: Container;
}

/**
 * Builds a Cosmos client: with the managed identity (DefaultAzureCredential) in Azure, with a key
 * only for a local emulator. TLS verification is relaxed only for a key-authenticated loopback
 * endpoint, whose certificate is self-signed.
 */
export function createCosmosClient(cosmos: Config['cosmos']): CosmosClient {
  return new CosmosClient({
    endpoint: cosmos.endpoint,
    ...(cosmos.key ? { key: cosmos.key } : { aadCredentials: new DefaultAzureCredential() }),
    ...(cosmos.allowSelfSignedCertificate ? { agent: new Agent({ rejectUnauthorized: false, keepAlive: true }) } : {}),
    connectionPolicy: {
      requestTimeout: STORAGE_REQUEST_TIMEOUT_MS,
      retryOptions: STORAGE_THROTTLE_RETRIES,
    },
    userAgentSuffix: 'graph-phones',
  });
}

export function containersOf(client: CosmosClient, cosmos: Config['cosmos']): Containers {
  const database = client.database(cosmos.database);
  return {
    phoneMethods: database.container(cosmos.phoneMethodsContainer),
    profilePhones: database.container(cosmos.profilePhonesContainer),
    smsSignInNumbers: database.container(cosmos.smsSignInNumbersContainer),
  };
}

/** The status code of a Cosmos SDK error, if it is one. */
export function storageStatus(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

/** Maps a storage failure that is not a domain outcome (conflict, not found) to Graph's status. */
export function storageFailure(error: unknown): GraphError {
  const status = storageStatus(error);
  if (status === 429) {
    const retryAfterMs = Number((error as { retryAfterInMs?: unknown }).retryAfterInMs);
    return tooManyRequests(Math.max(1, Math.ceil((Number.isFinite(retryAfterMs) ? retryAfterMs : 1000) / 1000)), error);
  }
  const code = (error as { code?: unknown } | null)?.code;
  const name = (error as { name?: unknown } | null)?.name;
  if (
    status === 408 ||
    (status !== undefined && status >= 500) ||
    name === 'TimeoutError' ||
    name === 'AbortError' ||
    (typeof code === 'string' && TRANSIENT_NETWORK_CODES.has(code))
  ) {
    return serviceNotAvailable('The storage service is unavailable. Retry the request later.', 5, error);
  }
  // A refusal such as 401/403 (the data-plane role missing) is a misconfiguration, not an outage.
  return generalException(error);
}

/**
 * True when a failed write may nevertheless have been applied: storage gave no answer (reset, timeout,
 * deadline) or one that does not say (408, 5xx). A 4xx such as 409 or 429 is a definite refusal.
 */
export function isAmbiguousWriteFailure(error: unknown): boolean {
  const status = storageStatus(error);
  return status === undefined || status === 408 || status >= 500;
}
