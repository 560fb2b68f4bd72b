/**
 * The YOLO family's single-output heads.
 *
 *   yolov5   [1, N, 5+C] rows: cx, cy, w, h (input pixels, or 0..1), objectness, C class scores.
 *            YOLOv5/v7 (N = 3 anchors x cells of strides 8/16/32), YOLOX exported with its decode,
 *            FastestDet as onnxruntime-extensions ships it. Sigmoid applied or not (judged by value).
 *   yolox    [1, N, 5+C] rows of a RAW YOLOX head, N = cells of strides 8/16/32 (one per cell):
 *            cx = (x + gx) * s, cy = (y + gy) * s, w = exp(w) * s, h = exp(h) * s.
 *   yolov8   [1, 4+C, N] columns (Ultralytics YOLOv8/11): cx, cy, w, h in pixels, C class scores, no
 *            objectness. A [1, N, 4+C] transposed export is read too when named.
 *
 * YOLOv5 and raw YOLOX share a shape; their values differ: decoded centres spread over the input's
 * width, raw ones are offsets of a cell or two (tensors.ts boxUnits).
 */
import { corners } from './boxes';
import {
  areProbabilities,
  boxUnits,
  cellsText,
  columnRange,
  levelCells,
  matchStrides,
  shapeText,
  sigmoid,
  squeezeBatch,
  table,
  type Table,
} from './tensors';
import type { DecodeContext, Detection, DetectionDecoder, Recognition } from './types';
import type { RunnerTensor } from '../../runner';

type Outputs = Readonly<Record<string, RunnerTensor>>;

/** The only float output of rank 2 or 3 (batch 1), or a reason why there is none. */
export function singleOutput(outputs: Outputs): { name: string; tensor: RunnerTensor } | string {
  const entries = Object.entries(outputs).filter(([, t]) => t.type !== 'int64' && t.type !== 'int32' && t.type !== 'bool');
  const usable = entries.filter(([, t]) => squeezeBatch(t.dims).length === 2);
  if (usable.length === 1) return { name: usable[0][0], tensor: usable[0][1] };
  if (usable.length === 0) return `no output is a table of rows (${Object.entries(outputs).map(([n, t]) => `'${n}' ${shapeText(t.dims)}`).join(', ')})`;
  return `${usable.length} outputs could be the head (${usable.map(([n]) => `'${n}'`).join(', ')}); this layout has one`;
}

/**
 * Candidates from rows with boxes in columns 0-3 (centre form), objectness in `objCol` (or none), and
 * class scores from `classCol` on. Scores are probabilities, or logits put through a sigmoid.
 */
export function decodeRows(
  t: Table,
  layout: { objCol: number | undefined; classCol: number; box: (r: number) => { cx: number; cy: number; w: number; h: number } },
  context: DecodeContext,
): Detection[] {
  const last = t.cols;
  const logits = !areProbabilities(t, layout.objCol ?? layout.classCol, last);
  const p = logits ? sigmoid : (x: number) => x;
  const out: Detection[] = [];
  const threshold = context.scoreThreshold;
  for (let r = 0; r < t.rows; r++) {
    const obj = layout.objCol === undefined ? 1 : p(t.at(r, layout.objCol));
    if (obj < threshold) continue;
    let best = -Infinity;
    let cls = 0;
    for (let c = layout.classCol; c < last; c++) {
      const v = t.at(r, c);
      if (v > best) {
        best = v;
        cls = c - layout.classCol;
      }
    }
    const score = obj * p(best);
    if (!(score >= threshold)) continue;
    const b = layout.box(r);
    out.push({ ...corners(b.cx, b.cy, b.w, b.h), score, classId: cls });
  }
  return out;
}

