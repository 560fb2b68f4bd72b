/**
 * The fidelity gate on built models run by onnxruntime-node: a detector output [boxes in pixels |
 * scores in 0..1] whose "INT8" copy zeroes the scores keeps a whole cosine above 0.999 and must fail
 * by column (and by channel in the [1, C, N] layout).
 */
import { describe, expect, it } from 'vitest';
import { createNodeRunner } from '../../../cli/runner-node';
import { checkFidelity, heldOutImages, judgedSlices, sliceLayout } from './fidelity';
import { detector, randomSource } from './fidelity-fixtures';

const runner = createNodeRunner({ source: 'fidelity test' });

describe('checkFidelity', () => {
  it('fails a concatenated output whose scores are zeroed by column, though its whole cosine is above 0.999', async () => {
    const r = await checkFidelity(detector({ scoreGain: 1 }), detector({ scoreGain: 0 }), runner, randomSource(6));
    expect(r.images).toBe(4);
    const out = r.outputs[0];
    expect(out.cosine).toBeGreaterThan(0.999);
    expect(out.slices).toMatchObject({ kind: 'column', axis: 2, count: 7, below: 3, negligible: 0 });
    expect(out.slices!.worst!.index).toBeGreaterThanOrEqual(4);
    expect(out.slices!.worst!.cosine).toBe(0);
    expect(out.slices!.slices.slice(0, 4).every((s) => s.cosine === 1)).toBe(true);
    expect(r.verdict.pass).toBe(false);
    expect(r.verdict.failing).toEqual([{ output: 'out', what: `column ${out.slices!.worst!.index}`, slice: { kind: 'column', index: out.slices!.worst!.index }, cosine: 0, below: 3, of: 7 }]);
  });

  it('slices a [1, C, N] output by channel (the YOLOv8 layout)', async () => {
    const r = await checkFidelity(detector({ scoreGain: 1, transposed: true }), detector({ scoreGain: 0, transposed: true }), runner, randomSource(4), { images: 2 });
    expect(r.images).toBe(2);
    expect(r.outputs[0].cosine).toBeGreaterThan(0.999);
    expect(r.outputs[0].slices).toMatchObject({ kind: 'channel', axis: 1, count: 7, below: 3 });
    expect(r.verdict.failing.map((f) => f.what)).toEqual([expect.stringMatching(/^channel [456]$/)]);
  });

  it('passes a faithful model, and a slight score error passes or fails by the threshold', async () => {
    const same = await checkFidelity(detector({ scoreGain: 1 }), detector({ scoreGain: 1 }), runner, randomSource(4));
    expect(same.verdict).toEqual({ pass: true, failing: [] });
    expect(same.outputs[0].slices!.worst!.cosine).toBe(1);
    // Scores scaled by 0.9 keep a cosine of 1 (cosine ignores scale) but lose SQNR: 20 dB.
    const scaled = await checkFidelity(detector({ scoreGain: 1 }), detector({ scoreGain: 0.9 }), runner, randomSource(4));
    expect(scaled.verdict.pass).toBe(true);
    expect(scaled.outputs[0].slices!.slices[4].sqnrDb).toBeCloseTo(20, 1);
    const strict = await checkFidelity(detector({ scoreGain: 1 }), detector({ scoreGain: 1 }), runner, randomSource(4), { threshold: 1 });
    expect(strict.verdict.pass).toBe(true);
    // A looser slice threshold: the zeroed columns (cosine 0) still fail, named against it.
    const loose = await checkFidelity(detector({ scoreGain: 1 }), detector({ scoreGain: 0 }), runner, randomSource(4), { sliceThreshold: 0.5 });
    expect(loose).toMatchObject({ threshold: 0.98, sliceThreshold: 0.5, verdict: { pass: false } });
  });

  it('never fails on a negligible column (a class absent from every image)', async () => {
    // Column 6 peaks at 1/250 of the score columns' largest in FP32 and is zeroed in the "INT8" copy.
    const r = await checkFidelity(detector({ scoreGain: 1, tiny: [1, 0.1, 0.006] }), detector({ scoreGain: 1, tiny: [1, 0.1, 0] }), runner, randomSource(4));
    expect(r.outputs[0].slices!.slices[6].cosine).toBe(0);
    expect(r.outputs[0].slices!.negligible).toBe(1);
    expect(r.outputs[0].slices!.slices[6].judged).toBe(false);
    expect(r.outputs[0].slices!.slices[5].judged).toBe(true);
    expect(r.verdict.pass).toBe(true);
  });

  it('reports progress, stops on an aborted signal, and refuses a bad threshold', async () => {
    const seen: number[] = [];
    await checkFidelity(detector({ scoreGain: 1 }), detector({ scoreGain: 1 }), runner, randomSource(3), { onProgress: (p) => seen.push(p.done) });
    expect(seen).toEqual([1, 2, 3]);
    const controller = new AbortController();
    controller.abort();
    await expect(checkFidelity(detector({ scoreGain: 1 }), detector({ scoreGain: 1 }), runner, randomSource(3), { signal: controller.signal })).rejects.toMatchObject({ code: 'cancelled' });
    await expect(checkFidelity(detector({ scoreGain: 1 }), detector({ scoreGain: 1 }), runner, randomSource(3), { threshold: 2 })).rejects.toMatchObject({ code: 'bad-option' });
  });
});

