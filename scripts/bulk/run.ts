import { BatchFailure, headerOf, retryAfterMs, type BatchClient, type ItemAnswer } from './batchClient';
import { compareStoredNumber, type Journal } from './journal';
import type { Row } from './rows';

/**
 * The bulk run: rows not yet in the journal go out as batches of 20 creates, at most `concurrency`
 * batches at a time. Each row ends as added, already present (a refused create whose type the user
 * holds with the row's number), a conflict (the type held with another number: nothing is
 * overwritten), unconfirmed (the type held with a number this token reads masked and that agrees where
 * shown: only a token that reads numbers whole can tell), refused (with the reason), or, when it was
 * throttled more than `maxAttempts` times or the run stopped, not done (a re-run resumes it).
 */

export const BATCH_SIZE = 20;

export interface Issue {
  line: number;
  reason: string;
}

export interface Summary {
  /** Rows in the file (well-formed ones). */
  total: number;
  /** Rows an earlier run already recorded as present. */
  skipped: number;
  added: number;
  present: number;
  conflicts: Issue[];
  /** Rows whose type the user holds with a masked number that agrees where shown: not recorded. */
  unconfirmed: Issue[];
  refused: Issue[];
  /** Rows waiting for their Retry-After right now. */
  retrying: number;
  /** Lines of rows neither done nor refused when the run ended. */
  notDone: number[];
  /** Why the run stopped before every row was tried (a refused token, an endpoint that does not answer, a signal). */
  stopReason?: string;
}

export interface RunOptions {
  rows: readonly Row[];
  journal: Journal;
  client: Pick<BatchClient, 'send'>;
  /** Batches in flight at once. */
  concurrency: number;
  /** Tries per row before it is left for a re-run. */
  maxAttempts: number;
  /** Called whenever the counts change. */
  onProgress(summary: Summary): void;
  /** True once the run should stop taking new batches (a signal). */
  interrupted(): boolean;
}

interface Pending {
  row: Row;
  attempts: number;
  notBefore: number;
}

/** A create answered 400 or 409, to be checked against the user's stored methods. */
interface Refusal {
  pending: Pending;
  answer: ItemAnswer;
}

/** A service's error as a reason: status, code and message, with anything like a phone number left out. */
export function reasonOf(answer: ItemAnswer): string {
  const code = answer.body?.error?.code ?? 'error';
  const message = (answer.body?.error?.message ?? '').replace(/\+?\d[\d\s().-]{4,}\d/g, '…');
  return `${answer.status} ${code}${message ? `: ${message}` : ''}`;
}

const backoffMs = (attempts: number) => Math.min(30_000, 1000 * 2 ** attempts);
const methodsUrl = (row: Row) => `/users/${encodeURIComponent(row.user)}/authentication/phoneMethods`;

