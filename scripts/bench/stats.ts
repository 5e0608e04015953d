/** Small statistics helpers for the benchmark (no timing assertions anywhere else). */

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile of unsorted samples. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Runs `measure` `rounds` times, one after the other, and returns every result. */
export async function rounds<T>(count: number, measure: (round: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let round = 0; round < count; round += 1) results.push(await measure(round));
  return results;
}

/** The median of one numeric field over rounds. */
export function medianOf<T>(results: readonly T[], field: (result: T) => number): number {
  return median(results.map(field));
}

/** A figure measured once per round: its median, lowest and highest. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  values: number[];
}

export function spread(values: readonly number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), values: [...values] };
}

/** A stretch of load: how many requests were answered and how long it took. */
export interface Stretch {
  requests: number;
  seconds: number;
}

/** Requests per second over stretches taken together: all their requests over all their time. */
export function pooledRate(stretches: readonly Stretch[]): number {
  const seconds = stretches.reduce((t, s) => t + s.seconds, 0);
  return seconds > 0 ? stretches.reduce((n, s) => n + s.requests, 0) / seconds : Number.NaN;
}

/** Geometric mean of positive values (the mean of ratios that treats x and 1/x alike); NaN when empty. */
export function geometricMean(values: readonly number[]): number {
  if (values.length === 0 || values.some((v) => !(v > 0))) return Number.NaN;
  return Math.exp(values.reduce((sum, v) => sum + Math.log(v), 0) / values.length);
}

/** A throughput ratio's gates: the geometric mean over operations, and a floor for each operation. */
export interface RatioGates {
  geometricMean: number;
  eachOperation: number;
}

export interface RatioVerdict {
  geometricMean: { value: number; met: boolean };
  operations: Array<{ operation: string; value: number; met: boolean }>;
}

/** Holds every operation's pooled ratio to the gates. No operation at all meets nothing. */
export function judgeRatios(
  ratios: ReadonlyArray<{ operation: string; ratio: number }>,
  gates: RatioGates,
): RatioVerdict {
  const mean = geometricMean(ratios.map((r) => r.ratio));
  return {
    geometricMean: { value: mean, met: mean >= gates.geometricMean },
    operations: ratios.map(({ operation, ratio }) => ({ operation, value: ratio, met: ratio >= gates.eachOperation })),
  };
}
