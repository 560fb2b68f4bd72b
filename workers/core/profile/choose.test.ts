/**
 * The latency-aware choice's model on a chain of three convs whose times are given (no runtime: the
 * arithmetic of choose.ts). The middle conv is slower in INT8: with cheap boundaries the two outer convs
 * go INT8 around it; with boundaries that cost more than they gain (or scaled up by a measurement),
 * the model stays FP32.
 */
import { describe, expect, it } from 'vitest';
import type { PrecisionUnit } from '../analysis/units';
import { buildModel, floatTensor, node, valueInfo } from '../onnx/build';
import { boundaryCosts, chooseUnits, choiceModel } from './choose';
import type { MappedKernel, MappedProfile, NodeTime } from './map';

const model = buildModel({
  opset: 13,
  nodes: [node('Conv', ['x', 'wa'], ['a'], { name: 'A' }), node('Conv', ['a', 'wb'], ['b'], { name: 'B' }), node('Conv', ['b', 'wc'], ['y'], { name: 'C' })],
  initializers: ['wa', 'wb', 'wc'].map((w) => floatTensor(w, [8, 8, 1, 1], () => 0.1)),
  inputs: [valueInfo('x', [1, 8, 10, 100])],
  outputs: [valueInfo('y', [1, 8, 10, 100])],
});
const units: PrecisionUnit[] = ['A', 'B', 'C'].map((id, order) => ({ id, opType: 'Conv', nodes: [id], order, weightBytes: 256 }));
const ELEMENTS = 8000;

function profile(times: Record<string, number>, boundary?: { msPerElement: number }): MappedProfile {
  const kernels: MappedKernel[] = Object.entries(times).map(([n, ms]) => ({ name: n, op: boundary ? 'QLinearConv' : 'FusedConv', ms, role: 'op', node: n, by: 'name', elements: ELEMENTS, int8: !!boundary }));
  if (boundary) {
    kernels.unshift({ name: 'x_QuantizeLinear', op: 'QuantizeLinear', ms: boundary.msPerElement * ELEMENTS, role: 'quantize', node: 'A', by: 'name', tensor: 'x', elements: ELEMENTS, int8: false });
    kernels.push({ name: 'y_DequantizeLinear', op: 'DequantizeLinear', ms: boundary.msPerElement * ELEMENTS, role: 'dequantize', node: 'C', by: 'name', tensor: 'y', elements: ELEMENTS, int8: true });
  }
  const nodes: NodeTime[] = Object.entries(times).map(([n, ms]) => ({ node: n, opType: 'Conv', ms, opMs: ms, qdqMs: 0, layoutMs: 0, kernels: [boundary ? 'QLinearConv' : 'FusedConv'], quantized: !!boundary, ...(boundary ? { execution: 'fused' as const } : {}) }));
  const totalMs = kernels.reduce((a, k) => a + k.ms, 0);
  return { totalMs, runMs: totalMs, runs: 1, nodes, unattributedMs: 0, kernels, boundaries: [] };
}

const FP32 = profile({ A: 10, B: 10, C: 10 });

describe('the latency-aware choice model (choose.ts)', () => {
  it('measures per-element boundary costs from the all-INT8 profile', () => {
    const costs = boundaryCosts(profile({ A: 4, B: 30, C: 4 }, { msPerElement: 1e-5 }));
    expect(costs.quantize).toBeCloseTo(1e-5, 12);
    expect(costs.dequantize).toBeCloseTo(1e-5, 12);
  });

  it('cheap boundaries: the convs that gain go INT8 around the slow one, and the model counts a Q/DQ at each edge', () => {
    const int8 = profile({ A: 4, B: 30, C: 4 }, { msPerElement: 1e-5 });
    const m = choiceModel(model, units, FP32, int8);
    expect(m.units.map((u) => [u.id, u.kind])).toEqual([['A', 'pointwise'], ['B', 'pointwise'], ['C', 'pointwise']]);
    const { best, tried } = chooseUnits(m);
    expect(best.int8).toEqual(['A', 'C']);
    // Four boundaries (Q x, DQ a, Q b, DQ y), each 8000 elements at 1e-5 ms plus the layout transposes.
    expect(best.boundaryMs).toBeGreaterThanOrEqual(4 * ELEMENTS * 1e-5);
    expect(best.modeledMs).toBeCloseTo(30 - 12 + best.boundaryMs, 9);
    expect(tried.every((t) => t.modeledMs >= best.modeledMs)).toBe(true);
  });

  it('boundaries that cost more than the gain, or scaled up by a measurement: FP32 stays', () => {
    const costly = choiceModel(model, units, FP32, profile({ A: 4, B: 30, C: 4 }, { msPerElement: 1e-3 }));
    expect(chooseUnits(costly).best.int8).toEqual([]);
    const cheap = choiceModel(model, units, FP32, profile({ A: 4, B: 30, C: 4 }, { msPerElement: 1e-5 }));
    expect(chooseUnits(cheap, { boundaryScale: 100 }).best.int8).toEqual([]);
  });

  it('every conv faster in INT8: all of them, with only the graph edges as boundaries', () => {
    const m = choiceModel(model, units, FP32, profile({ A: 4, B: 4, C: 4 }, { msPerElement: 1e-5 }));
    const { best } = chooseUnits(m);
    expect(best.int8).toEqual(['A', 'B', 'C']);
    expect(m.modeled(new Set(['A', 'B', 'C'])).boundaryMs).toBeLessThan(m.modeled(new Set(['A', 'C'])).boundaryMs);
  });
});
