import { describe, expect, it } from 'vitest';
import type { AutoResult } from '../../workers/contracts';
import { autoPoints, keepAfterPlan, pointPlan } from './auto-points';

const agreement = (score: number, bytes: number) => ({ score, sqnrDb: 20 * score, bytes });
const unit = (id: string, nodes: string[]) => ({ id, opType: 'Conv', nodes, order: 0, weightBytes: 400 });

/** A search that chose MSE, refined one tensor, then tried C (kept), A (dropped) and B (kept). */
const result = {
  plan: { format: 'zeropoint-plan', version: 1, method: 'mse', methodByTensor: { t1: 'percentile' }, keepNodes: ['C', 'B', 'B_relu'], keptUnits: ['C', 'B'], target: 'cosine >= 0.999' },
  options: {},
  met: false,
  target: 'cosine >= 0.999',
  baseline: { agreement: agreement(0.9, 1000), value: 0.9 },
  final: { agreement: agreement(0.998, 1600), value: 0.998 },
  methods: [
    { method: 'minmax', agreement: agreement(0.9, 1000), value: 0.9 },
    { method: 'mse', agreement: agreement(0.95, 1000), value: 0.95 },
  ],
  perTensor: [{ tensor: 't1', method: 'percentile', from: 0.95, to: 0.96 }],
  sensitivity: { images: 4, baseline: agreement(0.95, 1000), rows: [{ unit: unit('A', ['A']), kept: agreement(0.95, 1300), alone: agreement(0.99, 1000) }, { unit: unit('B', ['B', 'B_relu']), kept: agreement(0.97, 1300), alone: agreement(0.98, 1000) }, { unit: unit('C', ['C']), kept: agreement(0.99, 1300), alone: agreement(0.96, 1000) }] },
  steps: [
    { keptUnits: 1, unit: 'C', agreement: agreement(0.99, 1300), value: 0.99, accepted: true },
    { keptUnits: 1, unit: 'A', agreement: agreement(0.985, 1600), value: 0.985, accepted: false },
    { keptUnits: 2, unit: 'B', agreement: agreement(0.998, 1600), value: 0.998, accepted: true },
  ],
  notes: [],
} as unknown as AutoResult;

describe('Auto points', () => {
  it('start at the chosen methods (after the per-tensor choice), then every step with the units it measured', () => {
    const points = autoPoints(result);
    expect(points.map((p) => [p.key, p.fp32Units, p.value, p.accepted, p.units.join('+')])).toEqual([
      ['start', 0, 0.96, true, ''],
      ['step-0', 1, 0.99, true, 'C'],
      ['step-1', 2, 0.985, false, 'C+A'],
      ['step-2', 2, 0.998, true, 'C+B'],
    ]);
    expect(points[0].bytes).toBe(1000);
  });

  it("a point's plan keeps its units' nodes with the search's methods; applying it starts from the search's keep list", () => {
    const [, , dropped, last] = autoPoints(result);
    expect(pointPlan(result, dropped)).toMatchObject({ method: 'mse', methodByTensor: { t1: 'percentile' }, keepNodes: ['C', 'A'], keptUnits: ['C', 'A'] });
    expect(pointPlan(result, last).keepNodes).toEqual(['C', 'B', 'B_relu']);
    expect(keepAfterPlan(['Conv_0', 'C'], pointPlan(result, last))).toEqual(['Conv_0', 'C', 'B', 'B_relu']);
  });

  it('a search that met its target with the methods alone has one point', () => {
    const met = { ...result, perTensor: [], sensitivity: null, steps: [] } as unknown as AutoResult;
    expect(autoPoints(met).map((p) => [p.key, p.value])).toEqual([['start', 0.95]]);
  });
});
