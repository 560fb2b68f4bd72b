import { describe, expect, it } from 'vitest';
import { centerOn, fitAll, fitTop, panBy, toLayout, visibleRect, zoomAt } from './viewport';

describe('viewport', () => {
  it('zooms about the pointer: the layout point under it stays there', () => {
    const v = { scale: 0.5, tx: 30, ty: -200 };
    const before = toLayout(v, 120, 80);
    const z = zoomAt(v, 1.7, 120, 80);
    expect(z.scale).toBeCloseTo(0.85);
    const after = toLayout(z, 120, 80);
    expect(after.x).toBeCloseTo(before.x);
    expect(after.y).toBeCloseTo(before.y);
  });

  it('clamps the scale', () => {
    expect(zoomAt({ scale: 3, tx: 0, ty: 0 }, 10, 0, 0).scale).toBe(4);
    expect(zoomAt({ scale: 0.03, tx: 0, ty: 0 }, 0.01, 0, 0).scale).toBe(0.02);
  });

  it('pans, fits and centres', () => {
    expect(panBy({ scale: 1, tx: 1, ty: 2 }, 10, -5)).toEqual({ scale: 1, tx: 11, ty: -3 });
    const all = fitAll({ width: 800, height: 12800 }, { width: 900, height: 640 });
    const r = visibleRect(all, { width: 900, height: 640 });
    expect(r.y0).toBeLessThanOrEqual(0);
    expect(r.y1).toBeGreaterThanOrEqual(12800);
    expect(fitTop({ width: 800, height: 12800 }, { width: 900, height: 640 })).toMatchObject({ scale: 1, ty: 8 });
    const c = centerOn({ scale: 0.2, tx: 0, ty: 0 }, 400, 6000, { width: 900, height: 640 });
    expect(c.scale).toBe(1);
    expect(toLayout(c, 450, 320)).toEqual({ x: 400, y: 6000 });
  });
});
