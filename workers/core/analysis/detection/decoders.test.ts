/**
 * Each decoder on a small synthetic head of its layout (a 64x64 input: strides 8/16/32 give 8x8 + 4x4 +
 * 2x2 = 84 cells): one object placed by hand, decoded back to the box it stands for; and the choice
 * among decoders from the outputs alone, with the person's override.
 */
import { describe, expect, it } from 'vitest';
import { ZeropointError } from '../../errors';
import type { RunnerTensor } from '../../runner';
import { chooseDecoder, decoderByName, DECODERS } from './decoders';
import { YOLO_FASTESTV2_ANCHORS } from './decoders-other';
import type { DecodeContext } from './types';

const context: DecodeContext = { inputWidth: 64, inputHeight: 64, scoreThreshold: 0.25 };
const f32 = (dims: number[], fill: (i: number) => number = () => 0): RunnerTensor => {
  const n = dims.reduce((a, b) => a * b, 1);
  return { type: 'float32', dims, data: Float32Array.from({ length: n }, (_, i) => fill(i)) };
};
const decode = (name: string, outputs: Record<string, RunnerTensor>, ctx = context) => decoderByName(name)!.decode(outputs, ctx);
const rounded = (d: { x1: number; y1: number; x2: number; y2: number; score: number; classId: number }) => ({
  box: [d.x1, d.y1, d.x2, d.y2].map((v) => Math.round(v * 100) / 100),
  score: Math.round(d.score * 1000) / 1000,
  classId: d.classId,
});

/** A [1, N, 5+C] table with every row's box spread over the grid (decoded heads spread over the input). */
function rows(n: number, cols: number, set: (row: Float32Array, r: number) => void): RunnerTensor {
  const t = f32([1, n, cols]);
  for (let r = 0; r < n; r++) set((t.data as Float32Array).subarray(r * cols, (r + 1) * cols), r);
  return t;
}

/** YOLOv5: 3 anchors x 84 cells, boxes decoded in pixels; row 10 is a class-1 object at (20, 30) 16x8. */
const yolov5Head = () =>
  rows(252, 7, (row, r) => {
    row[0] = (r % 64) + 0.5;
    row[1] = 32;
    row[2] = 10;
    row[3] = 10;
    if (r === 10) row.set([20, 30, 16, 8, 0.9, 0.1, 0.8]);
  });

/** Raw YOLOX: one row per cell; row 64 + 4*2 + 1 (stride 16, cell x 1, y 2) holds offsets 0.5, log-size ln 2. */
const yoloxHead = () =>
  rows(84, 6, (row, r) => {
    row[0] = -0.3 + (r % 3) * 0.5;
    row[1] = 0.2;
    if (r === 64 + 4 * 2 + 1) row.set([0.5, 0.5, Math.log(2), Math.log(2), 0.9, 0.8]);
  });

/** YOLOv8 [1, 4+2, 84]: column 5 (anchor 5) a class-1 box at (40, 20) 10x20; centres spread in pixels. */
function yolov8Head(): RunnerTensor {
  const n = 84;
  const t = f32([1, 6, n]);
  const d = t.data as Float32Array;
  for (let a = 0; a < n; a++) {
    d[a] = (a % 8) * 8 + 4;
    d[n + a] = Math.floor(a / 8) * 8;
  }
  d.set([40], 5);
  d[n + 5] = 20;
  d[2 * n + 5] = 10;
  d[3 * n + 5] = 20;
  d[5 * n + 5] = 0.7;
  return t;
}

