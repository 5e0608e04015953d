import type { Container, ItemDefinition } from '@azure/cosmos';
import type { GraphError } from '../http/graphErrors';
import { isAmbiguousWriteFailure, storageFailure, storageStatus, withinDeadline } from './cosmos';

/** What a decision returns: the document to write (none: answer without writing) and the answer. */
export interface WriteDecision<Document, Answer> {
  write?: Document;
  answer: Answer;
}

export interface ConditionalWrite<Document extends ItemDefinition, Answer> {
  container: Container;
  /** The document's id, which is also its partition key value. */
  id: string;
  /** The current document with its etag, or undefined where there is none. */
  read: () => Promise<(Document & { _etag?: string }) | undefined>;
  /** Chooses what to write from what was read; may throw a GraphError (nothing is written then). */
  decide: (current: Document | undefined) => WriteDecision<Document, Answer> | Promise<WriteDecision<Document, Answer>>;
  /** Storage statuses that mean "someone else wrote first": read and decide again. */
  retryOn: readonly number[];
  maxAttempts: number;
  /** Waits before the next attempt after a lost race (none when absent). */
  pause?: (attempt: number) => Promise<void>;
  /** After a write whose answer was lost: whether it landed (so its answer stands). */
  landed: (written: Document) => Promise<boolean>;
  /** The error when every attempt lost a race. */
  tooManyAttempts: () => GraphError;
}

/**
 * The one read-decide-write loop of the storage layer: read the document, let `decide` choose the
 * next one, and write it only if nobody wrote in between (a replace with If-Match on the etag read,
 * or a create where there was no document); a lost race reads and decides again, and a write whose
 * answer was lost is settled by asking `landed`, so a retry never undoes another request's write.
 */
export async function conditionalWrite<Document extends ItemDefinition, Answer>(
  options: ConditionalWrite<Document, Answer>,
): Promise<Answer> {
  const { container, id } = options;
  for (let attempt = 1; attempt <= options.maxAttempts; attempt += 1) {
    const current = await options.read();
    const { write, answer } = await options.decide(current);
    if (write === undefined) return answer;
    try {
      if (current) {
        await withinDeadline((deadline) =>
          container
            .item(id, id)
            .replace(write, { ...deadline, accessCondition: { type: 'IfMatch', condition: current._etag! } }),
        );
      } else {
        await withinDeadline((deadline) => container.items.create(write, deadline));
      }
      return answer;
    } catch (error) {
      const status = storageStatus(error);
      if (status !== undefined && options.retryOn.includes(status)) {
        await options.pause?.(attempt);
        continue;
      }
      if (isAmbiguousWriteFailure(error) && (await options.landed(write))) return answer;
      throw storageFailure(error);
    }
  }
  throw options.tooManyAttempts();
}
