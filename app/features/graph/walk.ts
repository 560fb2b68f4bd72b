/**
 * Keyboard walking over the drawn graph: up to a producer, down to a consumer, left and right
 * through the siblings (the other consumers of the same producer, or the other producers of the same
 * consumer at a graph input), in drawing order from left to right.
 */
import type { GraphLayout } from '../../../workers/contracts';

export type WalkKey = 'ArrowUp' | 'ArrowDown' | 'ArrowLeft' | 'ArrowRight';

export function walk(layout: GraphLayout, from: string, key: WalkKey): string | null {
  const x = new Map(layout.nodes.map((n) => [n.id, n.x + n.width / 2]));
  const byX = (a: string, b: string) => (x.get(a) ?? 0) - (x.get(b) ?? 0);
  const producers = (id: string) => [...new Set(layout.edges.filter((e) => e.to === id).map((e) => e.from))].sort(byX);
  const consumers = (id: string) => [...new Set(layout.edges.filter((e) => e.from === id).map((e) => e.to))].sort(byX);
  if (key === 'ArrowUp') return nearest(producers(from), x.get(from) ?? 0, x);
  if (key === 'ArrowDown') return nearest(consumers(from), x.get(from) ?? 0, x);
  const up = producers(from);
  const siblings = up.length ? consumers(up[0]) : consumers(from).flatMap(producers);
  const list = [...new Set(siblings)].sort(byX);
  const at = list.indexOf(from);
  if (list.length < 2 || at < 0) return null;
  return list[(at + (key === 'ArrowRight' ? 1 : list.length - 1)) % list.length];
}

/** The candidate closest across to where the walk comes from. */
function nearest(list: readonly string[], from: number, x: ReadonlyMap<string, number>): string | null {
  let best: string | null = null;
  for (const id of list) if (best === null || Math.abs((x.get(id) ?? 0) - from) < Math.abs((x.get(best) ?? 0) - from)) best = id;
  return best;
}
