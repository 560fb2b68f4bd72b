import { describe, expect, it } from 'vitest';
import type { GraphLayout } from '../../../workers/contracts';
import { walk } from './walk';

//        a
//      / | \
//     b  c  d
//      \ | /
//        e
const node = (id: string, x: number, y: number) => ({ id, kind: 'op' as const, label: id, x, y, width: 40, height: 20 });
const layout: GraphLayout = {
  width: 300,
  height: 200,
  engine: 'test',
  collapsed: [],
  nodes: [node('a', 100, 0), node('b', 0, 50), node('c', 100, 50), node('d', 200, 50), node('e', 100, 100)],
  edges: ['b', 'c', 'd'].flatMap((m) => [
    { from: 'a', to: m, tensors: [`a_${m}`], points: [] },
    { from: m, to: 'e', tensors: [`${m}_e`], points: [] },
  ]),
};

describe('walk', () => {
  it('goes up to the producer and down to the nearest consumer', () => {
    expect(walk(layout, 'c', 'ArrowUp')).toBe('a');
    expect(walk(layout, 'a', 'ArrowDown')).toBe('c');
    expect(walk(layout, 'd', 'ArrowDown')).toBe('e');
    expect(walk(layout, 'a', 'ArrowUp')).toBeNull();
  });

  it('goes left and right through the siblings, wrapping around', () => {
    expect(walk(layout, 'c', 'ArrowRight')).toBe('d');
    expect(walk(layout, 'd', 'ArrowRight')).toBe('b');
    expect(walk(layout, 'b', 'ArrowLeft')).toBe('d');
    expect(walk(layout, 'e', 'ArrowLeft')).toBeNull();
  });
});
