import { describe, expect, it } from 'vitest';
import {
  FLOAT32_TINY,
  computePerChannelParams,
  computeQuantParams,
  dequantize,
  dequantizePerAxis,
  qRange,
  quantize,
  quantizeBias,
  quantizePerAxis,
  roundHalfToEven,
} from './params';
import { codeOf } from '../../../test/error-code';

const f32 = Math.fround;
const asym = { symmetric: false, reduceRange: false } as const;
const sym = { symmetric: true, reduceRange: false } as const;


describe('roundHalfToEven', () => {
  it('rounds ties to the even neighbour', () => {
    expect(roundHalfToEven(2.5)).toBe(2);
    expect(roundHalfToEven(3.5)).toBe(4);
    expect(roundHalfToEven(-2.5)).toBe(-2);
    expect(roundHalfToEven(-3.5)).toBe(-4);
    expect(roundHalfToEven(0.5)).toBe(0);
    expect(roundHalfToEven(1.5)).toBe(2);
    expect(roundHalfToEven(-0.5) === 0).toBe(true);
  });

  it('rounds non-ties to nearest', () => {
    expect(roundHalfToEven(2.4999999)).toBe(2);
    expect(roundHalfToEven(2.5000001)).toBe(3);
    expect(roundHalfToEven(-2.5000001)).toBe(-3);
    expect(roundHalfToEven(0.49999999999999994)).toBe(0);
    expect(roundHalfToEven(2 ** 53 + 2)).toBe(2 ** 53 + 2);
    expect(roundHalfToEven(4503599627370495.5)).toBe(4503599627370496);
  });

  it('passes NaN and infinities through', () => {
    expect(roundHalfToEven(NaN)).toBeNaN();
    expect(roundHalfToEven(Infinity)).toBe(Infinity);
    expect(roundHalfToEven(-Infinity)).toBe(-Infinity);
  });
});

describe('qRange', () => {
  it('matches get_qmin_qmax_for_qType', () => {
    expect(qRange('u8', asym)).toEqual({ qmin: 0, qmax: 255 });
    expect(qRange('s8', asym)).toEqual({ qmin: -128, qmax: 127 });
    expect(qRange('s8', sym)).toEqual({ qmin: -127, qmax: 127 });
    // u8 symmetric keeps 0..255 so its zero-point is 128 (see qRange's comment on ORT#25823).
    expect(qRange('u8', sym)).toEqual({ qmin: 0, qmax: 255 });
    expect(qRange('u8', { symmetric: false, reduceRange: true })).toEqual({ qmin: 0, qmax: 127 });
    expect(qRange('s8', { symmetric: false, reduceRange: true })).toEqual({ qmin: -64, qmax: 64 });
    expect(qRange('s8', { symmetric: true, reduceRange: true })).toEqual({ qmin: -64, qmax: 64 });
  });

  it('rejects other types', () => {
    expect(codeOf(() => qRange('u16' as never, asym))).toBe('bad-option');
  });
});

