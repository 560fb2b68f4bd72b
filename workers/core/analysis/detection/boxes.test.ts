/**
 * Box geometry and ground truth: IoU, per-class NMS, boxes mapped back through each resize mode's
 * placement, YOLO label files, class maps.
 */
import { describe, expect, it } from 'vitest';
import type { InputGeometry } from '../../preprocess/spec';
import { resolveSpec } from '../../preprocess/spec';
import { imageTransform, iou, nmsPerClass, toOriginal } from './boxes';
import { classMapText, coco91ClassMap, parseClassMap, parseYoloLabels, truthBoxes } from './labels';
import type { Detection } from './types';

const det = (x1: number, y1: number, x2: number, y2: number, score: number, classId = 0): Detection => ({ x1, y1, x2, y2, score, classId });
const geometry = (width: number, height: number): InputGeometry => ({ name: 'images', layout: 'nchw', channels: 3, width, height, batch: 1, elemType: 1 });
const round = (d: Detection) => [d.x1, d.y1, d.x2, d.y2].map((v) => Math.round(v * 1000) / 1000);

describe('iou and nmsPerClass', () => {
  it('iou: disjoint 0, same 1, half-overlapping squares 1/3', () => {
    expect(iou(det(0, 0, 1, 1, 1), det(2, 2, 3, 3, 1))).toBe(0);
    expect(iou(det(0, 0, 4, 4, 1), det(0, 0, 4, 4, 1))).toBe(1);
    expect(iou(det(0, 0, 2, 2, 1), det(1, 0, 3, 2, 1))).toBeCloseTo(1 / 3, 12);
  });

  it('suppresses overlaps within a class only, best score first, and keeps at most maxDetections', () => {
    const kept = nmsPerClass([det(0, 0, 10, 10, 0.8), det(1, 0, 11, 10, 0.9), det(0, 0, 10, 10, 0.7, 1), det(50, 50, 60, 60, 0.6)], { iouThreshold: 0.5, maxDetections: 10 });
    expect(kept.map((d) => [d.score, d.classId])).toEqual([
      [0.9, 0],
      [0.7, 1],
      [0.6, 0],
    ]);
    expect(nmsPerClass([det(0, 0, 1, 1, 0.5), det(5, 5, 6, 6, 0.9), det(9, 9, 10, 10, 0.7)], { iouThreshold: 0.5, maxDetections: 2 }).map((d) => d.score)).toEqual([0.9, 0.7]);
  });
});

describe('toOriginal through the placement', () => {
  const size = { width: 640, height: 480 };
  it('letterbox centred: the 144-row band at y 24 of a 192x192 input is the whole 640x480 image', () => {
    const t = imageTransform(size, resolveSpec('yolo', { channels: 3 }), geometry(192, 192));
    expect(toOriginal([det(0, 24, 192, 168, 1)], t, size).map(round)).toEqual([[0, 0, 640, 480]]);
  });

  it('letterbox top-left: no offset, and boxes in the padding are clipped to the image or dropped', () => {
    const spec = resolveSpec({ preset: 'yolo', align: 'top-left' }, { channels: 3 });
    const t = imageTransform(size, spec, geometry(192, 192));
    expect(toOriginal([det(96, 72, 192, 192, 1), det(0, 150, 50, 190, 1)], t, size).map(round)).toEqual([[320, 240, 640, 480]]);
  });

  it('stretch: each axis scaled on its own', () => {
    const t = imageTransform(size, resolveSpec('unit', { channels: 3 }), geometry(320, 320));
    expect(toOriginal([det(80, 80, 160, 160, 1)], t, size).map(round)).toEqual([[160, 120, 320, 240]]);
  });

  it('center-crop: the crop offset is added back', () => {
    // 640x480, 224 input, ratio 0.875: short side 256 -> 341x256, crop at (58.5 -> 58, 16).
    const t = imageTransform(size, resolveSpec('imagenet', { channels: 3 }), geometry(224, 224));
    const [box] = toOriginal([det(0, 0, 224, 224, 1)], t, size);
    expect(box.x1).toBeCloseTo(58 * (640 / 341), 6);
    expect(box.y1).toBeCloseTo(16 * (480 / 256), 6);
  });
});

describe('YOLO labels and class maps', () => {
  it('reads class cx cy w h lines (comments, blanks and extra columns ignored) into image pixels', () => {
    const labels = parseYoloLabels('# a comment\n0 0.5 0.5 0.25 0.5\n\n16 0.1 0.2 0.2 0.2 0.93\n', 'a.txt');
    expect(labels).toEqual([
      { classId: 0, cx: 0.5, cy: 0.5, w: 0.25, h: 0.5 },
      { classId: 16, cx: 0.1, cy: 0.2, w: 0.2, h: 0.2 },
    ]);
    expect(truthBoxes(labels, { width: 640, height: 480 })[0]).toEqual({ classId: 0, x1: 240, y1: 120, x2: 400, y2: 360 });
    expect(parseYoloLabels('', 'empty.txt')).toEqual([]);
  });

  it('refuses a line that is not a YOLO label, naming the file, line and what to write', () => {
    expect(() => parseYoloLabels('0 0.5 0.5 0.2 0.2\nperson 0.5 0.5 0.2 0.2', 'labels/x.txt')).toThrow(
      "Line 2 of 'labels/x.txt' is 'person 0.5 0.5 0.2 0.2'; a YOLO label line is 'class cx cy w h' (a whole class index, then the box's centre and size as fractions of the image), such as '0 0.5 0.5 0.2 0.4'.",
    );
    expect(() => parseYoloLabels('2 320 240 50 60', 'p.txt')).toThrow(/^Line 1 of 'p.txt' is '2 320 240 50 60'; YOLO boxes are fractions of the image \(0..1\)/);
  });

  it('class maps by COCO name or index, coco91 ids, and an unknown name refused', () => {
    expect(parseClassMap('person')).toEqual([0]);
    expect(parseClassMap('Person, dog,2')).toEqual([0, 16, 2]);
    const map = coco91ClassMap();
    expect([map[1], map[13], map[90], map[12]]).toEqual([0, 11, 79, -1]);
    expect(parseClassMap('coco91')).toEqual(map);
    expect(() => parseClassMap('persn')).toThrow("Class 'persn' is not a COCO class name; use an index of the labels (0 is person) or a name such as 'person', 'car', 'dog'.");
    expect(classMapText([0])).toBe('0 -> person');
  });
});
