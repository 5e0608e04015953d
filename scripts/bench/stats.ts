/** Small statistics helpers for the benchmark (no timing assertions anywhere else). */

function median(values: readonly number[]): number {
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
