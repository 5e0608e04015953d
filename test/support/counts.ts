/** How many times each value occurs, e.g. `{ 201: 1, 409: 49 }` or `{ ready: 1, notEnabled: 4 }`. */
export const countBy = (values: (string | number)[]) =>
  values.reduce<Record<string, number>>((counts, value) => ({ ...counts, [value]: (counts[value] ?? 0) + 1 }), {});
