import { describe, expect, it } from 'vitest';
import { addValues, createHistogram } from '../calibration/histogram';
import { seededRandom } from '../onnx/build';
import { computeQuantParams, qRange, quantize } from '../quant/params';
import { codeHistogram, codeOf, occupiedCodes } from './codes';
import { codeUsage } from './lessons';

function gridFor(range: { min: number; max: number }, type: 'u8' | 's8', symmetric: boolean) {
  const p = computeQuantParams(range, { type, symmetric, reduceRange: false });
  return { scale: p.scale, zeroPoint: p.zeroPoint, ...qRange(type, { symmetric, reduceRange: false }) };
}

describe('codeHistogram', () => {
  const rand = seededRandom(11);
  // Post-ReLU-like data: half exact zeros, the rest exponential.
  const relu = new Float32Array(100_000);
  for (let i = 0; i < relu.length; i++) relu[i] = rand() < 0.5 ? 0 : -Math.log(1 - rand()) * 2;
  const h = createHistogram();
  addValues(h, relu);

  it('conserves the count and agrees with quantizing the raw values', () => {
    const grid = gridFor({ min: h.min, max: h.max }, 'u8', false);
    const counts = codeHistogram(h, grid);
    expect(counts.reduce((s, c) => s + c, 0)).toBeCloseTo(h.count, 6);
    const exact = new Float64Array(256);
    for (const q of quantize(relu, { scale: grid.scale, zeroPoint: grid.zeroPoint, type: 'u8' })) exact[q]++;
    // The zeros are exact; the rest agrees to within the histogram's bin resolution.
    expect(counts[grid.zeroPoint]).toBeCloseTo(exact[grid.zeroPoint], -2);
    let diff = 0;
    for (let c = 0; c < 256; c++) diff += Math.abs(counts[c] - exact[c]);
    expect(diff / h.count).toBeLessThan(0.02);
  });

  it('leaves the negative half of a symmetric s8 grid empty on post-ReLU data', () => {
    const grid = gridFor({ min: h.min, max: h.max }, 's8', true);
    const counts = codeHistogram(h, grid);
    for (let c = grid.qmin; c < 0; c++) expect(counts[c - grid.qmin]).toBe(0);
    const used = occupiedCodes(counts);
    expect(used).toBeLessThanOrEqual(128);
    expect(used).toBeGreaterThan(64); // the sparse tail leaves a few top codes empty too
    // codeUsage (the lesson's headline number) counts the codes between the data's ends.
    expect(codeUsage({ min: h.min, max: h.max }, 's8', true).used).toBe(128);
  });

  it('piles clipped values on the end codes', () => {
    const grid = gridFor({ min: 0, max: 1 }, 'u8', false);
    const counts = codeHistogram(h, grid);
    const beyond = relu.filter((v) => v > 1 + grid.scale / 2).length;
    expect(counts[255]).toBeGreaterThan(beyond * 0.99);
    expect(codeOf(100, grid)).toBe(255);
    expect(codeOf(-1, grid)).toBe(0);
  });

  it('is empty for an empty histogram', () => {
    expect(occupiedCodes(codeHistogram(createHistogram(), { scale: 1, zeroPoint: 0, qmin: 0, qmax: 255 }))).toBe(0);
  });
});
