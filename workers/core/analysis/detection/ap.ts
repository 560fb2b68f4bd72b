/**
 * COCO-style average precision, streaming: each image's detections are matched against its ground
 * truth once (per class, highest score first, each to the unmatched truth it overlaps most, at ten IoU
 * thresholds 0.50:0.05:0.95), and only the matches are kept: per class, each detection's score and a
 * 10-bit mask of the thresholds at which it was a true positive, plus the number of truths. Stats of
 * several workers or image ranges merge by concatenation.
 *
 * AP per class and threshold is the 101-point interpolated precision of pycocotools: precision made
 * non-increasing from the right, read at recall 0, 0.01, ..., 1 (the first point reaching each recall;
 * 0 past the last recall reached), averaged. AP50 is the 0.5 threshold; AP50-95 the mean of the ten.
 * The mean is over classes with at least one truth (detections of classes the labels never show are
 * not counted against the model); a class with truths and no detections scores 0.
 */
import { iou } from './boxes';
import type { Detection, TruthBox } from './types';

/** 0.50, 0.55, ..., 0.95 */
export const IOU_THRESHOLDS: readonly number[] = Array.from({ length: 10 }, (_, k) => Math.round((0.5 + 0.05 * k) * 100) / 100);

export interface ClassMatches {
  readonly scores: number[];
  /** Bit k set: a true positive at IOU_THRESHOLDS[k]. */
  readonly hits: number[];
  truths: number;
}

/** Plain data (crosses workers as is); merge with mergeDetectionStats. */
export interface DetectionStats {
  images: number;
  /** Keyed by label class. */
  readonly classes: Record<number, ClassMatches>;
}

export function createDetectionStats(): DetectionStats {
  return { images: 0, classes: {} };
}

function classOf(stats: DetectionStats, classId: number): ClassMatches {
  return (stats.classes[classId] ??= { scores: [], hits: [], truths: 0 });
}

/**
 * Adds one image: `detections` and `truths` in the same coordinates (original-image pixels) and the
 * same class numbering (label classes). Only classes in `keep` (when given) are scored: a person-only
 * detector is judged on persons, not on the dogs it was never trained to see.
 */
export function addImage(stats: DetectionStats, detections: readonly Detection[], truths: readonly TruthBox[], keep?: ReadonlySet<number>): void {
  stats.images++;
  const dets = new Map<number, Detection[]>();
  const gts = new Map<number, TruthBox[]>();
  for (const d of detections) {
    if (keep && !keep.has(d.classId)) continue;
    let list = dets.get(d.classId);
    if (!list) dets.set(d.classId, (list = []));
    list.push(d);
  }
  for (const g of truths) {
    if (keep && !keep.has(g.classId)) continue;
    let list = gts.get(g.classId);
    if (!list) gts.set(g.classId, (list = []));
    list.push(g);
  }
  for (const [c, list] of gts) classOf(stats, c).truths += list.length;
  for (const [c, list] of dets) {
    const sorted = [...list].sort((a, b) => b.score - a.score);
    const truth = gts.get(c) ?? [];
    const ious = sorted.map((d) => truth.map((g) => iou(d, g)));
    const hits = new Array<number>(sorted.length).fill(0);
    IOU_THRESHOLDS.forEach((t, k) => {
      const taken = new Uint8Array(truth.length);
      for (let i = 0; i < sorted.length; i++) {
        let best = -1;
        let bestIou = t;
        for (let j = 0; j < truth.length; j++) {
          if (taken[j] || ious[i][j] < bestIou) continue;
          bestIou = ious[i][j];
          best = j;
        }
        if (best >= 0) {
          taken[best] = 1;
          hits[i] |= 1 << k;
        }
      }
    });
    const m = classOf(stats, c);
    for (let i = 0; i < sorted.length; i++) {
      m.scores.push(sorted[i].score);
      m.hits.push(hits[i]);
    }
  }
}

/** `into` += `from` (image counts, truths, matches). */
export function mergeDetectionStats(into: DetectionStats, from: DetectionStats): DetectionStats {
  into.images += from.images;
  for (const [key, m] of Object.entries(from.classes)) {
    const target = classOf(into, Number(key));
    target.truths += m.truths;
    for (let i = 0; i < m.scores.length; i++) {
      target.scores.push(m.scores[i]);
      target.hits.push(m.hits[i]);
    }
  }
  return into;
}

/** 101-point interpolated AP of detections sorted by score (hit flags) against `truths`. */
export function averagePrecision(hits: readonly boolean[], truths: number): number {
  if (truths <= 0) return NaN;
  const n = hits.length;
  const recall = new Float64Array(n);
  const precision = new Float64Array(n);
  let tp = 0;
  for (let i = 0; i < n; i++) {
    if (hits[i]) tp++;
    recall[i] = tp / truths;
    precision[i] = tp / (i + 1);
  }
  for (let i = n - 1; i > 0; i--) if (precision[i] > precision[i - 1]) precision[i - 1] = precision[i];
  let sum = 0;
  let i = 0;
  for (let r = 0; r <= 100; r++) {
    const level = r / 100;
    // pycocotools: np.linspace(0, 1, 101) and searchsorted(recall, level, side='left').
    while (i < n && recall[i] < level - 1e-12) i++;
    if (i >= n) break;
    sum += precision[i];
  }
  return sum / 101;
}

export interface ClassAp {
  readonly classId: number;
  readonly truths: number;
  readonly detections: number;
  readonly ap50: number;
  readonly ap5095: number;
}

export interface ApSummary {
  /** Mean over classes with truths; NaN when the labels hold no object of a scored class. */
  readonly ap50: number;
  readonly ap5095: number;
  readonly images: number;
  readonly truths: number;
  readonly detections: number;
  /** Classes with truths, by class id. */
  readonly perClass: readonly ClassAp[];
}

export function summarizeDetections(stats: DetectionStats): ApSummary {
  const perClass: ClassAp[] = [];
  let truths = 0;
  let detections = 0;
  for (const [key, m] of Object.entries(stats.classes)) {
    detections += m.scores.length;
    if (m.truths === 0) continue;
    truths += m.truths;
    const order = m.scores.map((_, i) => i).sort((a, b) => m.scores[b] - m.scores[a] || a - b);
    const aps = IOU_THRESHOLDS.map((_, k) =>
      averagePrecision(
        order.map((i) => (m.hits[i] & (1 << k)) !== 0),
        m.truths,
      ),
    );
    perClass.push({ classId: Number(key), truths: m.truths, detections: m.scores.length, ap50: aps[0], ap5095: aps.reduce((a, b) => a + b, 0) / aps.length });
  }
  perClass.sort((a, b) => a.classId - b.classId);
  const mean = (f: (c: ClassAp) => number) => (perClass.length ? perClass.reduce((s, c) => s + f(c), 0) / perClass.length : NaN);
  return { ap50: mean((c) => c.ap50), ap5095: mean((c) => c.ap5095), images: stats.images, truths, detections, perClass };
}
