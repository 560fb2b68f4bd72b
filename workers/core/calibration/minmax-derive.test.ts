/**
 * Derived MinMax readings (minmax-derive.ts) on small built graphs: which tensors derive, that they
 * get no reduction of their own, and that calibrate's packed path then gives the reference's
 * statistics exactly (onnxruntime-node, real runs).
 */
import { describe, expect, it } from 'vitest';
import { createNodeRunner } from '../../../cli/runner-node';
import { floatAttr } from '../onnx/attributes';
import { buildModel, floatTensor, node, seededRandom, valueInfo } from '../onnx/build';
import { encodeModel } from '../onnx/encode';
import type { Model } from '../onnx/types';
import type { Feeds } from '../runner';
import { calibrate } from './calibrate';
import { KERNEL_JITTER } from './minmax-derive';
import { minMaxGraph } from './minmax-graph';

const runner = createNodeRunner({ source: 'minmax-derive.test' });
const DIMS = [1, 3, 8, 8];

/** in -> Conv(3 -> 4 channels) -> x, then the given nodes; every tensor but the weights observed. */
function convThen(nodes: ReturnType<typeof node>[], consts: ReturnType<typeof floatTensor>[] = []): Model {
  const rnd = seededRandom(3);
  return buildModel({
    opset: 13,
    nodes: [node('Conv', ['in', 'w', 'b'], ['x'], { attributes: [] }), ...nodes],
    initializers: [floatTensor('w', [4, 3, 3, 3], () => rnd() - 0.5), floatTensor('b', [4], () => rnd() - 0.5), ...consts],
    inputs: [valueInfo('in', DIMS)],
    outputs: nodes.map((n) => valueInfo(n.output[0])),
  });
}

function observedOf(model: Model): string[] {
  return ['in', ...model.graph!.node.map((n) => n.output[0])];
}

/** Reductions, pools and Shapes the augmented graph attaches to `tensor`. */
function reductionsOf(model: Model, tensor: string): string[] {
  return model.graph!.node.filter((n) => n.input.includes(tensor) && ['ReduceMin', 'ReduceMax', 'GlobalMaxPool', 'Shape'].includes(n.opType ?? '')).map((n) => n.opType!);
}

function feeds(count: number, value?: number): Feeds[] {
  const rnd = seededRandom(11);
  return Array.from({ length: count }, (_, k) => ({
    in: { type: 'float32', dims: DIMS, data: Float32Array.from({ length: 192 }, () => value ?? (rnd() - 0.5) * 4 * (k + 1)) },
  }));
}

async function both(model: Model, images: Feeds[]) {
  const source = { count: images.length, feeds: async (i: number) => images[i] };
  const options = { threads: 1, tensors: observedOf(model), collector: { histograms: false } };
  const ref = await calibrate(model, runner, source, { ...options, reference: true });
  const fast = await calibrate(model, runner, source, options);
  return { ref, fast };
}

/** Every statistic the MinMax ranges read, equal (a min the graph implies: 0 where the measured one is >= 0). */
function expectSameStats(ref: Awaited<ReturnType<typeof both>>['ref'], fast: Awaited<ReturnType<typeof both>>['fast']): void {
  for (const [name, a] of Object.entries(ref.stats.tensors)) {
    const b = fast.stats.tensors[name];
    expect(b, name).toBeDefined();
    expect([name, b.count, b.nanCount, b.batches, b.max, b.movingMax]).toEqual([name, a.count, a.nanCount, a.batches, a.max, a.movingMax]);
    if (b.minImplied) expect([name, a.min >= 0, b.min]).toEqual([name, true, 0]);
    else expect([name, b.min, b.movingMin]).toEqual([name, a.min, a.movingMin]);
    expect(fast.shapes[name]).toEqual(ref.shapes[name]);
  }
}

