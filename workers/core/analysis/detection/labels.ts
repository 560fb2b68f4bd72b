/**
 * Ground truth and classes: YOLO label files (one `cls cx cy w h` line per object, normalized to the
 * original image), COCO's 80 class names, and the class map from a model's classes to the labels'.
 */
import { ZeropointError } from '../../errors';
import { quote } from '../../intake/names';
import type { ImageSize, TruthBox } from './types';

/** A label line as written: class and centre-form box, each 0..1 of the image's width or height. */
export interface YoloLabel {
  readonly classId: number;
  readonly cx: number;
  readonly cy: number;
  readonly w: number;
  readonly h: number;
}

/**
 * Parses a YOLO label file. Blank lines and `#` comments are skipped; a line that is not a whole
 * class and four numbers (a fifth and more, such as a confidence or segment points, are ignored) is
 * 'bad-labels' naming the file and line. An empty file is an image with no objects.
 */
export function parseYoloLabels(text: string, source: string): YoloLabel[] {
  const out: YoloLabel[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line || line.startsWith('#')) continue;
    const parts = line.split(/\s+/).map(Number);
    const [classId, cx, cy, w, h] = parts;
    const shown = line.length > 80 ? `${line.slice(0, 77)}...` : line;
    if (parts.length < 5 || !Number.isInteger(classId) || classId < 0 || ![cx, cy, w, h].every(Number.isFinite)) {
      throw new ZeropointError('bad-labels', `Line ${i + 1} of ${quote(source)} is ${quote(shown)}; a YOLO label line is 'class cx cy w h' (a whole class index, then the box's centre and size as fractions of the image), such as '0 0.5 0.5 0.2 0.4'.`, { subject: source });
    }
    if (w < 0 || h < 0 || cx < -0.01 || cy < -0.01 || cx > 1.01 || cy > 1.01 || w > 1.01 || h > 1.01) {
      throw new ZeropointError('bad-labels', `Line ${i + 1} of ${quote(source)} is ${quote(shown)}; YOLO boxes are fractions of the image (0..1), and these values are not: convert pixel boxes by dividing by the image's width and height.`, { subject: source });
    }
    out.push({ classId, cx, cy, w, h });
  }
  return out;
}

/** Labels in the original image's pixels. */
export function truthBoxes(labels: readonly YoloLabel[], size: ImageSize): TruthBox[] {
  return labels.map((l) => ({
    classId: l.classId,
    x1: (l.cx - l.w / 2) * size.width,
    y1: (l.cy - l.h / 2) * size.height,
    x2: (l.cx + l.w / 2) * size.width,
    y2: (l.cy + l.h / 2) * size.height,
  }));
}

/** COCO's 80 classes in the order YOLO label files (and most COCO detectors) number them. */
export const COCO_CLASSES: readonly string[] = [
  'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat', 'traffic light',
  'fire hydrant', 'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow',
  'elephant', 'bear', 'zebra', 'giraffe', 'backpack', 'umbrella', 'handbag', 'tie', 'suitcase', 'frisbee',
  'skis', 'snowboard', 'sports ball', 'kite', 'baseball bat', 'baseball glove', 'skateboard', 'surfboard', 'tennis racket', 'bottle',
  'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl', 'banana', 'apple', 'sandwich', 'orange',
  'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair', 'couch', 'potted plant', 'bed',
  'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote', 'keyboard', 'cell phone', 'microwave', 'oven',
  'toaster', 'sink', 'refrigerator', 'book', 'clock', 'vase', 'scissors', 'teddy bear', 'hair drier', 'toothbrush',
];

/**
 * COCO's original category ids (1..90 with gaps) of the 80 classes, for models whose labels are those
 * ids (DETR exports that remap to COCO's categories): id -> contiguous class, -1 for the unused ids.
 */
const COCO91_IDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 27, 28, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 67, 70, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 84, 85, 86, 87, 88, 89, 90];

/** The class map of a model that numbers COCO classes by their original ids (1 = person ... 90 = toothbrush). */
export function coco91ClassMap(): number[] {
  const map = new Array<number>(91).fill(-1);
  COCO91_IDS.forEach((id, i) => (map[id] = i));
  return map;
}

export function className(classId: number, names: readonly string[] = COCO_CLASSES): string {
  return names[classId] ?? `class ${classId}`;
}

/**
 * A class map from what a person types: label classes for the model's classes in order, by COCO name
 * or index ('person', '0', 'person,car', '0,2'), or 'coco91' for COCO's original ids. Entry i is
 * the label class of model class i; -1 drops it. Throws 'bad-option' quoting the unknown name.
 */
export function parseClassMap(text: string, names: readonly string[] = COCO_CLASSES): number[] {
  const trimmed = text.trim();
  if (trimmed.toLowerCase() === 'coco91') return coco91ClassMap();
  const items = trimmed.split(',').map((s) => s.trim());
  if (items.length === 0 || items.some((s) => s === '')) throw new ZeropointError('bad-option', `Class map ${quote(text)} has an empty entry; give class names or indices separated by commas, such as 'person' or '0,2'.`);
  return items.map((item) => {
    if (/^-?\d+$/.test(item)) return Number(item);
    const index = names.findIndex((n) => n.toLowerCase() === item.toLowerCase());
    if (index < 0) throw new ZeropointError('bad-option', `Class ${quote(item)} is not a COCO class name; use an index of the labels (0 is person) or a name such as 'person', 'car', 'dog'.`, { subject: item });
    return index;
  });
}

/** "person" or "person, car" or "0 -> person, 1 -> car" for reports. */
export function classMapText(map: readonly number[] | undefined, names: readonly string[] = COCO_CLASSES): string {
  if (!map) return 'model classes are label classes';
  if (map.length === 91 && map[1] === 0 && map[90] === 79) return "COCO's original ids (1..90) to the 80 classes";
  return map.map((c, i) => `${i} -> ${c < 0 ? '(dropped)' : className(c, names)}`).join(', ');
}