describe('computeQuantParams', () => {
  it('worked example: [-0.9, 5.0] as u8 asymmetric', () => {
    const p = computeQuantParams({ min: -0.9, max: 5.0 }, { type: 'u8', ...asym });
    expect(p.type).toBe('u8');
    expect(p.scale).toBeCloseTo(0.02314, 5);
    expect(p.scale).toBe(f32(5.9 / 255)); // stored as float32
    expect(p.zeroPoint).toBe(39); // round(0.9 / 0.0231373) = round(38.898)
    const q = quantize([0.3], p);
    expect(q).toBeInstanceOf(Uint8Array);
    expect(q[0]).toBe(52); // 0.3 / 0.0231373 = 12.966 -> 13, + 39
    const back = dequantize(q, p);
    expect(back[0]).toBeCloseTo(0.3008, 4); // 13 * 0.0231373
    expect(back[0]).toBe(f32(13 * p.scale));
  });

  it('symmetric: s8 zero-point 0, u8 zero-point 128, scale from absmax', () => {
    const s8 = computeQuantParams({ min: -0.9, max: 5.0 }, { type: 's8', ...sym });
    expect(s8).toEqual({ scale: f32(10 / 254), zeroPoint: 0, type: 's8' });
    const u8 = computeQuantParams({ min: -0.9, max: 5.0 }, { type: 'u8', ...sym });
    expect(u8).toEqual({ scale: f32(10 / 255), zeroPoint: 128, type: 'u8' });
    // Zero-point does not depend on the range.
    expect(computeQuantParams({ min: -3, max: 0.001 }, { type: 'u8', ...sym }).zeroPoint).toBe(128);
    expect(computeQuantParams({ min: 0, max: 7 }, { type: 's8', ...sym }).zeroPoint).toBe(0);
  });

  it('s8 asymmetric and reduce-range', () => {
    expect(computeQuantParams({ min: -0.9, max: 5.0 }, { type: 's8', ...asym })).toEqual({ scale: f32(5.9 / 255), zeroPoint: -89, type: 's8' });
    // reduce range u8: 0..127
    expect(computeQuantParams({ min: -1, max: 1 }, { type: 'u8', symmetric: false, reduceRange: true })).toEqual({ scale: f32(2 / 127), zeroPoint: 64, type: 'u8' });
    // reduce range s8 symmetric: -64..64
    expect(computeQuantParams({ min: -2, max: 1 }, { type: 's8', symmetric: true, reduceRange: true })).toEqual({ scale: f32(4 / 128), zeroPoint: 0, type: 's8' });
  });

  it('widens the range to include 0', () => {
    // all-positive: rmin becomes 0, zero-point qmin
    expect(computeQuantParams({ min: 2, max: 6 }, { type: 'u8', ...asym })).toEqual({ scale: f32(6 / 255), zeroPoint: 0, type: 'u8' });
    // all-negative: rmax becomes 0, zero-point qmax
    expect(computeQuantParams({ min: -6, max: -2 }, { type: 's8', ...asym })).toEqual({ scale: f32(6 / 255), zeroPoint: 127, type: 's8' });
  });

  it('a tiny range gives scale 1 and zero-point 0', () => {
    for (const type of ['u8', 's8'] as const) {
      for (const symmetric of [false, true]) {
        expect(computeQuantParams({ min: 0, max: 0 }, { type, symmetric, reduceRange: false })).toEqual({ scale: 1, zeroPoint: 0, type });
        expect(computeQuantParams({ min: -1e-40, max: 1e-40 }, { type, symmetric, reduceRange: false })).toEqual({ scale: 1, zeroPoint: 0, type });
      }
    }
    // The threshold is the smallest normal float32: exactly tiny is kept.
    const edge = computeQuantParams({ min: 0, max: 255 * FLOAT32_TINY }, { type: 'u8', ...asym });
    expect(edge.scale).toBe(FLOAT32_TINY);
    const below = computeQuantParams({ min: 0, max: 254 * FLOAT32_TINY }, { type: 'u8', ...asym });
    expect(below).toEqual({ scale: 1, zeroPoint: 0, type: 'u8' });
  });

  it('rejects ranges that are not finite intervals', () => {
    expect(codeOf(() => computeQuantParams({ min: Infinity, max: -Infinity }, { type: 'u8', ...asym }))).toBe('no-statistics');
    expect(codeOf(() => computeQuantParams({ min: NaN, max: 1 }, { type: 'u8', ...asym }))).toBe('bad-option');
    expect(codeOf(() => computeQuantParams({ min: 2, max: 1 }, { type: 'u8', ...asym }))).toBe('bad-option');
    expect(codeOf(() => computeQuantParams({ min: -3e38, max: 3e38 }, { type: 'u8', ...asym }))).toBe('bad-option');
  });
});