describe('derived MinMax readings', () => {
  it('SiLU (Conv -> Sigmoid -> Mul): the Sigmoid output derives from the Conv output and gets no reduction', async () => {
    const model = convThen([node('Sigmoid', ['x'], ['y']), node('Mul', ['x', 'y'], ['z'])]);
    const mm = minMaxGraph(model, observedOf(model));
    expect(mm.readings.find((r) => r.tensor === 'y')).toMatchObject({ kind: 'derived', source: 'x' });
    expect(mm.readings.find((r) => r.tensor === 'z')?.kind).toBe('reduced');
    expect(reductionsOf(mm.model, 'y')).toEqual([]);
    expect(reductionsOf(mm.model, 'x').sort()).toEqual(['ReduceMax', 'ReduceMin']);
    const { ref, fast } = await both(model, feeds(3));
    expectSameStats(ref, fast);
  });

  it("Paddle's hard swish (x + 3 -> Clip(0, 6) -> / 6), a decreasing Mul and a chain: derived in graph order", async () => {
    const model = convThen(
      [
        node('Add', ['x', 'three'], ['a']),
        node('Clip', ['a', 'zero', 'six'], ['c']),
        node('Div', ['c', 'six'], ['d']),
        node('Mul', ['x', 'd'], ['h']),
        node('Mul', ['minus2', 'h'], ['n']),
        node('LeakyRelu', ['n'], ['l'], { attributes: [floatAttr('alpha', 0.1)] }),
      ],
      [floatTensor('three', [1], [3]), floatTensor('zero', [], [0]), floatTensor('six', [], [6]), floatTensor('minus2', [1, 1, 1, 1], [-2])],
    );
    const mm = minMaxGraph(model, observedOf(model));
    const kinds = Object.fromEntries(mm.readings.map((r) => [r.tensor, r.kind === 'derived' ? `derived from ${r.source}` : r.kind]));
    expect(kinds).toEqual({ in: 'reduced', x: 'reduced', h: 'reduced', a: 'derived from x', c: 'derived from a', d: 'derived from c', n: 'derived from h', l: 'derived from n' });
    // Sources before what derives from them.
    const order = mm.readings.map((r) => r.tensor);
    for (const r of mm.readings) if (r.kind === 'derived') expect(order.indexOf(r.source)).toBeLessThan(order.indexOf(r.tensor));
    for (const t of ['a', 'c', 'd', 'n', 'l']) expect(reductionsOf(mm.model, t)).toEqual([]);
    const { ref, fast } = await both(model, feeds(3));
    expectSameStats(ref, fast);
    expect(fast.stats.tensors.n.min).toBeLessThan(0);

    // x + 3 not observed: the Clip still derives from x, through a copy of the Add that is not read out.
    const tensors = observedOf(model).filter((t) => t !== 'a');
    const mm2 = minMaxGraph(model, tensors);
    expect(mm2.readings.find((r) => r.tensor === 'c')).toMatchObject({ kind: 'derived', source: 'x', ops: ['Add', 'Clip'] });
    expect(mm2.readings.some((r) => r.tensor === 'a')).toBe(false);
    expect(mm2.model.graph!.node.filter((n) => n.opType === 'Add')).toHaveLength(2);
    const images = feeds(3);
    const source = { count: images.length, feeds: async (i: number) => images[i] };
    const options = { threads: 1, tensors, collector: { histograms: false } };
    const ref2 = await calibrate(model, runner, source, { ...options, reference: true });
    const fast2 = await calibrate(model, runner, source, options);
    expectSameStats(ref2, fast2);
    expect(Object.keys(fast2.stats.tensors).sort()).toEqual([...tensors].sort());
  });

  it('a never-negative source derives only through an increasing f with f(0) >= 0; per-channel and broadcasting constants do not derive', async () => {
    const model = convThen(
      [
        node('Relu', ['x'], ['r']),
        node('Mul', ['r', 'half'], ['m']),
        node('Sub', ['r', 'one'], ['s']),
        node('Mul', ['x', 'perChannel'], ['p']),
        node('Add', ['x', 'wide'], ['w5']),
        node('Softplus', ['x'], ['sp']),
      ],
      [floatTensor('half', [], [0.5]), floatTensor('one', [], [1]), floatTensor('perChannel', [4, 1, 1], [1, -1, 2, 3]), floatTensor('wide', [1, 1, 1, 1, 1], [1])],
    );
    const mm = minMaxGraph(model, observedOf(model));
    const byTensor = new Map(mm.readings.map((r) => [r.tensor, r]));
    expect(byTensor.get('r')).toMatchObject({ kind: 'derived', source: 'x' });
    // r has a measured min (from x's), so s = r - 1 derives; m derives from r.
    expect(byTensor.get('m')).toMatchObject({ kind: 'derived', source: 'r' });
    expect(byTensor.get('s')).toMatchObject({ kind: 'derived', source: 'r' });
    for (const t of ['p', 'w5', 'sp']) expect(byTensor.get(t)?.kind, t).toBe('reduced');
    const { ref, fast } = await both(model, feeds(2));
    expectSameStats(ref, fast);

    // Observing r's source no more: r is reduced max-only (min implied), m derives max-only, s is reduced.
    const tensors = observedOf(model).filter((t) => t !== 'x');
    const mm2 = minMaxGraph(model, tensors);
    const by2 = new Map(mm2.readings.map((r) => [r.tensor, r]));
    expect(by2.get('r')).toMatchObject({ kind: 'reduced' });
    expect(by2.get('r')).not.toHaveProperty('min');
    expect(by2.get('m')).toMatchObject({ kind: 'derived', source: 'r' });
    expect(by2.get('m')).not.toHaveProperty('lo');
    expect(by2.get('s')?.kind).toBe('reduced');
    const images = feeds(2);
    const source = { count: images.length, feeds: async (i: number) => images[i] };
    const options = { threads: 1, tensors, collector: { histograms: false } };
    expectSameStats(await calibrate(model, runner, source, { ...options, reference: true }), await calibrate(model, runner, source, options));
  });

  it('a non-finite source batch makes its derived tensors non-finite too', async () => {
    const model = convThen([node('Add', ['x', 'three'], ['a']), node('Exp', ['a'], ['e'])], [floatTensor('three', [], [3])]);
    const images = [...feeds(1), ...feeds(1, NaN)];
    const source = { count: images.length, feeds: async (i: number) => images[i] };
    const fast = await calibrate(model, runner, source, { threads: 1, tensors: observedOf(model), collector: { histograms: false } });
    for (const t of ['x', 'a', 'e']) {
      const s = fast.stats.tensors[t];
      expect([t, s.batches, s.nanCount, s.count]).toEqual([t, 1, 144, 144]);
    }
  });

  // What makes a derived reading equal the reduced one: f's kernel gives a value the same bits wherever
  // it sits in a tensor (vector body or tail), and never steps against its direction over floats.
  it("onnxruntime's kernels of the derivable ops: position-independent bits, monotone (Sigmoid, Tanh: to a few ulps)", async () => {
    const N = 1027;
    const rnd = seededRandom(5);
    const x = Float32Array.from({ length: N }, (_, i) => (rnd() - 0.5) * (i % 2 ? 40 : 4));
    const sorted = Float32Array.from(x).sort();
    const cases: { op: string; n: ReturnType<typeof node>; consts?: ReturnType<typeof floatTensor>[]; decreasing?: true }[] = [
      { op: 'Relu', n: node('Relu', ['x'], ['y']) },
      { op: 'LeakyRelu', n: node('LeakyRelu', ['x'], ['y'], { attributes: [floatAttr('alpha', 0.1)] }) },
      { op: 'Sigmoid', n: node('Sigmoid', ['x'], ['y']) },
      { op: 'HardSigmoid', n: node('HardSigmoid', ['x'], ['y'], { attributes: [floatAttr('alpha', 1 / 6)] }) },
      { op: 'Tanh', n: node('Tanh', ['x'], ['y']) },
      { op: 'Exp', n: node('Exp', ['x'], ['y']) },
      { op: 'Erf', n: node('Erf', ['x'], ['y']) },
      { op: 'Clip', n: node('Clip', ['x', 'lo', 'hi'], ['y']), consts: [floatTensor('lo', [], [0]), floatTensor('hi', [], [6])] },
      { op: 'Add', n: node('Add', ['x', 'c'], ['y']), consts: [floatTensor('c', [1], [3])] },
      { op: 'Sub', n: node('Sub', ['x', 'c'], ['y']), consts: [floatTensor('c', [], [0.3])] },
      { op: 'Mul', n: node('Mul', ['c', 'x'], ['y']), consts: [floatTensor('c', [], [-1.7])], decreasing: true },
      { op: 'Div', n: node('Div', ['x', 'c'], ['y']), consts: [floatTensor('c', [], [6])] },
    ];
    for (const c of cases) {
      const model = buildModel({ opset: 13, nodes: [c.n], initializers: c.consts ?? [], inputs: [valueInfo('x', [N])], outputs: [valueInfo('y', [N])] });
      const session = await runner.createSession(encodeModel(model), { threads: 1 });
      const run = async (v: Float32Array) => (await session.run({ x: { type: 'float32', dims: [N], data: v } })).y.data as Float32Array;
      const y = await run(x);
      for (const shift of [1, 2, 3, 5, 7]) {
        const rotated = Float32Array.from({ length: N }, (_, i) => x[(i + shift) % N]);
        const z = await run(rotated);
        const moved = z.findIndex((v, i) => !Object.is(v, y[(i + shift) % N]));
        expect([c.op, shift, moved]).toEqual([c.op, shift, -1]);
      }
      const ys = await run(sorted);
      let worst = 0;
      for (let i = 1; i < N; i++) worst = Math.max(worst, c.decreasing ? ys[i] - ys[i - 1] : ys[i - 1] - ys[i]);
      expect([c.op, worst <= (KERNEL_JITTER.has(c.op) ? 5e-7 : 0)]).toEqual([c.op, true]);
      await session.release();
    }
  });
});
