/**
 * Heads outside the single-table YOLO layouts.
 *
 *   fastestdet      FastestDet's raw map [1, 5+C, H, W] (one grid, stride 16 at 352): per cell obj
 *                   (sigmoid), tx, ty, tw, th, C class scores (softmax); cx = (tanh(tx) + gx) / W,
 *                   w = sigmoid(tw), both relative to the input (upstream utils/tool.py handle_preds).
 *                   The onnxruntime-extensions export decodes in the graph: that one is 'yolov5'.
 *   yolo-fastestv2  [N, 5A+C] over strides 16 and 32 (N = 22x22 + 11x11 at 352), everything through a
 *                   sigmoid or softmax already: 4A box values, A objectness, C classes shared by the A
 *                   anchors of a cell; xy = (2v - 0.5 + g) * s, wh = (2v)^2 * anchor (upstream main.py).
 *   detr            DETR-style with postprocessing in the graph (RT-DETR, D-FINE, DEIMv2): labels [1, Q],
 *                   boxes [1, Q, 4] corners in the pixels of orig_target_sizes (the input size), scores [1, Q].
 *   ssd             scores [1, N, K] (column 0 background) + boxes [1, N, 4] corners decoded against the
 *                   priors in the graph, 0..1 (UltraFace, SSD-style exports).
 */
import { corners } from './boxes';
import { floats, levelCells, shapeText, sigmoid, squeezeBatch, table } from './tensors';
import type { DecodeContext, Detection, DetectionDecoder, Recognition } from './types';
import type { RunnerTensor } from '../../runner';

type Outputs = Readonly<Record<string, RunnerTensor>>;

const list = (outputs: Outputs) => Object.entries(outputs).map(([n, t]) => `'${n}' ${shapeText(t.dims)}`).join(', ');

// ---------------------------------------------------------------------------------------------
// FastestDet (raw map)

const FASTESTDET_STRIDES = [8, 16, 32];

function fastestMap(outputs: Outputs, context: DecodeContext): { name: string; t: RunnerTensor; c: number; h: number; w: number; stride: number } | string {
  const maps = Object.entries(outputs).filter(([, t]) => t.dims.length === 4 && t.dims[0] === 1);
  if (maps.length !== 1) return `it reads one [1, 5+C, H, W] map, and the outputs are ${list(outputs)}`;
  const [name, t] = maps[0];
  const [, c, h, w] = t.dims;
  const stride = FASTESTDET_STRIDES.find((s) => Math.ceil(context.inputWidth / s) === w && Math.ceil(context.inputHeight / s) === h);
  if (c < 6) return `'${name}' ${shapeText(t.dims)} has ${c} channels, fewer than 5 + 1`;
  if (!stride) return `'${name}' ${shapeText(t.dims)} is not a grid of stride 8, 16 or 32 over the ${context.inputWidth}x${context.inputHeight} input`;
  return { name, t, c, h, w, stride };
}

export const fastestdet: DetectionDecoder = {
  name: 'fastestdet',
  title: 'FastestDet raw map [1, 5+C, H, W]: obj, tanh/sigmoid box, softmax classes',
  recognize(outputs, context): Recognition {
    const map = fastestMap(outputs, context);
    if (typeof map === 'string') return { fits: false, reason: map };
    const data = floats(map.t);
    const plane = map.h * map.w;
    let objOk = true;
    for (let i = 0; i < plane; i++) if (!(data[i] >= 0 && data[i] <= 1)) objOk = false;
    const classes = map.c - 5;
    const why = `'${map.name}' ${shapeText(map.t.dims)}: one ${map.w}x${map.h} grid (stride ${map.stride}) of 5 + ${classes} channels`;
    return objOk ? { fits: true, confidence: 2, classes, reason: `${why}, channel 0 in 0..1 (objectness)` } : { fits: true, confidence: 0, classes, reason: `${why}, but channel 0 is not a probability` };
  },
  decode(outputs, context) {
    const map = fastestMap(outputs, context);
    if (typeof map === 'string') return [];
    const data = floats(map.t);
    const { c, h, w } = map;
    const plane = h * w;
    const out: Detection[] = [];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        const obj = data[i];
        if (obj < context.scoreThreshold) continue;
        let best = -Infinity;
        let cls = 0;
        for (let k = 5; k < c; k++) {
          const v = data[k * plane + i];
          if (v > best) {
            best = v;
            cls = k - 5;
          }
        }
        const score = obj * best;
        if (!(score >= context.scoreThreshold)) continue;
        const cx = ((Math.tanh(data[plane + i]) + x) / w) * context.inputWidth;
        const cy = ((Math.tanh(data[2 * plane + i]) + y) / h) * context.inputHeight;
        const bw = sigmoid(data[3 * plane + i]) * context.inputWidth;
        const bh = sigmoid(data[4 * plane + i]) * context.inputHeight;
        out.push({ ...corners(cx, cy, bw, bh), score, classId: cls });
      }
    }
    return out;
  },
};

