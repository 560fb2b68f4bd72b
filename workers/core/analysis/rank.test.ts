import { describe, expect, it } from 'vitest';
import { mergeSensitivity, rankRows } from './rank';
import type { SensitivityResult, SensitivityRow } from './sensitivity';

const row = (id: string, alone: number, kept: number): SensitivityRow => ({
  unit: { id, opType: 'Conv', nodes: [id], order: 0, weightBytes: 0 },
  alone: { score: alone, outputCosine: alone, sqnrDb: 40 * alone, bytes: 100 },
  kept: { score: kept, outputCosine: kept, sqnrDb: 40 * kept, bytes: 120 },
});
const part = (rows: SensitivityRow[]): SensitivityResult => ({ images: 4, baseline: { score: 0.9, outputCosine: 0.9, sqnrDb: 20, bytes: 100 }, rows });

describe('merging the shares of a sensitivity pool', () => {
  it('ranks the rows of every share together, most damaging alone first, then by what keeping buys', () => {
    const merged = mergeSensitivity([part([row('a', 0.99, 0.91), row('b', 0.95, 0.9)]), part([row('c', 0.95, 0.93), row('d', 0.999, 0.9)])]);
    expect(merged.rows.map((r) => r.unit.id)).toEqual(['c', 'b', 'a', 'd']);
    expect(merged.baseline.score).toBe(0.9);
    expect(rankRows(merged.rows, 'sqnrDb').map((r) => r.unit.id)).toEqual(['c', 'b', 'a', 'd']);
  });

  it('refuses a unit measured twice and an empty merge', () => {
    expect(() => mergeSensitivity([part([row('a', 0.9, 0.9)]), part([row('a', 0.9, 0.9)])])).toThrow("The unit 'a' was measured by two workers");
    expect(() => mergeSensitivity([])).toThrow('no sensitivity results');
  });
});
