/**
 * Learn mode: a histogram seen through a quantizer, i.e. how many values land on each integer code.
 * Drawn over the codes qmin..qmax it makes the wasted codes of a grid visible (a symmetric grid on
 * post-ReLU data leaves its whole negative half empty).
 *
 * It uses the histogram's own mass model (histogram.ts `massPieces`: each bin's count spread uniformly
 * over the bin clipped to the exact [min, max], exact zeros a point mass at 0), the same model every
 * range method and clipMetrics use, and the quantizer of quant/params.ts (round half to even, clamp).
 */
import { massPieces, type Histogram } from '../calibration/histogram';
import { roundHalfToEven } from '../quant/params';

export interface CodeGrid {
  readonly scale: number;
  readonly zeroPoint: number;
  readonly qmin: number;
  readonly qmax: number;
}

/** The integer code of x on the grid: clamp(round_half_even(x / scale) + zeroPoint, qmin, qmax). */
export function codeOf(x: number, grid: CodeGrid): number {
  const q = grid.scale > 0 ? roundHalfToEven(x / grid.scale) + grid.zeroPoint : grid.zeroPoint;
  return Math.min(grid.qmax, Math.max(grid.qmin, q));
}

/**
 * Values per code: slot `c - qmin` holds the (estimated) number of values that quantize to code c.
 * Values beyond the grid pile up on qmin and qmax (they are clipped there). The total is h.count.
 */
export function codeHistogram(h: Histogram, grid: CodeGrid): Float64Array {
  const out = new Float64Array(grid.qmax - grid.qmin + 1);
  if (h.count === 0) return out;
  const p = massPieces(h);
  const s = grid.scale;
  for (let k = 0; k < p.length; k++) {
    const a = p.a[k];
    const b = p.b[k];
    const m = p.mass[k];
    const ca = codeOf(a, grid);
    const cb = codeOf(b, grid);
    if (a === b || ca === cb || !(s > 0)) {
      out[ca - grid.qmin] += m;
      continue;
    }
    // Code c (not clamped) takes the real values [(c - zp - 1/2)·s, (c - zp + 1/2)·s); the clamped ends
    // take everything beyond. Spread the piece's mass by overlap, and give the rounding rest to cb.
    const density = m / (b - a);
    let placed = 0;
    for (let c = ca; c < cb; c++) {
      const lo = c === grid.qmin ? a : Math.max(a, (c - grid.zeroPoint - 0.5) * s);
      const hi = Math.min(b, (c - grid.zeroPoint + 0.5) * s);
      const share = hi > lo ? density * (hi - lo) : 0;
      out[c - grid.qmin] += share;
      placed += share;
    }
    out[cb - grid.qmin] += Math.max(0, m - placed);
  }
  return out;
}

/** Codes that hold at least `threshold` values (by default any mass at all). */
export function occupiedCodes(counts: ArrayLike<number>, threshold = 0): number {
  let n = 0;
  for (let i = 0; i < counts.length; i++) if (counts[i] > threshold) n++;
  return n;
}
