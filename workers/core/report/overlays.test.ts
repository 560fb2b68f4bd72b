/**
 * Overlays as data: each appears exactly when its data is there, colours follow the thresholds (the
 * person's when moved), and the pending overlays come up from the data shapes other engines will fill.
 */
import { describe, expect, it } from 'vitest';
import type { LayerComparison } from '../metrics/compare';
import { BAD_TO_GOOD, buildOverlays, formatOverlayValue, legendBands, NO_VALUE_COLOR, overlayColor, worstNode } from './overlays';

const layer = (node: string, fp32: string, sqnrDb: number, cosine = 0.999): LayerComparison =>
  ({ node, fp32, int8: `${fp32}_dq`, quantized: true, order: 0, opType: 'Conv', sqnrDb, cosine }) as unknown as LayerComparison;

describe('overlays', () => {
  it('appear only with their data', () => {
    expect(buildOverlays({})).toEqual([]);
    const ids = buildOverlays({
      layers: [layer('a', 'ta', 12), layer('b', 'tb', 35)],
      decisions: [
        { index: 0, name: 'a', opType: 'Conv', quantized: true },
        { index: 1, name: 'b', opType: 'Conv', quantized: false, reason: 'kept in FP32 by name' },
      ],
      ranges: { method: 'minmax', rows: [{ tensor: 'ta', node: 'a', clippedFraction: 0, rangeSource: 'ta' }] },
    }).map((o) => o.id);
    expect(ids).toEqual(['sqnr', 'cosine', 'precision', 'clipped', 'range-method']);
  });

  it('colour nodes and edges by the thresholds, the worst first', () => {
    const [sqnr] = buildOverlays({ layers: [layer('a', 'ta', 12), layer('a', 'ta2', 8), layer('b', 'tb', 35)] });
    expect(sqnr.values).toEqual({ a: 8, b: 35 }); // a node with two outputs shows its worst
    expect(sqnr.edges).toEqual({ ta: 12, ta2: 8, tb: 35 });
    expect(overlayColor(sqnr.values.a, sqnr.scale)).toBe(BAD_TO_GOOD[0]);
    expect(overlayColor(sqnr.values.b, sqnr.scale)).toBe(BAD_TO_GOOD[3]);
    expect(overlayColor(12, sqnr.scale)).toBe(BAD_TO_GOOD[1]);
    expect(overlayColor(12, sqnr.scale, [5, 10, 11])).toBe(BAD_TO_GOOD[3]);
    expect(overlayColor(undefined, sqnr.scale)).toBe(NO_VALUE_COLOR);
    expect(worstNode(sqnr)).toBe('a');
    expect(legendBands(sqnr.scale).map((b) => b.label)).toEqual(['< 10.0 dB', '10.0 dB – 20.0 dB', '20.0 dB – 30.0 dB', '≥ 30.0 dB']);
    expect(formatOverlayValue(Infinity, sqnr.scale)).toBe('∞ dB');
  });

  it('say why a node runs in its precision, pending choices overriding the decisions', () => {
    const [precision] = buildOverlays({
      decisions: [{ index: 0, name: 'a', opType: 'Softmax', quantized: false, reason: 'Softmax stays FP32' }],
      precision: [{ node: 'b', precision: 'fp16', reason: 'sensitive: FP16 keeps the AP50' }],
    });
    expect(precision.values).toEqual({ a: 'fp32', b: 'fp16' });
    expect(precision.notes).toEqual({ a: 'Softmax stays FP32', b: 'sensitive: FP16 keeps the AP50' });
    expect(overlayColor('fp16', precision.scale)).toBe('#b79fe0');
  });

  it('come up from the pending data: local/accumulated SQNR, sensitivity, profiles', () => {
    const overlays = buildOverlays({
      layerErrors: { images: 4, nodes: [{ node: 'a', tensor: 'ta', localSqnrDb: 30, accumulatedSqnrDb: 18 }] },
      sensitivity: { metric: 'output SQNR', unit: 'dB', nodes: [{ node: 'a', drop: 1.5 }] },
      profiles: [
        { provider: 'wasm-1', label: 'WASM, 1 thread', variant: 'fp32', totalMs: 10, nodes: [{ node: 'a', ms: 4 }] },
        { provider: 'wasm-1', label: 'WASM, 1 thread', variant: 'int8', totalMs: 8, nodes: [{ node: 'a', ms: 2 }] },
      ],
    });
    expect(overlays.map((o) => [o.id, o.values.a])).toEqual([
      ['sqnr-local', 30],
      ['sqnr-accumulated', 18],
      ['sensitivity', 1.5],
      ['latency-share:wasm-1', 0.25],
      ['latency-ratio:wasm-1', 0.5],
    ]);
  });

  it('show where WebGPU fell back to the CPU', () => {
    const [placement] = buildOverlays({
      decisions: [
        { index: 0, name: 'a', opType: 'Conv', quantized: true },
        { index: 1, name: 'b', opType: 'Resize', quantized: true },
      ],
      placement: { model: 'int8', cpuNodes: [{ name: 'b', opType: 'Resize' }] },
    }).filter((o) => o.id === 'placement');
    expect(placement.values).toEqual({ a: 'gpu', b: 'cpu' });
  });
});
