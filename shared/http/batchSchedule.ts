/** The order a batch's items run in: after their dependencies, at most `limit` at a time. */

export interface Step {
  key: string;
  /** Keys of the steps this one runs after (all present, no cycle: the envelope was checked). */
  dependsOn: readonly string[];
}

export interface StepRunner<Result> {
  /** Runs step `index`; never rejects (a failure is a result). */
  run(index: number): Promise<Result>;
  /** The result of a step that is not run because the step `failedKey` failed. */
  blocked(index: number, failedKey: string): Result;
  failed(result: Result): boolean;
}

/**
 * Runs every step once, in the order steps become ready (request order at first), at most `limit` at a time.
 * A step whose dependency failed is not run: it gets `blocked`, which counts as a failure for the
 * steps after it. Results come back in the steps' order.
 */
export function runSteps<Result>(steps: readonly Step[], limit: number, runner: StepRunner<Result>): Promise<Result[]> {
  const results = new Array<Result>(steps.length);
  const indexOf = new Map(steps.map((step, index) => [step.key, index]));
  const dependents = steps.map(() => [] as number[]);
  const pending = steps.map((step) => step.dependsOn.length);
  const blockedBy = new Array<string | undefined>(steps.length);
  for (const [index, step] of steps.entries())
    for (const key of step.dependsOn) dependents[indexOf.get(key)!]!.push(index);

  const ready = steps.flatMap((_, index) => (pending[index] === 0 ? [index] : []));
  let running = 0;
  let settled = 0;
  return new Promise((resolve) => {
    const settle = (index: number, result: Result) => {
      results[index] = result;
      settled += 1;
      const failed = runner.failed(result);
      for (const next of dependents[index]!) {
        if (failed) blockedBy[next] ??= steps[index]!.key;
        pending[next]! -= 1;
        if (pending[next] === 0) {
          const failedKey = blockedBy[next];
          if (failedKey === undefined) ready.push(next);
          else settle(next, runner.blocked(next, failedKey));
        }
      }
    };
    const pump = () => {
      while (running < limit && ready.length > 0) {
        const index = ready.shift()!;
        running += 1;
        void runner.run(index).then((result) => {
          running -= 1;
          settle(index, result);
          pump();
        });
      }
      if (settled === steps.length) resolve(results);
    };
    pump();
  });
}