// ---------------------------------------------------------------------------------------------
// Yolo-FastestV2

/** Upstream's COCO anchors (w, h in input pixels), three for stride 16 then three for stride 32. */
export const YOLO_FASTESTV2_ANCHORS: readonly number[] = [12.64, 19.39, 37.88, 51.48, 55.71, 138.31, 126.91, 78.23, 131.57, 214.55, 279.92, 258.87];
const FASTESTV2_STRIDES = [16, 32];

function fastestV2Table(outputs: Outputs, context: DecodeContext) {
  const entries = Object.entries(outputs).filter(([, t]) => squeezeBatch(t.dims).length === 2);
  if (entries.length !== 1) return `it reads one [N, 5A+C] table, and the outputs are ${list(outputs)}`;
  const [name, tensor] = entries[0];
  const t = table(tensor, { transposed: false })!;
  const levels = levelCells(context.inputWidth, context.inputHeight, FASTESTV2_STRIDES);
  const cells = levels.reduce((s, l) => s + l.gw * l.gh, 0);
  const anchors = context.anchors ?? YOLO_FASTESTV2_ANCHORS;
  const perCell = anchors.length / 2 / levels.length;
  if (!Number.isInteger(perCell) || perCell < 1) return `${anchors.length / 2} anchors do not split evenly over strides 16 and 32`;
  if (t.rows !== cells) return `'${name}' has ${t.rows} rows, not ${levels.map((l) => `${l.gw}x${l.gh}`).join(' + ')} = ${cells} cells of strides 16/32 at ${context.inputWidth}x${context.inputHeight}`;
  const classes = t.cols - 5 * perCell;
  if (classes < 1) return `'${name}' has ${t.cols} columns, fewer than 5 x ${perCell} anchors + 1 class`;
  return { name, t, levels, anchors, perCell, classes };
}