describe('quantize / dequantize', () => {
  it('rounds ties half to even, then adds the zero-point', () => {
    const s8 = { scale: 1, zeroPoint: 0, type: 's8' } as const;
    expect(Array.from(quantize([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5], s8))).toEqual([0, 2, 2, 4, 0, -2, -2]);
    // round(2.5) + 1 = 3, not round(2.5 + 1) = 4: ONNX rounds x / scale before adding the zero-point.
    expect(quantize([2.5], { scale: 1, zeroPoint: 1, type: 'u8' })[0]).toBe(3);
  });

  it('divides in float32 before rounding, like QuantizeLinear', () => {
    // float64: 0.30034318566322327 / 0.004805490840226412 = 62.5000017 -> 63;
    // float32 quotient is exactly 62.5 -> 62 (numpy float32 and ORT give 62).
    const x = 0.30034318566322327;
    const scale = 0.004805490840226412;
    expect(x / scale).toBeGreaterThan(62.5);
    expect(quantize([x], { scale, zeroPoint: 10, type: 'u8' })[0]).toBe(72);
    // and the other direction: float64 1.49999996 -> 1, float32 1.5 -> 2
    expect(quantize([0.03226452320814133], { scale: 0.0215096827596426, zeroPoint: 0, type: 's8' })[0]).toBe(2);
  });

  it('reads plain numbers as float32 values, like an ONNX float tensor', () => {
    // f32(2.5000000001) = 2.5 exactly, a tie that rounds to 2 (the float64 value would give 3).
    expect(quantize([2.5000000001], { scale: 1, zeroPoint: 0, type: 's8' })[0]).toBe(2);
  });

  it('saturates to the full type range', () => {
    expect(Array.from(quantize([-1000, 1000, -Infinity, Infinity], { scale: 1, zeroPoint: 0, type: 's8' }))).toEqual([-128, 127, -128, 127]);
    expect(Array.from(quantize([-1000, 1000], { scale: 1, zeroPoint: 128, type: 'u8' }))).toEqual([0, 255]);
  });

  it('maps NaN to the zero-point (real 0)', () => {
    expect(quantize([NaN], { scale: 0.1, zeroPoint: 7, type: 'u8' })[0]).toBe(7);
  });

  it('uses the float32 value of the scale', () => {
    // 0.1 is not a float32; f32(0.1) = 0.10000000149. 0.25 / f32(0.1) = 2.4999999627 -> 2.
    expect(quantize([0.25], { scale: 0.1, zeroPoint: 0, type: 's8' })[0]).toBe(2);
    expect(dequantize(new Int8Array([3]), { scale: 0.1, zeroPoint: 0 })[0]).toBe(f32(3 * f32(0.1)));
  });

  it('writes into a caller buffer of the right type and length', () => {
    const out = new Uint8Array(3);
    const r = quantize([0, 1, 2], { scale: 1, zeroPoint: 0, type: 'u8' }, out);
    expect(r).toBe(out);
    expect(Array.from(out)).toEqual([0, 1, 2]);
    expect(codeOf(() => quantize([0, 1], { scale: 1, zeroPoint: 0, type: 'u8' }, out))).toBe('bad-option');
    expect(codeOf(() => quantize([0, 1, 2], { scale: 1, zeroPoint: 0, type: 's8' }, new Int8Array(3).subarray(0, 2)))).toBe('bad-option');
    const fout = new Float32Array(3);
    expect(dequantize(new Uint8Array([1, 2, 3]), { scale: 0.5, zeroPoint: 1 }, fout)).toBe(fout);
    expect(Array.from(fout)).toEqual([0, 0.5, 1]);
  });

  it('rejects invalid parameters', () => {
    expect(codeOf(() => quantize([1], { scale: 0, zeroPoint: 0, type: 'u8' }))).toBe('bad-option');
    expect(codeOf(() => quantize([1], { scale: NaN, zeroPoint: 0, type: 'u8' }))).toBe('bad-option');
    expect(codeOf(() => quantize([1], { scale: 1, zeroPoint: 256, type: 'u8' }))).toBe('bad-option');
    expect(codeOf(() => quantize([1], { scale: 1, zeroPoint: -129, type: 's8' }))).toBe('bad-option');
    expect(codeOf(() => quantize([1], { scale: 1, zeroPoint: 0.5, type: 's8' }))).toBe('bad-option');
    expect(codeOf(() => dequantize(new Uint8Array(1), { scale: Infinity, zeroPoint: 0 }))).toBe('bad-option');
  });

  it('round-trips every representable value exactly', () => {
    const p = computeQuantParams({ min: -1.3, max: 2.1 }, { type: 'u8', ...asym });
    const all = new Uint8Array(256).map((_, i) => i);
    const reals = dequantize(all, p);
    expect(Array.from(quantize(reals, p))).toEqual(Array.from(all));
    const ps = computeQuantParams({ min: -1.3, max: 2.1 }, { type: 's8', ...sym });
    const alls = new Int8Array(256).map((_, i) => i - 128);
    // -128 dequantizes below -absmax but still quantizes back to itself.
    expect(Array.from(quantize(dequantize(alls, ps), ps))).toEqual(Array.from(alls));
  });
});

