import { describe, expect, it } from 'vitest';
import { addValues, createHistogram } from '../calibration/histogram';
import { seededRandom } from '../onnx/build';
import { computeQuantParams, dequantize, quantize } from '../quant/params';
import { clipMetrics, codeUsage, modelBytes, perChannelLesson, roundTrip, scaleLesson } from './lessons';

describe('Learn mode numbers', () => {
  it('lesson 1: the worked example [-0.9, 5.0] u8 gives scale 0.0231, zero-point 39, and 0.3 -> 52', () => {
    const l = scaleLesson({ min: -0.9, max: 5.0 }, 'u8');
    expect(l.scale).toBeCloseTo(0.02314, 5);
    expect(l.zeroPoint).toBe(39);
    expect(l.formula.zeroPoint).toContain('= 39');
    const r = roundTrip(0.3, l, 'u8');
    expect(r.q).toBe(52);
    expect(r.real).toBeCloseTo(0.3008, 4);
    expect(Math.abs(r.error)).toBeLessThanOrEqual(l.scale / 2);
    // A value beyond the range clamps to the top code.
    expect(roundTrip(9, l, 'u8')).toMatchObject({ q: 255, clipped: true });
  });

  it('lesson 2: symmetric s8 wastes about half its codes on post-ReLU data, asymmetric u8 none', () => {
    expect(codeUsage({ min: 0, max: 6 }, 's8', true).wastedFraction).toBeCloseTo(127 / 255, 2);
    expect(codeUsage({ min: 0, max: 6 }, 'u8', false).wastedFraction).toBe(0);
    expect(codeUsage({ min: -1, max: 1 }, 's8', true).wastedFraction).toBeLessThan(0.01);
  });

  it('lesson 3: SQNR and % clipped of a clip range match quantizing the raw values with that range', () => {
    const rand = seededRandom(3);
    const h = createHistogram();
    const v = new Float32Array(200_000);
    for (let i = 0; i < v.length; i++) v[i] = Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
    addValues(h, v);
    for (const range of [{ min: -5, max: 5 }, { min: -2.5, max: 3 }, { min: -1, max: 1 }]) {
      const m = clipMetrics(h, range, 'u8');
      const p = computeQuantParams(range, { type: 'u8', symmetric: false, reduceRange: false });
      const back = dequantize(quantize(v, p), p);
      let s = 0;
      let e = 0;
      let clipped = 0;
      for (let i = 0; i < v.length; i++) {
        s += v[i] * v[i];
        e += (v[i] - back[i]) ** 2;
        if (v[i] < range.min || v[i] > range.max) clipped++;
      }
      expect(m.sqnrDb).toBeCloseTo(10 * Math.log10(s / e), 0);
      expect(m.clippedFraction).toBeCloseTo(clipped / v.length, 3);
    }
    // Tighter clipping clips more.
    expect(clipMetrics(h, { min: -1, max: 1 }, 'u8').clippedFraction).toBeGreaterThan(clipMetrics(h, { min: -2, max: 2 }, 'u8').clippedFraction);
  });

  it('lesson 4: per-channel beats per-tensor on the small channels of a weight', () => {
    const dims = [4, 2, 3, 3];
    const w = Float32Array.from({ length: 72 }, (_, i) => Math.sin(i) * (i < 18 ? 0.01 : 1));
    const rows = perChannelLesson(w, dims);
    expect(rows).toHaveLength(4);
    expect(rows[0].perChannelSqnrDb).toBeGreaterThan(rows[0].perTensorSqnrDb + 20);
    expect(rows[3].perChannelSqnrDb).toBeCloseTo(rows[3].perTensorSqnrDb, 0);
  });

  it('lesson 6: 45M parameters are about 180 MB in FP32 and 45 MB in INT8', () => {
    expect(modelBytes(45e6, 32)).toBe(180e6);
    expect(modelBytes(45e6, 8)).toBe(45e6);
  });
});