/** Boxes in columns 0-3 as given (pixels) or scaled from 0..1 to the input. */
function plainBoxes(t: Table, context: DecodeContext, units: 'pixels' | 'normalized' | 'raw') {
  const sx = units === 'normalized' ? context.inputWidth : 1;
  const sy = units === 'normalized' ? context.inputHeight : 1;
  return (r: number) => ({ cx: t.at(r, 0) * sx, cy: t.at(r, 1) * sy, w: t.at(r, 2) * sx, h: t.at(r, 3) * sy });
}

function rowsOf(outputs: Outputs, minCols: number): { name: string; t: Table } | string {
  const single = singleOutput(outputs);
  if (typeof single === 'string') return single;
  const dims = squeezeBatch(single.tensor.dims);
  if (dims[0] < dims[1]) return `'${single.name}' ${shapeText(single.tensor.dims)} has fewer rows than columns (a [1, 4+C, N] head: yolov8)`;
  if (dims[1] < minCols) return `'${single.name}' ${shapeText(single.tensor.dims)} has ${dims[1]} columns, fewer than ${minCols}`;
  return { name: single.name, t: table(single.tensor, { transposed: false })! };
}

export const yolov5: DetectionDecoder = {
  name: 'yolov5',
  title: 'YOLOv5/v7-style [1, N, 5+C]: decoded boxes, objectness, class scores',
  recognize(outputs, context): Recognition {
    const rows = rowsOf(outputs, 6);
    if (typeof rows === 'string') return { fits: false, reason: rows };
    const { name, t } = rows;
    const classes = t.cols - 5;
    const units = boxUnits(columnRange(t, 0), context.inputWidth);
    const what = `'${name}' has ${t.rows} rows of 5 + ${classes} columns`;
    if (units === 'raw') return { fits: true, confidence: 0, classes, reason: `${what}, but its box centres are not pixels (largest ${columnRange(t, 0).max.toFixed(2)} of a ${context.inputWidth}-pixel input): a raw head` };
    const anchored = matchStrides(t.rows, context.inputWidth, context.inputHeight, 3);
    const evidence = anchored ? `; ${t.rows} = 3 anchors x (${cellsText(context.inputWidth, context.inputHeight, anchored)}) cells` : '';
    return { fits: true, confidence: units === 'pixels' ? 2 + (anchored ? 1 : 0) : 1, classes, reason: `${what} with box centres in ${units === 'pixels' ? 'input pixels' : '0..1'}${evidence}` };
  },
  decode(outputs, context) {
    const rows = rowsOf(outputs, 6);
    if (typeof rows === 'string') return [];
    const { t } = rows;
    const units = boxUnits(columnRange(t, 0), context.inputWidth);
    return decodeRows(t, { objCol: 4, classCol: 5, box: plainBoxes(t, context, units) }, context);
  },
};

/** Per row of a raw anchor-free head: its stride and grid cell. */
function gridOf(rows: number, context: DecodeContext): { stride: Float32Array; gx: Float32Array; gy: Float32Array } | undefined {
  const strides = matchStrides(rows, context.inputWidth, context.inputHeight);
  if (!strides) return undefined;
  const stride = new Float32Array(rows);
  const gx = new Float32Array(rows);
  const gy = new Float32Array(rows);
  let r = 0;
  for (const level of levelCells(context.inputWidth, context.inputHeight, strides)) {
    for (let y = 0; y < level.gh; y++) {
      for (let x = 0; x < level.gw; x++, r++) {
        stride[r] = level.stride;
        gx[r] = x;
        gy[r] = y;
      }
    }
  }
  return { stride, gx, gy };
}

