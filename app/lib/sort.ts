/** Table sorting: a stable sort by one key; missing values (null, NaN) always go last. */
export type SortDir = 'asc' | 'desc';

export function sortRows<T>(rows: readonly T[], key: (row: T) => number | string | null, dir: SortDir): T[] {
  const sign = dir === 'asc' ? 1 : -1;
  const keyed = rows.map((row, i) => ({ row, i, k: key(row) }));
  const missing = (k: number | string | null) => k === null || (typeof k === 'number' && Number.isNaN(k));
  keyed.sort((a, b) => {
    const ma = missing(a.k);
    const mb = missing(b.k);
    if (ma || mb) return ma === mb ? a.i - b.i : ma ? 1 : -1;
    const c = typeof a.k === 'string' || typeof b.k === 'string' ? String(a.k).localeCompare(String(b.k)) : (a.k as number) - (b.k as number);
    // Infinity - Infinity is NaN: equal keys keep their order.
    return c === 0 || Number.isNaN(c) ? a.i - b.i : sign * c;
  });
  return keyed.map((k) => k.row);
}
