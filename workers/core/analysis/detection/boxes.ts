/**
 * Box geometry: intersection over union, per-class non-maximum suppression, and the way back from
 * network-input pixels to the original image through the preprocessing's own placement
 * (preprocess/image.ts `placement`: the same numbers that placed the image place the boxes back).
 */
import { placement, type ImageTransform } from '../../preprocess/image';
import type { InputGeometry, PreprocessSpec } from '../../preprocess/spec';
import type { Box, Detection, ImageSize } from './types';

export function area(b: Box): number {
  return Math.max(0, b.x2 - b.x1) * Math.max(0, b.y2 - b.y1);
}

export function iou(a: Box, b: Box): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  if (w <= 0) return 0;
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (h <= 0) return 0;
  const inter = w * h;
  const union = area(a) + area(b) - inter;
  return union > 0 ? inter / union : 0;
}

/** Center form to corners. */
export function corners(cx: number, cy: number, w: number, h: number): Box {
  return { x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2 };
}

export interface NmsOptions {
  /** Boxes of the same class overlapping a kept, higher-scoring box by more than this are dropped. */
  readonly iouThreshold: number;
  /** The most detections kept per image, highest scores first (COCO counts 100). */
  readonly maxDetections: number;
  /** The most candidates considered, highest scores first (bounds the quadratic cost). */
  readonly maxCandidates?: number;
}

const byScore = (a: Detection, b: Detection) => b.score - a.score;

/**
 * Greedy NMS within each class (a person box never suppresses a dog box), then the best
 * `maxDetections` over all classes. Ties keep the earlier candidate (a stable sort).
 */
export function nmsPerClass(candidates: readonly Detection[], options: NmsOptions): Detection[] {
  const sorted = [...candidates].sort(byScore);
  if (options.maxCandidates !== undefined && sorted.length > options.maxCandidates) sorted.length = options.maxCandidates;
  const byClass = new Map<number, Detection[]>();
  for (const d of sorted) {
    let list = byClass.get(d.classId);
    if (!list) byClass.set(d.classId, (list = []));
    list.push(d);
  }
  const kept: Detection[] = [];
  for (const list of byClass.values()) {
    const removed = new Uint8Array(list.length);
    for (let i = 0; i < list.length; i++) {
      if (removed[i]) continue;
      kept.push(list[i]);
      for (let j = i + 1; j < list.length; j++) if (!removed[j] && iou(list[i], list[j]) > options.iouThreshold) removed[j] = 1;
    }
  }
  kept.sort(byScore);
  if (kept.length > options.maxDetections) kept.length = options.maxDetections;
  return kept;
}

/** Where preprocessing put an image of this size in the network input, as a transform back to it. */
export function imageTransform(size: ImageSize, spec: PreprocessSpec, geometry: InputGeometry): ImageTransform {
  return placement(size.width, size.height, spec, geometry).transform;
}

/**
 * Detections in network-input pixels -> original-image pixels (x * scaleX + offsetX, as
 * preprocess/image.ts toImageCoords), clipped to the image; boxes left with no area are dropped.
 */
export function toOriginal(detections: readonly Detection[], t: ImageTransform, size: ImageSize): Detection[] {
  const out: Detection[] = [];
  const clipX = (v: number) => Math.min(size.width, Math.max(0, v * t.scaleX + t.offsetX));
  const clipY = (v: number) => Math.min(size.height, Math.max(0, v * t.scaleY + t.offsetY));
  for (const d of detections) {
    const box = { x1: clipX(d.x1), y1: clipY(d.y1), x2: clipX(d.x2), y2: clipY(d.y2) };
    if (box.x2 > box.x1 && box.y2 > box.y1) out.push({ ...box, score: d.score, classId: d.classId });
  }
  return out;
}
