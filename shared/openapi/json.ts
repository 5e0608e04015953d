/** A JSON object as written to openapi.json. */
export type Json = Record<string, unknown>;

/** Maps keyed by name are sorted so openapi.json is stable whatever the insertion order. */
export function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => compare(a, b)));
}

export const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
export const unique = <T>(values: Iterable<T>): T[] => [...new Set(values)];