export const yoloFastestV2: DetectionDecoder = {
  name: 'yolo-fastestv2',
  title: 'Yolo-FastestV2 [N, 5A+C] over strides 16/32 with anchors',
  recognize(outputs, context): Recognition {
    const v = fastestV2Table(outputs, context);
    if (typeof v === 'string') return { fits: false, reason: v };
    let probabilities = true;
    for (let r = 0; r < v.t.rows && probabilities; r++) for (let c = 0; c < v.t.cols; c++) if (!(v.t.at(r, c) >= -1e-3 && v.t.at(r, c) <= 1.001)) probabilities = false;
    const why = `'${v.name}': ${v.t.rows} rows = ${v.levels.map((l) => `${l.gw}x${l.gh}`).join(' + ')} cells of strides 16/32, ${v.perCell} anchors x (4 + 1) + ${v.classes} classes`;
    return probabilities ? { fits: true, confidence: 3, classes: v.classes, reason: `${why}, every value in 0..1` } : { fits: true, confidence: 0, classes: v.classes, reason: `${why}, but values are not all in 0..1` };
  },
  decode(outputs, context) {
    const v = fastestV2Table(outputs, context);
    if (typeof v === 'string') return [];
    const { t, levels, anchors, perCell } = v;
    const objCol = 4 * perCell;
    const classCol = 5 * perCell;
    const out: Detection[] = [];
    let r = 0;
    levels.forEach((level, li) => {
      for (let gy = 0; gy < level.gh; gy++) {
        for (let gx = 0; gx < level.gw; gx++, r++) {
          let best = -Infinity;
          let cls = 0;
          for (let c = classCol; c < t.cols; c++) {
            const value = t.at(r, c);
            if (value > best) {
              best = value;
              cls = c - classCol;
            }
          }
          for (let a = 0; a < perCell; a++) {
            const score = t.at(r, objCol + a) * best;
            if (!(score >= context.scoreThreshold)) continue;
            const cx = (t.at(r, 4 * a) * 2 - 0.5 + gx) * level.stride;
            const cy = (t.at(r, 4 * a + 1) * 2 - 0.5 + gy) * level.stride;
            const aw = anchors[(li * perCell + a) * 2];
            const ah = anchors[(li * perCell + a) * 2 + 1];
            const w = (t.at(r, 4 * a + 2) * 2) ** 2 * aw;
            const h = (t.at(r, 4 * a + 3) * 2) ** 2 * ah;
            out.push({ ...corners(cx, cy, w, h), score, classId: cls });
          }
        }
      }
    });
    return out;
  },
};

// ---------------------------------------------------------------------------------------------
// DETR-style: labels, boxes, scores

function detrOutputs(outputs: Outputs) {
  const entries = Object.entries(outputs);
  const boxes = entries.find(([, t]) => squeezeBatch(t.dims).length === 2 && t.dims[t.dims.length - 1] === 4 && t.type !== 'int64');
  if (!boxes) return `it reads labels [1, Q], boxes [1, Q, 4] and scores [1, Q], and the outputs are ${list(outputs)}`;
  const q = squeezeBatch(boxes[1].dims)[0];
  const perQuery = entries.filter(([n, t]) => n !== boxes[0] && t.data.length === q);
  const labels = perQuery.find(([n, t]) => t.type === 'int64' || t.type === 'int32' || /label|class/i.test(n));
  const scores = perQuery.find(([n, t]) => n !== labels?.[0] && t.type !== 'int64' && t.type !== 'int32');
  if (!labels || !scores) return `besides boxes '${boxes[0]}' ${shapeText(boxes[1].dims)} it needs labels and scores of ${q} values, and the outputs are ${list(outputs)}`;
  return { q, boxes: boxes[0], labels: labels[0], scores: scores[0] };
}

function labelValues(t: RunnerTensor): ArrayLike<number> {
  if (t.data instanceof BigInt64Array) return Array.from(t.data, (v) => Number(v));
  return floats(t);
}

export const detr: DetectionDecoder = {
  name: 'detr',
  title: 'DETR-style labels, boxes (corners), scores (RT-DETR, D-FINE, DEIMv2)',
  recognize(outputs, context): Recognition {
    const d = detrOutputs(outputs);
    if (typeof d === 'string') return { fits: false, reason: d };
    const labels = labelValues(outputs[d.labels]);
    let maxLabel = 0;
    for (let i = 0; i < labels.length; i++) maxLabel = Math.max(maxLabel, labels[i]);
    const classes = maxLabel < 80 ? 80 : maxLabel + 1;
    const named = /label/i.test(d.labels) && /box/i.test(d.boxes) && /score/i.test(d.scores);
    return { fits: true, confidence: named ? 3 : 2, classes, reason: `labels '${d.labels}', boxes '${d.boxes}' and scores '${d.scores}' for ${d.q} queries, boxes as corners in the pixels of the ${context.inputWidth}x${context.inputHeight} input` };
  },
  decode(outputs, context) {
    const d = detrOutputs(outputs);
    if (typeof d === 'string') return [];
    const labels = labelValues(outputs[d.labels]);
    const scores = floats(outputs[d.scores]);
    const boxes = floats(outputs[d.boxes]);
    let max = 0;
    for (let i = 0; i < boxes.length; i++) max = Math.max(max, Math.abs(boxes[i]));
    // Boxes in 0..1 (an export whose postprocessing did not scale them) are scaled to the input.
    const sx = max <= 1.5 ? context.inputWidth : 1;
    const sy = max <= 1.5 ? context.inputHeight : 1;
    const out: Detection[] = [];
    for (let i = 0; i < d.q; i++) {
      if (!(scores[i] >= context.scoreThreshold)) continue;
      out.push({ x1: boxes[i * 4] * sx, y1: boxes[i * 4 + 1] * sy, x2: boxes[i * 4 + 2] * sx, y2: boxes[i * 4 + 3] * sy, score: scores[i], classId: labels[i] });
    }
    return out;
  },
};