describe('sliceLayout', () => {
  it('chooses the feature axis by shape', () => {
    expect(sliceLayout([1, 25200, 85])).toEqual({ kind: 'column', axis: 2, count: 85 });
    expect(sliceLayout([1, 756, 6])).toEqual({ kind: 'column', axis: 2, count: 6 });
    expect(sliceLayout([25200, 85])).toEqual({ kind: 'column', axis: 1, count: 85 });
    expect(sliceLayout([1, 84, 8400])).toEqual({ kind: 'channel', axis: 1, count: 84 });
    expect(sliceLayout([1, 21, 257, 257])).toEqual({ kind: 'channel', axis: 1, count: 21 });
    expect(sliceLayout([1, 84, 100])).toEqual({ kind: 'channel', axis: 1, count: 84 });
    expect(sliceLayout([1, 100, 84])).toEqual({ kind: 'column', axis: 2, count: 84 });
    expect(sliceLayout([1, 1000])).toBeNull();
    expect(sliceLayout([1, 10])).toBeNull();
    expect(sliceLayout([1, 1000, 1, 1])).toBeNull();
    expect(sliceLayout([10])).toBeNull();
  });
});

describe('judgedSlices', () => {
  it('groups slices by scale and leaves the small ones of a group unjudged', () => {
    // YOLOv8-like: boxes in pixels, then class scores; a class absent from the images peaks at 0.005.
    expect(judgedSlices([640, 640, 560, 620, 0.9, 0.1, 0.02, 0.005, 0])).toEqual([true, true, true, true, true, true, true, false, false]);
    // Boxes in pixels, obj and person scores: the scores are their own group.
    expect(judgedSlices([190, 188, 120, 150, 0.9, 0.8])).toEqual([true, true, true, true, true, true]);
    // lw-person-det's peaks on 4 COCO images (raw box offsets, obj, person): the quiet obj column is judged.
    expect(judgedSlices([2.2, 2.8, 2.9, 3.6, 0.18, 0.76])).toEqual([true, true, true, true, true, true]);
    // One score column next to the boxes is judged on its own scale.
    expect(judgedSlices([640, 640, 640, 640, 0.01])).toEqual([true, true, true, true, true]);
  });
});

describe('heldOutImages', () => {
  it('takes the images after the used ones, else the last ones', () => {
    expect(heldOutImages({ total: 10, used: 4 })).toEqual({ indices: [4, 5, 6, 7], heldOut: true });
    expect(heldOutImages({ total: 6, used: 4 })).toEqual({ indices: [4, 5], heldOut: true });
    expect(heldOutImages({ total: 6, used: 6 })).toEqual({ indices: [2, 3, 4, 5], heldOut: false });
    expect(heldOutImages({ total: 2, used: 2 })).toEqual({ indices: [0, 1], heldOut: false });
    expect(heldOutImages({ total: 10, used: 4, max: 2 })).toEqual({ indices: [4, 5], heldOut: true });
  });
});
