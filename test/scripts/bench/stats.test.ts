import type { OperationThroughput } from '../../../scripts/bench/throughput';
import { THROUGHPUT_GATES, throughputTargets } from '../../../scripts/bench/report';
import { geometricMean, judgeRatios, pooledRate } from '../../../scripts/bench/stats';

/** The benchmark's throughput statistic and its gates, on made-up runs (no timing here). */

describe('pooledRate', () => {
  it('is all requests over all seconds, not the mean of the runs rates', () => {
    // 300 requests in 0.1 s (3000/s) and 300 in 0.3 s (1000/s): the mean of rates would be 2000/s.
    expect(
      pooledRate([
        { requests: 300, seconds: 0.1 },
        { requests: 300, seconds: 0.3 },
      ]),
    ).toBeCloseTo(1500, 9);
  });

  it('weighs a run by its length', () => {
    expect(
      pooledRate([
        { requests: 1000, seconds: 1 },
        { requests: 100, seconds: 1 },
      ]),
    ).toBeCloseTo(550, 9);
  });

  it('is NaN for no time at all', () => {
    expect(pooledRate([])).toBeNaN();
    expect(pooledRate([{ requests: 5, seconds: 0 }])).toBeNaN();
  });
});

describe('geometricMean', () => {
  it('treats a ratio and its inverse alike', () => {
    expect(geometricMean([2, 0.5])).toBeCloseTo(1, 12);
    expect(geometricMean([0.8, 0.9, 1.0])).toBeCloseTo(Math.cbrt(0.72), 12);
  });

  it('is NaN for nothing, zero or a negative value', () => {
    expect(geometricMean([])).toBeNaN();
    expect(geometricMean([0.9, 0])).toBeNaN();
    expect(geometricMean([0.9, -1])).toBeNaN();
    expect(geometricMean([0.9, Number.NaN])).toBeNaN();
  });
});

describe('judgeRatios', () => {
  const gates = { geometricMean: 0.9, eachOperation: 0.85 };
  const ratios = (...values: number[]) => values.map((ratio, i) => ({ operation: `op${i}`, ratio }));

  it('meets both gates when the mean is at 0.9 and no operation is under 0.85', () => {
    const verdict = judgeRatios(ratios(0.86, 0.95, 0.9), gates);
    expect(verdict.geometricMean.value).toBeCloseTo(Math.cbrt(0.86 * 0.95 * 0.9), 12);
    expect(verdict.geometricMean.value).toBeGreaterThan(0.9); // cbrt(0.7353) = 0.9026
    expect(verdict.geometricMean.met).toBe(true);
    expect(verdict.operations.every((o) => o.met)).toBe(true);
  });

  it('misses the mean while every operation clears its floor', () => {
    const verdict = judgeRatios(ratios(0.86, 0.87, 0.88), gates);
    expect(verdict.geometricMean.met).toBe(false);
    expect(verdict.operations.map((o) => o.met)).toEqual([true, true, true]);
  });

  it('misses the one operation under 0.85 even when the mean is met', () => {
    const verdict = judgeRatios(ratios(0.84, 1.0, 1.0, 1.0), gates);
    expect(verdict.geometricMean.value).toBeGreaterThan(0.9);
    expect(verdict.geometricMean.met).toBe(true);
    expect(verdict.operations.map((o) => [o.operation, o.met])).toEqual([
      ['op0', false],
      ['op1', true],
      ['op2', true],
      ['op3', true],
    ]);
  });

  it('meets a gate exactly at its limit', () => {
    const verdict = judgeRatios(ratios(0.85, 0.85), { geometricMean: 0.85, eachOperation: 0.85 });
    expect(verdict.geometricMean.met).toBe(true);
    expect(verdict.operations.every((o) => o.met)).toBe(true);
  });

  it('meets nothing without operations', () => {
    expect(judgeRatios([], gates).geometricMean.met).toBe(false);
  });
});

describe('throughputTargets', () => {
  /** One operation's figures: two rounds of one ABBA turn, the endpoint's rounds at `endpoint` s for 100 requests. */
  function operation(name: string, endpointSeconds: [number, number], baselineSeconds: number): OperationThroughput {
    const run = (seconds: number) => ({
      requests: 100,
      seconds,
      requestsPerSecond: 100 / seconds,
      latencyP50Ms: 1,
      latencyP99Ms: 2,
      non2xx: 0,
      errors: 0,
      timeouts: 0,
      cosmosPerRequest: 1,
      cpuUsPerRequest: 400,
    });
    const endpointRps = 400 / (2 * endpointSeconds[0] + 2 * endpointSeconds[1]);
    const baselineRps = 100 / baselineSeconds;
    return {
      operation: name,
      requests: 100,
      turns: 1,
      endpointRps,
      baselineRps,
      ratio: endpointRps / baselineRps,
      roundRatios: { median: 1, min: 1, max: 1, values: [1] },
      cosmosPerRequest: { endpoint: 1, baseline: 1 },
      cpuUsPerRequest: { endpoint: 400, baseline: 400 },
      failures: 0,
      rounds: endpointSeconds.map((seconds) => ({
        endpoint: [run(seconds), run(seconds)],
        baseline: [run(baselineSeconds), run(baselineSeconds)],
        ratio: baselineSeconds / seconds,
      })),
    };
  }

  it('gates the pooled ratio, so one slow round weighs by its length, not as half the rounds', () => {
    // Round ratios 1.0 and 0.8: the median of the rounds (0.8, nearest rank) would miss 0.85; the pooled 0.889 is gated.
    const targets = throughputTargets([operation('slowRound', [0.1, 0.125], 0.1)]);
    expect(targets.map((t) => [t.name, t.met])).toEqual([
      ['throughput / storage-only, geometric mean over operations (pooled rounds)', false],
      ['slowRound throughput / storage-only (pooled rounds)', true],
    ]);
    expect(targets[1]!.value).toBeCloseTo(0.2 / 0.225, 12);
  });

  it('passes when the mean of the operations clears 0.9 and none is under 0.85', () => {
    const targets = throughputTargets([operation('fast', [0.1, 0.1], 0.1), operation('slower', [0.115, 0.115], 0.1)]);
    expect(targets[0]!.value).toBeCloseTo(Math.sqrt(1 / 1.15), 12);
    expect(targets.every((t) => t.met)).toBe(true);
    expect(targets.map((t) => t.limit)).toEqual([
      `>= ${THROUGHPUT_GATES.geometricMean}`,
      `>= ${THROUGHPUT_GATES.eachOperation}`,
      `>= ${THROUGHPUT_GATES.eachOperation}`,
    ]);
  });
});