// ---------------------------------------------------------------------------------------------
// SSD-style: scores + decoded boxes

function ssdOutputs(outputs: Outputs) {
  const rank2 = Object.entries(outputs).filter(([, t]) => squeezeBatch(t.dims).length === 2);
  const boxes = rank2.find(([, t]) => squeezeBatch(t.dims)[1] === 4);
  const scores = rank2.find(([n, t]) => n !== boxes?.[0] && squeezeBatch(t.dims)[1] >= 2 && squeezeBatch(t.dims)[0] === (boxes ? squeezeBatch(boxes[1].dims)[0] : -1));
  if (!boxes || !scores) return `it reads scores [1, N, K] and boxes [1, N, 4], and the outputs are ${list(outputs)}`;
  return { boxes: boxes[0], scores: scores[0], n: squeezeBatch(boxes[1].dims)[0], k: squeezeBatch(scores[1].dims)[1] };
}

export const ssd: DetectionDecoder = {
  name: 'ssd',
  title: 'SSD-style scores [1, N, K] (background first) + decoded boxes [1, N, 4] (UltraFace)',
  recognize(outputs): Recognition {
    const s = ssdOutputs(outputs);
    if (typeof s === 'string') return { fits: false, reason: s };
    const scores = table(outputs[s.scores], { transposed: false })!;
    let softmax = true;
    for (let r = 0; r < scores.rows && softmax; r++) {
      let sum = 0;
      for (let c = 0; c < scores.cols; c++) sum += scores.at(r, c);
      if (Math.abs(sum - 1) > 1e-2) softmax = false;
    }
    const why = `scores '${s.scores}' [${s.n}, ${s.k}] beside boxes '${s.boxes}' [${s.n}, 4]`;
    return softmax ? { fits: true, confidence: 2, classes: s.k - 1, reason: `${why}, each row of scores sums to 1 (column 0 the background)` } : { fits: true, confidence: 0, classes: s.k - 1, reason: `${why}, but the scores are not a softmax with a background column` };
  },
  decode(outputs, context) {
    const s = ssdOutputs(outputs);
    if (typeof s === 'string') return [];
    const scores = table(outputs[s.scores], { transposed: false })!;
    const boxes = floats(outputs[s.boxes]);
    let max = 0;
    for (let i = 0; i < boxes.length; i++) max = Math.max(max, boxes[i]);
    const sx = max <= 1.5 ? context.inputWidth : 1;
    const sy = max <= 1.5 ? context.inputHeight : 1;
    const out: Detection[] = [];
    for (let r = 0; r < s.n; r++) {
      for (let c = 1; c < s.k; c++) {
        const score = scores.at(r, c);
        if (!(score >= context.scoreThreshold)) continue;
        out.push({ x1: boxes[r * 4] * sx, y1: boxes[r * 4 + 1] * sy, x2: boxes[r * 4 + 2] * sx, y2: boxes[r * 4 + 3] * sy, score, classId: c - 1 });
      }
    }
    return out;
  },
};
