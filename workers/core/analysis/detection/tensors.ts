/**
 * Reading detector outputs: a tensor as rows of a table, the grids of strided heads, and the tests of
 * what values look like (pixels, probabilities) that tell same-shaped layouts apart.
 */
import { runnerTensorToFloat32 } from '../../onnx/tensor';
import type { RunnerTensor } from '../../runner';

/** A [1, N, K] or [N, K] output as N rows of K values, or [1, K, N] read as columns (`transposed`). */
export interface Table {
  readonly rows: number;
  readonly cols: number;
  /** Value of row r, column c. */
  at(r: number, c: number): number;
  readonly transposed: boolean;
}

/** The dims without leading 1s (a batch of one): [1, 756, 6] -> [756, 6]. */
export function squeezeBatch(dims: readonly number[]): number[] {
  const out = [...dims];
  while (out.length > 2 && out[0] === 1) out.shift();
  return out;
}

export function floats(t: RunnerTensor): Float32Array {
  return runnerTensorToFloat32(t);
}

/** Rows of K values from a rank-2 or rank-3 (batch 1) output; `transposed` reads [K, N] as N rows. */
export function table(t: RunnerTensor, options: { transposed: boolean }): Table | undefined {
  const dims = squeezeBatch(t.dims);
  if (dims.length !== 2) return undefined;
  const data = floats(t);
  const [a, b] = dims;
  if (options.transposed) return { rows: b, cols: a, transposed: true, at: (r, c) => data[c * b + r] };
  return { rows: a, cols: b, transposed: false, at: (r, c) => data[r * b + c] };
}

/** Grid cells per level of a strided head: ceil(H / s) x ceil(W / s) for each stride. */
export function levelCells(width: number, height: number, strides: readonly number[]): Array<{ stride: number; gw: number; gh: number }> {
  return strides.map((s) => ({ stride: s, gw: Math.ceil(width / s), gh: Math.ceil(height / s) }));
}

export function cellCount(width: number, height: number, strides: readonly number[]): number {
  return levelCells(width, height, strides).reduce((sum, l) => sum + l.gw * l.gh, 0);
}

/** "24x24 + 12x12 + 6x6" */
export function cellsText(width: number, height: number, strides: readonly number[]): string {
  return levelCells(width, height, strides)
    .map((l) => `${l.gw}x${l.gh}`)
    .join(' + ');
}

/** The stride sets anchor-free heads use (P3-P5, and P3-P6 for 1280 models). */
export const ANCHOR_FREE_STRIDES: readonly (readonly number[])[] = [
  [8, 16, 32],
  [8, 16, 32, 64],
];

/** The strides whose cells (times `perCell` anchors) give `rows`, or undefined. */
export function matchStrides(rows: number, width: number, height: number, perCell = 1): readonly number[] | undefined {
  return ANCHOR_FREE_STRIDES.find((s) => cellCount(width, height, s) * perCell === rows);
}

export interface ColumnRange {
  readonly min: number;
  readonly max: number;
}

export function columnRange(t: Table, col: number): ColumnRange {
  let min = Infinity;
  let max = -Infinity;
  for (let r = 0; r < t.rows; r++) {
    const v = t.at(r, col);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/** Whether columns [from, to) hold probabilities (0..1, a little slack for rounding), not logits. */
export function areProbabilities(t: Table, from: number, to: number): boolean {
  for (let r = 0; r < t.rows; r++) {
    for (let c = from; c < to; c++) {
      const v = t.at(r, c);
      if (!(v >= -1e-3 && v <= 1 + 1e-3)) return false;
    }
  }
  return true;
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/**
 * How box columns are expressed, judged from the column of centre x over every row: a decoded head's
 * centres spread over the whole input (its cells do, whatever the picture), so the largest is a
 * sizeable share of the width in 'pixels'; from near 0 to near 1 when 'normalized'; a raw head's are
 * grid offsets of a few units, small against any input of 32 pixels or more.
 */
export function boxUnits(cx: ColumnRange, inputWidth: number): 'pixels' | 'normalized' | 'raw' {
  if (cx.max >= 0.3 * inputWidth && cx.max <= 1.5 * inputWidth) return 'pixels';
  if (cx.min >= -0.1 && cx.min <= 0.3 && cx.max >= 0.7 && cx.max <= 1.5) return 'normalized';
  return 'raw';
}

/** "[1, 756, 6]" */
export function shapeText(dims: readonly number[]): string {
  return `[${dims.join(', ')}]`;
}
