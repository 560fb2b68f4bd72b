import { describe, expect, it } from 'vitest';
import { splitShares } from './shares';

describe('splitShares', () => {
  it('splits contiguously with sizes differing by at most one', () => {
    expect(splitShares([1, 2, 3, 4, 5, 6, 7], 3)).toEqual([[1, 2, 3], [4, 5], [6, 7]]);
    expect(splitShares([1, 2], 4)).toEqual([[1], [2]]);
    expect(splitShares([1, 2, 3], 1)).toEqual([[1, 2, 3]]);
    expect(splitShares([1, 2, 3], 0)).toEqual([[1, 2, 3]]);
  });

  it('keeps every item once', () => {
    const items = Array.from({ length: 101 }, (_, i) => i);
    for (const parts of [1, 2, 3, 4, 7]) expect(splitShares(items, parts).flat()).toEqual(items);
  });
});
