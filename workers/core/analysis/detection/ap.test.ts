/**
 * COCO-style AP on cases small enough to compute by hand (the real-model figures in models.test.ts
 * were also checked against pycocotools 2.0.11 on the same detections: equal to 1e-9).
 */
import { describe, expect, it } from 'vitest';
import { addImage, averagePrecision, createDetectionStats, IOU_THRESHOLDS, mergeDetectionStats, summarizeDetections } from './ap';
import type { Detection, TruthBox } from './types';

const box = (x1: number, y1: number, x2: number, y2: number, classId = 0) => ({ x1, y1, x2, y2, classId });
const det = (x1: number, y1: number, x2: number, y2: number, score: number, classId = 0): Detection => ({ x1, y1, x2, y2, score, classId });

describe('averagePrecision (101-point interpolation)', () => {
  it('is 1 for hits ranked above every miss, 0 with no detections, NaN with no truths', () => {
    expect(averagePrecision([true, true, false], 2)).toBe(1);
    expect(averagePrecision([], 3)).toBe(0);
    expect(averagePrecision([true], 0)).toBeNaN();
  });

  it('hit, miss, hit on 2 truths: precision 1 up to recall 0.5 (51 points), then 2/3 (50 points)', () => {
    // precision [1, 1/2, 2/3], recall [0.5, 0.5, 1]; the envelope from the right makes it [1, 2/3, 2/3].
    expect(averagePrecision([true, false, true], 2)).toBeCloseTo((51 * 1 + 50 * (2 / 3)) / 101, 12);
  });

  it('stops at the last recall reached: one hit of 4 truths scores the 26 points up to recall 0.25', () => {
    expect(averagePrecision([true], 4)).toBeCloseTo(26 / 101, 12);
    // A miss ranked first halves the precision everywhere.
    expect(averagePrecision([false, true], 4)).toBeCloseTo((26 * 0.5) / 101, 12);
  });
});

describe('addImage and summarizeDetections', () => {
  it('ten thresholds 0.50..0.95', () => {
    expect(IOU_THRESHOLDS).toEqual([0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]);
  });

  it('a box of IoU 0.6 is a hit at 0.50, 0.55 and 0.60 only: AP50 1, AP50-95 0.3', () => {
    const stats = createDetectionStats();
    addImage(stats, [det(0, 0, 10, 6, 0.9)], [box(0, 0, 10, 10)]); // 60 / 100
    const s = summarizeDetections(stats);
    expect(s.ap50).toBe(1);
    expect(s.ap5095).toBeCloseTo(0.3, 12);
    expect(s).toMatchObject({ images: 1, truths: 1, detections: 1 });
  });

  it('a second box on a matched truth is a false positive; the better-scored one takes the truth', () => {
    const stats = createDetectionStats();
    // Ranked: 0.9 on truth A (hit), 0.8 on A again (miss), 0.7 on truth B (hit): [hit, miss, hit] of 2.
    addImage(stats, [det(0, 0, 10, 10, 0.8), det(20, 20, 30, 30, 0.7), det(0, 0, 10, 10, 0.9)], [box(0, 0, 10, 10), box(20, 20, 30, 30)]);
    expect(summarizeDetections(stats).ap50).toBeCloseTo((51 + 50 * (2 / 3)) / 101, 12);
  });

  it('matches each detection to the unmatched truth it overlaps most', () => {
    const stats = createDetectionStats();
    // Truths A [0,10] and B [4,14] (x); the detection [3,13] overlaps B (0.82) more than A (0.54):
    // it takes B, and the second detection [0,10] takes A. Both hit at 0.5.
    const truths: TruthBox[] = [box(0, 0, 10, 10), box(4, 0, 14, 10)];
    addImage(stats, [det(3, 0, 13, 10, 0.9), det(0, 0, 10, 10, 0.8)], truths);
    expect(stats.classes[0].hits.map((h) => (h & 1) === 1)).toEqual([true, true]);
    expect(summarizeDetections(stats).ap50).toBe(1);
  });

  it('averages over classes with truths: a class only detected is not counted, a class never detected scores 0', () => {
    const stats = createDetectionStats();
    addImage(stats, [det(0, 0, 10, 10, 0.9, 0), det(50, 50, 60, 60, 0.9, 7)], [box(0, 0, 10, 10, 0), box(30, 30, 40, 40, 2)]);
    const s = summarizeDetections(stats);
    expect(s.perClass.map((c) => [c.classId, c.ap50])).toEqual([
      [0, 1],
      [2, 0],
    ]);
    expect(s.ap50).toBe(0.5);
    expect(s.detections).toBe(2);
  });

  it('a class box never matches a truth of another class', () => {
    const stats = createDetectionStats();
    addImage(stats, [det(0, 0, 10, 10, 0.9, 1)], [box(0, 0, 10, 10, 0)]);
    expect(summarizeDetections(stats).ap50).toBe(0);
  });

  it('scores only the kept classes when given (a person-only detector on COCO labels)', () => {
    const stats = createDetectionStats();
    addImage(stats, [det(0, 0, 10, 10, 0.9, 0)], [box(0, 0, 10, 10, 0), box(30, 30, 40, 40, 16)], new Set([0]));
    const s = summarizeDetections(stats);
    expect(s.perClass.map((c) => c.classId)).toEqual([0]);
    expect(s.ap50).toBe(1);
  });

  it('ranks detections of all images together, and merging two halves equals one pass', () => {
    const images: Array<[Detection[], TruthBox[]]> = [
      [[det(0, 0, 10, 10, 0.6)], [box(0, 0, 10, 10)]],
      [[det(0, 0, 10, 10, 0.9), det(40, 40, 50, 50, 0.95)], [box(0, 0, 10, 10), box(20, 20, 30, 30)]],
    ];
    const whole = createDetectionStats();
    for (const [d, t] of images) addImage(whole, d, t);
    const a = createDetectionStats();
    const b = createDetectionStats();
    addImage(a, ...images[0]);
    addImage(b, ...images[1]);
    const merged = mergeDetectionStats(a, b);
    // Ranked over both images: 0.95 miss, 0.9 hit, 0.6 hit, of 3 truths.
    const expected = averagePrecision([false, true, true], 3);
    expect(summarizeDetections(whole).ap50).toBeCloseTo(expected, 12);
    expect(summarizeDetections(merged).ap50).toBeCloseTo(expected, 12);
    expect(merged.images).toBe(2);
  });
});