describe('decoders', () => {
  it('yolov5: decoded pixel boxes, objectness x class score', () => {
    expect(decode('yolov5', { output: yolov5Head() }).map(rounded)).toEqual([{ box: [12, 26, 28, 34], score: 0.72, classId: 1 }]);
  });

  it('yolov5: logits go through a sigmoid', () => {
    const logit = (p: number) => Math.log(p / (1 - p));
    const head = rows(252, 7, (row, r) => {
      row[0] = (r % 64) + 0.5;
      row.set([-9, -9, -9], 4);
      if (r === 3) row.set([20, 30, 16, 8, logit(0.9), logit(0.2), logit(0.8)]);
    });
    expect(decode('yolov5', { output: head }).map(rounded)).toEqual([{ box: [12, 26, 28, 34], score: 0.72, classId: 1 }]);
  });

  it('yolox: (offset + cell) x stride, exp(size) x stride', () => {
    // Stride 16, cell (1, 2): centre (1.5 * 16, 2.5 * 16) = (24, 40), size 2 * 16 = 32.
    expect(decode('yolox', { output: yoloxHead() }).map(rounded)).toEqual([{ box: [8, 24, 40, 56], score: 0.72, classId: 0 }]);
  });

  it('yolov8: columns of [1, 4+C, N], no objectness', () => {
    expect(decode('yolov8', { output0: yolov8Head() }).map(rounded)).toEqual([{ box: [35, 10, 45, 30], score: 0.7, classId: 1 }]);
  });

  it('fastestdet: raw [1, 5+C, H, W] map, tanh offsets and sigmoid sizes relative to the input', () => {
    // 64 / 16 = 4x4 cells; cell (x 2, y 1): obj 0.9, tx = ty = 0 (tanh 0), tw = th = 0 (sigmoid 0.5 of 64).
    // Upstream's centre is (cell + tanh) / 4 of the input, with no half-cell: (32, 16), size 32.
    const t = f32([1, 7, 4, 4]);
    const d = t.data as Float32Array;
    const i = 1 * 4 + 2;
    d[i] = 0.9;
    d[6 * 16 + i] = 0.8;
    expect(decode('fastestdet', { out: t }).map(rounded)).toEqual([{ box: [16, 0, 48, 32], score: 0.72, classId: 1 }]);
  });

  it('yolo-fastestv2: [N, 5A+C] over strides 16/32 with anchors, everything in 0..1', () => {
    // 4x4 + 2x2 = 20 rows, 3 anchors: 12 box values, 3 objectness, then 2 classes. Row 5 = stride 16 cell (1, 1), anchor 1.
    const t = f32([20, 17], () => 0.5);
    const d = t.data as Float32Array;
    for (let r = 0; r < 20; r++) d.fill(0, r * 17 + 12, r * 17 + 15);
    const row = 5 * 17;
    d.set([0.5, 0.5, 0.5, 0.5], row + 4); // xy = (2*0.5 - 0.5 + 1) * 16 = 24, wh = (2*0.5)^2 * anchor
    d[row + 12 + 1] = 0.9;
    d[row + 15] = 0.2;
    d[row + 16] = 0.8;
    const [aw, ah] = [YOLO_FASTESTV2_ANCHORS[2], YOLO_FASTESTV2_ANCHORS[3]];
    expect(decode('yolo-fastestv2', { '845': t }).map(rounded)).toEqual([{ box: [24 - aw / 2, 24 - ah / 2, 24 + aw / 2, 24 + ah / 2].map((v) => Math.round(v * 100) / 100), score: 0.72, classId: 1 }]);
  });

  it('detr: labels, corner boxes and scores; scores below the threshold dropped', () => {
    const outputs = {
      labels: { type: 'int64', dims: [1, 2], data: BigInt64Array.from([3n, 5n]) } as RunnerTensor,
      boxes: f32([1, 2, 4], (i) => [1, 2, 30, 40, 5, 5, 9, 9][i]),
      scores: f32([1, 2], (i) => [0.9, 0.1][i]),
    };
    expect(decode('detr', outputs).map(rounded)).toEqual([{ box: [1, 2, 30, 40], score: 0.9, classId: 3 }]);
  });

  it('yolo-end2end: corner boxes, score and a whole class number per row', () => {
    const head = rows(300, 6, (row, r) => {
      if (r === 0) row.set([4, 8, 20, 40, 0.9, 16]);
      else if (r === 1) row.set([1, 1, 2, 2, 0.1, 3]);
    });
    expect(decode('yolo-end2end', { output0: head }).map(rounded)).toEqual([{ box: [4, 8, 20, 40], score: 0.9, classId: 16 }]);
  });

  it('rtdetr: queries of cx, cy, w, h in 0..1 and class scores', () => {
    const head = rows(300, 7, (row, r) => {
      row[0] = (r % 100) / 100;
      if (r === 50) row.set([0.5, 0.25, 0.25, 0.5, 0.1, 0.2, 0.8]);
    });
    expect(decode('rtdetr', { output0: head }).map(rounded)).toEqual([{ box: [24, 0, 40, 32], score: 0.8, classId: 2 }]);
  });

  it('ssd: background column dropped, boxes in 0..1 scaled to the input', () => {
    const outputs = { scores: f32([1, 2, 2], (i) => [0.1, 0.9, 0.95, 0.05][i]), boxes: f32([1, 2, 4], (i) => [0.25, 0.5, 0.5, 0.75, 0, 0, 1, 1][i]) };
    expect(decode('ssd', outputs).map(rounded)).toEqual([{ box: [16, 32, 32, 48], score: 0.9, classId: 0 }]);
  });
});

