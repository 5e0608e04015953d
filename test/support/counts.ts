/** How many times each status occurs, e.g. `{ 201: 1, 409: 49 }`. */
export const countBy = (statuses: number[]) =>
  statuses.reduce<Record<number, number>>((counts, status) => ({ ...counts, [status]: (counts[status] ?? 0) + 1 }), {});
