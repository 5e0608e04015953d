import { runSteps, type Step } from '../../../shared/http/batchSchedule';

/**
 * The order a batch's items run in, on its own: the bound on items running at once and the order
 * `dependsOn` imposes, counted on a runner whose steps the test finishes one by one.
 */

interface Started {
  index: number;
  finish(status: number): void;
}

/** A runner that records which steps run and lets the test finish them. */
function controlledRunner() {
  const started: Started[] = [];
  let running = 0;
  let mostRunning = 0;
  return {
    started,
    mostRunning: () => mostRunning,
    runner: {
      run: (index: number) =>
        new Promise<number>((resolve) => {
          running += 1;
          mostRunning = Math.max(mostRunning, running);
          started.push({
            index,
            finish: (status) => {
              running -= 1;
              resolve(status);
            },
          });
        }),
      blocked: () => 424,
      failed: (status: number) => status >= 400,
    },
  };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

test('at most `limit` independent steps run at once; the others start as slots free up, in order', async () => {
  const steps: Step[] = Array.from({ length: 12 }, (_, index) => ({ key: String(index), dependsOn: [] }));
  const control = controlledRunner();
  const done = runSteps(steps, 5, control.runner);
  await settle();
  expect(control.started.map((step) => step.index)).toEqual([0, 1, 2, 3, 4]);
  for (let next = 0; next < 12; next += 1) {
    control.started[next]!.finish(200);
    await settle();
  }
  expect(await done).toEqual(steps.map(() => 200));
  expect(control.mostRunning()).toBe(5);
  expect(control.started.map((step) => step.index)).toEqual(steps.map((_, index) => index));
});

test('a step runs after all it depends on; a failed dependency blocks its dependents without running them', async () => {
  // 0 -> 1 -> 3, 0 -> 2 -> 3; 4 depends on 1; 1 fails.
  const steps: Step[] = [
    { key: 'a', dependsOn: [] },
    { key: 'b', dependsOn: ['a'] },
    { key: 'c', dependsOn: ['a'] },
    { key: 'd', dependsOn: ['b', 'c'] },
    { key: 'e', dependsOn: ['b'] },
  ];
  const control = controlledRunner();
  const done = runSteps(steps, 5, control.runner);
  await settle();
  expect(control.started.map((step) => step.index)).toEqual([0]);
  control.started[0]!.finish(201);
  await settle();
  expect(control.started.map((step) => step.index)).toEqual([0, 1, 2]);
  control.started[2]!.finish(200);
  control.started[1]!.finish(400);
  expect(await done).toEqual([201, 400, 200, 424, 424]);
  expect(control.started).toHaveLength(3);
});