describe('chooseDecoder', () => {
  const cases: Array<[string, Record<string, RunnerTensor>, RegExp]> = [
    ['yolov5', { output: yolov5Head() }, /252 rows of 5 \+ 2 columns with box centres in input pixels; 252 = 3 anchors x \(8x8 \+ 4x4 \+ 2x2\) cells/],
    ['yolox', { output: yoloxHead() }, /84 rows = 8x8 \+ 4x4 \+ 2x2 cells of strides 8\/16\/32 at 64x64, box centres are grid offsets/],
    ['yolov8', { output0: yolov8Head() }, /is \[1, 4 \+ 2, 84\]/],
    ['detr', { labels: { type: 'int64', dims: [1, 2], data: BigInt64Array.from([0n, 1n]) }, boxes: f32([1, 2, 4]), scores: f32([1, 2]) }, /labels 'labels', boxes 'boxes' and scores 'scores' for 2 queries/],
    ['ssd', { scores: f32([1, 3, 2], (i) => (i % 2 ? 0.2 : 0.8)), boxes: f32([1, 3, 4]) }, /each row of scores sums to 1/],
    ['yolo-end2end', { output0: rows(300, 6, (row, r) => row.set([r, r, r + 9, r + 9, 0.5, r % 80])) }, /300 detections of x1, y1, x2, y2, score in 0\.\.1 and a whole class number/],
    ['rtdetr', { output0: rows(300, 84, (row, r) => row.set([(r % 100) / 100, 0.5, 0.1, 0.1])) }, /300 queries \(not the cells of strides 8\/16\/32\) with boxes in 0\.\.1/],
  ];
  it.each(cases)('recognises %s and says why', (name, outputs, why) => {
    const choice = chooseDecoder(outputs, context);
    expect(choice.decoder).toBe(name);
    expect(choice.reason).toMatch(why);
    expect(choice.chosenBy).toBe('outputs');
  });

  it('tells YOLOv5 (decoded) from raw YOLOX by the values of the same shape', () => {
    const decoded = rows(84, 6, (row, r) => {
      row[0] = (r % 8) * 8 + 4;
      row[2] = 8;
    });
    const choice = chooseDecoder({ output: decoded }, context);
    expect(choice.decoder).toBe('yolov5');
    expect(choice.alternatives.find((a) => a.decoder === 'yolox')).toMatchObject({ confidence: 0, reason: expect.stringMatching(/already input pixels/) });
  });

  it('takes a named decoder that can read the outputs, and refuses one that cannot, naming the output and who can', () => {
    expect(chooseDecoder({ output: yoloxHead() }, context, { name: 'yolov5' })).toMatchObject({ decoder: 'yolov5', chosenBy: 'name' });
    const e = (() => {
      try {
        chooseDecoder({ output: yolov5Head() }, context, { name: 'yolox', source: 'm.onnx' });
      } catch (err) {
        return err as ZeropointError;
      }
    })();
    expect(e?.code).toBe('bad-option');
    expect(e?.message).toBe(
      "Decoder 'yolox' cannot read the outputs of 'm.onnx' ('output' [1, 252, 7]): 'output' has 252 rows, not one per cell of strides 8/16/32 at 64x64 (8x8 + 4x4 + 2x2); 'yolov5' can ('output' has 252 rows of 5 + 2 columns with box centres in input pixels; 252 = 3 anchors x (8x8 + 4x4 + 2x2) cells).",
    );
    expect(() => chooseDecoder({ output: yoloxHead() }, context, { name: 'yolo9000' })).toThrow(/Unknown decoder 'yolo9000'; use one of yolov5, yolox, yolov8, yolo-end2end, fastestdet, yolo-fastestv2, detr, rtdetr, ssd\./);
  });

  it("says 'not-detector' for outputs no decoder reads (a classifier)", () => {
    expect(() => chooseDecoder({ prob: f32([1, 1000]) }, context, { source: 'squeezenet.onnx' })).toThrow(
      expect.objectContaining({ code: 'not-detector', message: expect.stringMatching(/^No detection decoder recognises the outputs of 'squeezenet.onnx' \('prob' \[1, 1000\]\)\./) }),
    );
  });

  it('every decoder has a title and refuses an empty output set with a reason', () => {
    for (const d of DECODERS) {
      expect(d.title.length).toBeGreaterThan(10);
      const r = d.recognize({}, context);
      expect(r.fits).toBe(false);
    }
  });
});