describe('per-channel', () => {
  // A [4,3,3,3] conv weight (out, in, kh, kw); channel c is a ramp scaled by c + 1, channel 3 is all 0.
  const dims = [4, 3, 3, 3];
  const per = 27;
  const w = new Float32Array(4 * per);
  for (let c = 0; c < 3; c++) for (let i = 0; i < per; i++) w[c * per + i] = ((i - 9) / 17) * (c + 1);

  it('computes min/max per output channel', () => {
    const p = computePerChannelParams(w, dims, 0, { type: 's8', ...sym });
    expect(p.axis).toBe(0);
    expect(p.type).toBe('s8');
    expect(p.scales).toBeInstanceOf(Float32Array);
    expect(p.zeroPoints).toBeInstanceOf(Int32Array);
    for (let c = 0; c < 3; c++) {
      const absmax = f32((17 / 17) * (c + 1)); // max |(i - 9) / 17| is at i = 26
      expect(p.scales[c]).toBe(f32((2 * absmax) / 254));
      expect(p.zeroPoints[c]).toBe(0);
    }
    expect(p.scales[3]).toBe(1); // all-zero channel
    expect(p.zeroPoints[3]).toBe(0);
  });

  it('matches per-tensor parameters computed on each slice', () => {
    const p = computePerChannelParams(w, dims, 0, { type: 'u8', ...asym });
    for (let c = 0; c < 4; c++) {
      const slice = w.subarray(c * per, (c + 1) * per);
      const ref = computeQuantParams({ min: Math.min(...slice), max: Math.max(...slice) }, { type: 'u8', ...asym });
      expect(p.scales[c]).toBe(ref.scale);
      expect(p.zeroPoints[c]).toBe(ref.zeroPoint);
    }
    const q = quantizePerAxis(w, dims, 0, p);
    expect(q).toBeInstanceOf(Uint8Array);
    for (let c = 0; c < 4; c++) {
      const ref = quantize(w.subarray(c * per, (c + 1) * per), { scale: p.scales[c], zeroPoint: p.zeroPoints[c], type: 'u8' });
      expect(Array.from(q.subarray(c * per, (c + 1) * per))).toEqual(Array.from(ref));
    }
    const back = dequantizePerAxis(q, dims, 0, p);
    for (let i = 0; i < w.length; i++) expect(Math.abs(back[i] - w[i])).toBeLessThanOrEqual(p.scales[Math.floor(i / per)] / 2 + 1e-7);
  });

  it('works on an inner axis and negative axes', () => {
    // [2, 3, 2]: axis 1 slices are {x[o][c][*]}, strided across o.
    const x = new Float32Array([1, -1, 2, -2, 4, -4, /* o = 1 */ 0.5, 0, 8, 1, 2, 3]);
    const p = computePerChannelParams(x, [2, 3, 2], -2, { type: 's8', ...sym });
    expect(p.axis).toBe(1);
    expect(Array.from(p.scales)).toEqual([f32(2 / 254), f32(16 / 254), f32(8 / 254)]);
    const q = quantizePerAxis(x, [2, 3, 2], 1, p);
    expect(Array.from(q)).toEqual([127, -127, 32, -32, 127, -127, 64, 0, 127, 16, 64, 95]);
    // last axis (ONNX DequantizeLinear on a [N, C] tensor with axis -1)
    const m = new Int8Array([1, 2, 3, 4]);
    expect(Array.from(dequantizePerAxis(m, [2, 2], -1, { scales: [1, 10], zeroPoints: [0, 1] }))).toEqual([1, 10, 3, 30]);
  });

  it('validates shapes, axes and parameter counts', () => {
    expect(codeOf(() => computePerChannelParams(w, [4, 3, 3], 0, { type: 's8', ...sym }))).toBe('bad-option');
    expect(codeOf(() => computePerChannelParams(w, dims, 4, { type: 's8', ...sym }))).toBe('bad-option');
    expect(codeOf(() => computePerChannelParams(w, dims, -5, { type: 's8', ...sym }))).toBe('bad-option');
    expect(codeOf(() => quantizePerAxis(w, dims, 0, { scales: [1, 1, 1], zeroPoints: [0, 0, 0], type: 's8' }))).toBe('bad-option');
    const bad = w.slice();
    bad[40] = NaN;
    expect(codeOf(() => computePerChannelParams(bad, dims, 0, { type: 's8', ...sym }))).toBe('bad-option');
  });

  it('gives an empty tensor scale 1, zero-point 0', () => {
    const p = computePerChannelParams(new Float32Array(0), [3, 0], 0, { type: 'u8', ...asym });
    expect(Array.from(p.scales)).toEqual([1, 1, 1]);
    expect(Array.from(p.zeroPoints)).toEqual([0, 0, 0]);
  });
});