export const yolox: DetectionDecoder = {
  name: 'yolox',
  title: 'YOLOX raw head [1, N, 5+C]: grid decode over strides 8/16/32',
  recognize(outputs, context): Recognition {
    const rows = rowsOf(outputs, 6);
    if (typeof rows === 'string') return { fits: false, reason: rows };
    const { name, t } = rows;
    const strides = matchStrides(t.rows, context.inputWidth, context.inputHeight);
    if (!strides) return { fits: false, reason: `'${name}' has ${t.rows} rows, not one per cell of strides 8/16/32 at ${context.inputWidth}x${context.inputHeight} (${cellsText(context.inputWidth, context.inputHeight, [8, 16, 32])})` };
    const classes = t.cols - 5;
    const cx = columnRange(t, 0);
    const units = boxUnits(cx, context.inputWidth);
    const cells = `${t.rows} rows = ${cellsText(context.inputWidth, context.inputHeight, strides)} cells of strides ${strides.join('/')} at ${context.inputWidth}x${context.inputHeight}`;
    // Centres that are all within 0..1 could be a decoded head's in 0..1, or offsets: one row per cell says raw.
    if (units === 'pixels') return { fits: true, confidence: 0, classes, reason: `'${name}': ${cells}, but its box centres are already input pixels (largest ${cx.max.toFixed(1)}): a decoded head` };
    return { fits: true, confidence: 3, classes, reason: `'${name}': ${cells}, box centres are grid offsets (${cx.min.toFixed(2)}..${cx.max.toFixed(2)}), 5 + ${classes} columns` };
  },
  decode(outputs, context) {
    const rows = rowsOf(outputs, 6);
    if (typeof rows === 'string') return [];
    const { t } = rows;
    const grid = gridOf(t.rows, context);
    if (!grid) return [];
    const box = (r: number) => {
      const s = grid.stride[r];
      return { cx: (t.at(r, 0) + grid.gx[r]) * s, cy: (t.at(r, 1) + grid.gy[r]) * s, w: Math.exp(t.at(r, 2)) * s, h: Math.exp(t.at(r, 3)) * s };
    };
    return decodeRows(t, { objCol: 4, classCol: 5, box }, context);
  },
};

/** YOLOv8's head: [1, 4+C, N] read as columns; a [1, N, 4+C] export when the rows are clearly the anchors. */
function v8Table(outputs: Outputs): { name: string; t: Table } | string {
  const single = singleOutput(outputs);
  if (typeof single === 'string') return single;
  const dims = squeezeBatch(single.tensor.dims);
  const transposed = dims[0] < dims[1];
  const t = table(single.tensor, { transposed })!;
  if (t.cols < 5) return `'${single.name}' ${shapeText(single.tensor.dims)} has ${t.cols} values per box, fewer than 4 + 1`;
  return { name: single.name, t };
}

export const yolov8: DetectionDecoder = {
  name: 'yolov8',
  title: 'YOLOv8/11 [1, 4+C, N]: boxes and class scores, no objectness',
  recognize(outputs, context): Recognition {
    const v8 = v8Table(outputs);
    if (typeof v8 === 'string') return { fits: false, reason: v8 };
    const { name, t } = v8;
    const classes = t.cols - 4;
    const units = boxUnits(columnRange(t, 0), context.inputWidth);
    const strides = matchStrides(t.rows, context.inputWidth, context.inputHeight);
    const cells = strides ? `; ${t.rows} = ${cellsText(context.inputWidth, context.inputHeight, strides)} cells` : '';
    if (!t.transposed) return { fits: true, confidence: 0, classes, reason: `'${name}' has ${t.rows} rows of ${t.cols} values: rows rather than YOLOv8's [1, 4+C, N] columns` };
    if (units === 'raw') return { fits: true, confidence: 0, classes, reason: `'${name}' is [1, 4 + ${classes}, ${t.rows}] but its box centres are not pixels` };
    return { fits: true, confidence: 2 + (strides ? 1 : 0), classes, reason: `'${name}' is [1, 4 + ${classes}, ${t.rows}]: ${t.rows} boxes as columns, centres in ${units === 'pixels' ? 'input pixels' : '0..1'}${cells}` };
  },
  decode(outputs, context) {
    const v8 = v8Table(outputs);
    if (typeof v8 === 'string') return [];
    const { t } = v8;
    const units = boxUnits(columnRange(t, 0), context.inputWidth);
    return decodeRows(t, { objCol: undefined, classCol: 4, box: plainBoxes(t, context, units) }, context);
  },
};
