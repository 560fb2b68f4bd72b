/**
 * Heads that need no NMS, read from one table of rows.
 *
 *   yolo-end2end  [1, K, 6] rows x1, y1, x2, y2, score, class (YOLOv10, YOLO26, models exported with
 *                 NMS in the graph): the class column holds whole numbers and the boxes are corners,
 *                 which tells it from a one-class YOLOv5 head of the same width.
 *   rtdetr        [1, Q, 4+C] rows cx, cy, w, h in 0..1 and C class scores (Ultralytics RT-DETR):
 *                 Q queries, a few hundred, not the cells of a strided head.
 * Their boxes still go through the per-class NMS every decoder's do, which leaves distinct boxes be.
 */
import { corners } from './boxes';
import { singleOutput } from './decoders-yolo';
import { areProbabilities, boxUnits, columnRange, matchStrides, shapeText, sigmoid, squeezeBatch, table, type Table } from './tensors';
import type { Detection, DetectionDecoder, Recognition } from './types';
import type { RunnerTensor } from '../../runner';

type Outputs = Readonly<Record<string, RunnerTensor>>;

function rowsTable(outputs: Outputs): { name: string; t: Table } | string {
  const single = singleOutput(outputs);
  if (typeof single === 'string') return single;
  const dims = squeezeBatch(single.tensor.dims);
  if (dims[0] < dims[1]) return `'${single.name}' ${shapeText(single.tensor.dims)} has fewer rows than columns`;
  return { name: single.name, t: table(single.tensor, { transposed: false })! };
}

function wholeNumbers(t: Table, col: number): boolean {
  for (let r = 0; r < t.rows; r++) {
    const v = t.at(r, col);
    if (!(v >= 0 && Number.isInteger(v))) return false;
  }
  return true;
}

/** Whether every box (in columns 0-3) is corners: x2 >= x1 and y2 >= y1; centre-form rows break it. */
function cornerBoxes(t: Table): boolean {
  for (let r = 0; r < t.rows; r++) if (t.at(r, 2) < t.at(r, 0) || t.at(r, 3) < t.at(r, 1)) return false;
  return true;
}

export const yoloEnd2end: DetectionDecoder = {
  name: 'yolo-end2end',
  title: 'End-to-end [1, K, 6]: x1, y1, x2, y2, score, class (YOLOv10, YOLO26, NMS in the graph)',
  recognize(outputs): Recognition {
    const rows = rowsTable(outputs);
    if (typeof rows === 'string') return { fits: false, reason: rows };
    const { name, t } = rows;
    if (t.cols !== 6) return { fits: false, reason: `'${name}' has ${t.cols} columns, not x1, y1, x2, y2, score, class` };
    const classes = Math.max(80, columnRange(t, 5).max + 1);
    if (!wholeNumbers(t, 5)) return { fits: true, confidence: 0, classes, reason: `'${name}' has 6 columns, but its last column is not whole class numbers` };
    if (!areProbabilities(t, 4, 5)) return { fits: true, confidence: 0, classes, reason: `'${name}' has whole class numbers in its last column, but its scores are not in 0..1` };
    if (!cornerBoxes(t)) return { fits: true, confidence: 0, classes, reason: `'${name}' has whole class numbers in its last column, but its boxes are not corners (x2 < x1 or y2 < y1)` };
    return { fits: true, confidence: 4, classes, reason: `'${name}': ${t.rows} detections of x1, y1, x2, y2, score in 0..1 and a whole class number` };
  },
  decode(outputs, context) {
    const rows = rowsTable(outputs);
    if (typeof rows === 'string') return [];
    const { t } = rows;
    let max = 0;
    for (let r = 0; r < t.rows; r++) for (let c = 0; c < 4; c++) max = Math.max(max, Math.abs(t.at(r, c)));
    const sx = max <= 1.5 ? context.inputWidth : 1;
    const sy = max <= 1.5 ? context.inputHeight : 1;
    const out: Detection[] = [];
    for (let r = 0; r < t.rows; r++) {
      const score = t.at(r, 4);
      if (!(score >= context.scoreThreshold)) continue;
      out.push({ x1: t.at(r, 0) * sx, y1: t.at(r, 1) * sy, x2: t.at(r, 2) * sx, y2: t.at(r, 3) * sy, score, classId: t.at(r, 5) });
    }
    return out;
  },
};

export const rtdetr: DetectionDecoder = {
  name: 'rtdetr',
  title: 'RT-DETR (Ultralytics) [1, Q, 4+C]: boxes in 0..1, class scores, no NMS needed',
  recognize(outputs, context): Recognition {
    const rows = rowsTable(outputs);
    if (typeof rows === 'string') return { fits: false, reason: rows };
    const { name, t } = rows;
    if (t.cols < 5) return { fits: false, reason: `'${name}' has ${t.cols} columns, fewer than 4 + 1` };
    const classes = t.cols - 4;
    const units = boxUnits(columnRange(t, 0), context.inputWidth);
    const strided = matchStrides(t.rows, context.inputWidth, context.inputHeight) ?? matchStrides(t.rows, context.inputWidth, context.inputHeight, 3);
    const what = `'${name}' has ${t.rows} rows of 4 + ${classes} columns`;
    if (units !== 'normalized') return { fits: true, confidence: 0, classes, reason: `${what}, but its box centres are not in 0..1` };
    if (strided) return { fits: true, confidence: 0, classes, reason: `${what}, but ${t.rows} rows are the cells of a strided head, not queries` };
    return { fits: true, confidence: 2, classes, reason: `${what}: ${t.rows} queries (not the cells of strides 8/16/32) with boxes in 0..1` };
  },
  decode(outputs, context) {
    const rows = rowsTable(outputs);
    if (typeof rows === 'string') return [];
    const { t } = rows;
    const p = areProbabilities(t, 4, t.cols) ? (x: number) => x : sigmoid;
    const out: Detection[] = [];
    for (let r = 0; r < t.rows; r++) {
      let best = -Infinity;
      let cls = 0;
      for (let c = 4; c < t.cols; c++) {
        if (t.at(r, c) > best) {
          best = t.at(r, c);
          cls = c - 4;
        }
      }
      const score = p(best);
      if (!(score >= context.scoreThreshold)) continue;
      out.push({ ...corners(t.at(r, 0) * context.inputWidth, t.at(r, 1) * context.inputHeight, t.at(r, 2) * context.inputWidth, t.at(r, 3) * context.inputHeight), score, classId: cls });
    }
    return out;
  },
};