export async function runBulk(options: RunOptions): Promise<Summary> {
  const { journal, client } = options;
  const todo = options.rows.filter((row) => !journal.isDone(row));
  const summary: Summary = {
    total: options.rows.length,
    skipped: options.rows.length - todo.length,
    added: 0,
    present: 0,
    conflicts: [],
    unconfirmed: [],
    refused: [],
    retrying: 0,
    notDone: [],
  };
  let queue: Pending[] = todo.map((row) => ({ row, attempts: 0, notBefore: 0 }));
  const givenUp: number[] = [];
  let inFlight = 0;
  let wake: (() => void) | undefined;
  const changed = () => {
    summary.retrying = queue.filter((pending) => pending.attempts > 0).length;
    options.onProgress(summary);
    wake?.();
  };

  const retry = (pending: Pending, afterMs: number | undefined) => {
    pending.attempts += 1;
    if (pending.attempts >= options.maxAttempts) givenUp.push(pending.row.line);
    else queue.push({ ...pending, notBefore: Date.now() + (afterMs ?? backoffMs(pending.attempts)) });
  };
  const stop = (reason: string, pendings: readonly Pending[]) => {
    summary.stopReason ??= reason;
    queue.push(...pendings);
  };

  const settle = (pending: Pending, answer: ItemAnswer | undefined, refusals: Refusal[]) => {
    if (!answer) return retry(pending, undefined);
    if (answer.status === 201) return (summary.added += 1);
    // This service answers 409 for a type the user already has; another endpoint may say 400.
    if (answer.status === 409 || answer.status === 400) return refusals.push({ pending, answer });
    if (answer.status === 429 || answer.status >= 500)
      return retry(pending, retryAfterMs(headerOf(answer, 'Retry-After')));
    if (answer.status === 401) return stop('the token was refused (401): get a new one', [pending]);
    summary.refused.push({ line: pending.row.line, reason: reasonOf(answer) });
  };

  /**
   * A create refused with 409 or 400: the user's methods are read. One of the row's type with the row's
   * number is already present; with another number it is a conflict; with a masked number that agrees
   * where shown it is unconfirmed (and not recorded, so a re-run checks it again); without one, the
   * refusal stands.
   */
  const check = async (refusals: Refusal[]) => {
    let answers: Map<string, ItemAnswer>;
    try {
      answers = await client.send(
        refusals.map(({ pending: { row } }) => ({ id: `check-${row.line}`, method: 'GET', url: methodsUrl(row) })),
      );
    } catch (error) {
      for (const { pending } of refusals) retry(pending, (error as BatchFailure).retryAfterMs);
      return;
    }
    const present: Pending[] = [];
    for (const { pending, answer: refusal } of refusals) {
      const answer = answers.get(`check-${pending.row.line}`);
      if (answer?.status !== 200) {
        // The user's methods cannot be read (throttled, no such user...): the create's own answer stands.
        if (answer && (answer.status === 429 || answer.status >= 500))
          retry(pending, retryAfterMs(headerOf(answer, 'Retry-After')));
        else summary.refused.push({ line: pending.row.line, reason: reasonOf(refusal) });
        continue;
      }
      const stored = answer.body?.value?.find((method) => method.phoneType === pending.row.phoneType);
      const { line, phoneType } = pending.row;
      const comparison = stored?.phoneNumber
        ? compareStoredNumber(stored.phoneNumber, pending.row.phoneNumber)
        : undefined;
      if (comparison === 'same') present.push(pending);
      else if (comparison === 'agreesWhereShown')
        summary.unconfirmed.push({
          line,
          reason:
            `the user has a ${phoneType} method whose number this token reads masked; it agrees where shown, ` +
            'which does not make it the same (a token that reads numbers whole can confirm it)',
        });
      else if (stored)
        summary.conflicts.push({
          line,
          reason: `the user already has a ${phoneType} method with another number (nothing was changed)`,
        });
      else summary.refused.push({ line, reason: reasonOf(refusal) });
    }
    summary.present += present.length;
    journal.record(present.map(({ row }) => ({ row, outcome: 'present' })));
  };

  const send = async (batch: Pending[]) => {
    let answers: Map<string, ItemAnswer>;
    try {
      answers = await client.send(
        batch.map(({ row }) => ({
          id: String(row.line),
          method: 'POST',
          url: methodsUrl(row),
          body: { phoneNumber: row.phoneNumber, phoneType: row.phoneType },
        })),
      );
    } catch (error) {
      const failure = error instanceof BatchFailure ? error : new BatchFailure(String(error));
      if (failure.retryAfterMs === undefined) stop(failure.message, batch);
      else for (const pending of batch) retry(pending, failure.retryAfterMs);
      return;
    }
    const refusals: Refusal[] = [];
    const added: Pending[] = [];
    for (const pending of batch) {
      const answer = answers.get(String(pending.row.line));
      if (answer?.status === 201) added.push(pending);
      settle(pending, answer, refusals);
    }
    journal.record(added.map(({ row }) => ({ row, outcome: 'added' })));
    if (refusals.length > 0) await check(refusals);
  };

  for (;;) {
    if (options.interrupted()) summary.stopReason ??= 'interrupted';
    const now = Date.now();
    if (summary.stopReason === undefined && inFlight < options.concurrency) {
      const ready = queue.filter((pending) => pending.notBefore <= now).slice(0, BATCH_SIZE);
      if (ready.length > 0) {
        queue = queue.filter((pending) => !ready.includes(pending));
        inFlight += 1;
        void send(ready).finally(() => {
          inFlight -= 1;
          changed();
        });
        continue;
      }
    }
    if (inFlight === 0 && (queue.length === 0 || summary.stopReason !== undefined)) break;
    const next = summary.stopReason === undefined ? Math.min(...queue.map((p) => p.notBefore)) - now : Infinity;
    await new Promise<void>((resolve) => {
      // At most half a second, so a signal is noticed while rows wait for their Retry-After.
      const timer = setTimeout(resolve, Math.min(Math.max(next, 10), 500));
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    wake = undefined;
  }
  summary.notDone = [...queue.map((pending) => pending.row.line), ...givenUp].sort((a, b) => a - b);
  summary.retrying = 0;
  options.onProgress(summary);
  return summary;
}