describe('quantizeBias', () => {
  it('uses inputScale * weightScale per channel and round-trips', () => {
    const bias = new Float32Array([0.5, -0.25, 1.75, 0.0001]);
    const inputScale = 0.02;
    const weightScales = new Float32Array([0.01, 0.005, 0.02, 0.001]);
    const r = quantizeBias(bias, inputScale, weightScales);
    expect(r.values).toBeInstanceOf(Int32Array);
    expect(r.scales).toBeInstanceOf(Float32Array);
    for (let i = 0; i < 4; i++) expect(r.scales[i]).toBe(f32(f32(inputScale) * weightScales[i]));
    expect(Array.from(r.values)).toEqual([2500, -2500, 4375, 5]);
    expect(r.saturated).toEqual([]);
    expect(r.unitScale).toEqual([]);
    const back = dequantizePerAxis(r.values, [4], 0, { scales: r.scales, zeroPoints: new Int32Array(4) });
    for (let i = 0; i < 4; i++) expect(Math.abs(back[i] - bias[i])).toBeLessThanOrEqual(r.scales[i] / 2);
  });

  it('takes a per-tensor weight scale', () => {
    const r = quantizeBias(new Float32Array([1, -1]), 0.5, 0.25);
    expect(Array.from(r.values)).toEqual([8, -8]);
    expect(Array.from(r.scales)).toEqual([0.125, 0.125]);
  });

  it('rounds ties half to even', () => {
    // bias / scale = 2.5, 3.5, -2.5 exactly (power-of-two scales)
    const r = quantizeBias(new Float32Array([2.5 / 64, 3.5 / 64, -2.5 / 64]), 0.125, 0.125);
    expect(Array.from(r.values)).toEqual([2, 4, -2]);
  });

  it('clamps to int32 and reports the saturated channels', () => {
    const r = quantizeBias(new Float32Array([5, -4.5, 1e-3]), 0.05, new Float32Array([1e-10, 1e-10, 1e-10]));
    // 1e-3 / f32(0.05 * 1e-10): float32 operands make it 200000010, as numpy gives for ORT's formula.
    expect(Array.from(r.values)).toEqual([2147483647, -2147483648, 200000010]);
    expect(r.saturated).toEqual([0, 1]);
  });

  it('replaces a zero bias scale by 1 (ORT degenerate-scale rule) and reports it', () => {
    const r = quantizeBias(new Float32Array([0.4, 2.5, 0.3]), 0.1, new Float32Array([0, 0.1, 1e-38]));
    expect(Array.from(r.scales)).toEqual([1, f32(f32(0.1) * f32(0.1)), 1]); // 0.1 * 1e-38 underflows below tiny
    expect(Array.from(r.values)).toEqual([0, 250, 0]);
    expect(r.unitScale).toEqual([0, 2]);
  });

  it('rejects mismatched or invalid inputs', () => {
    expect(codeOf(() => quantizeBias(new Float32Array(3), 0.1, new Float32Array(2)))).toBe('bad-option');
    expect(codeOf(() => quantizeBias(new Float32Array([NaN]), 0.1, 0.1))).toBe('bad-option');
    expect(codeOf(() => quantizeBias(new Float32Array([1]), NaN, 0.1))).toBe('bad-option');
  });
});
