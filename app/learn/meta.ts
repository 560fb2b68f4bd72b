/**
 * The lessons' identities and the state of each lesson's controls: plain data, shared by the store,
 * the URL (url.ts) and the components. A lesson's state is exactly what its URL restores.
 */
import type { RangeMethod } from '../../workers/contracts';

export type LessonId = 1 | 2 | 3 | 4 | 5 | 6 | 7;
export const LESSON_IDS: readonly LessonId[] = [1, 2, 3, 4, 5, 6, 7];

export const LESSONS: Readonly<Record<LessonId, { readonly title: string; readonly short: string }>> = {
  1: { title: 'Scale and zero-point', short: 'Scale & zero-point' },
  2: { title: 'Symmetric against asymmetric', short: 'Symmetric vs asymmetric' },
  3: { title: 'The clip range', short: 'Clip range' },
  4: { title: 'Per-tensor against per-channel', short: 'Per-channel' },
  5: { title: 'Calibration set size', short: 'Calibration size' },
  6: { title: 'What quantization buys', short: 'Size & speed' },
  7: { title: 'PTQ, QAT and the guardrails', short: 'Beyond & guardrails' },
};

export type QuantType = 'u8' | 's8';
export type GrowthMethod = Extract<RangeMethod, 'minmax' | 'percentile' | 'entropy' | 'mse'>;
export const GROWTH_METHODS: readonly GrowthMethod[] = ['minmax', 'percentile', 'entropy', 'mse'];
export type ChannelSort = 'channel' | 'range';

export interface ScaleState {
  readonly min: number;
  readonly max: number;
  readonly type: QuantType;
  readonly symmetric: boolean;
  /** The value quantized and dequantized. */
  readonly x: number;
}

export interface SymmetryState {
  /** A post-ReLU activation tensor (null: the default once the data is there). */
  readonly activation: string | null;
  /** A Conv node whose weight is shown. */
  readonly weight: string | null;
  /** The type of the symmetric grid: s8 (zero-point 0) or u8 (zero-point 128). */
  readonly symType: QuantType;
}

export interface ClipState {
  readonly tensor: string | null;
  /** The clip range; null: the tensor's MinMax range. */
  readonly min: number | null;
  readonly max: number | null;
  readonly type: QuantType;
  readonly symmetric: boolean;
}

export interface ChannelState {
  /** A Conv node. */
  readonly layer: string | null;
  /** The output channel looked at. */
  readonly channel: number;
  readonly sort: ChannelSort;
}

export interface GrowthState {
  readonly tensor: string | null;
  readonly method: GrowthMethod;
}

export interface SizeState {
  readonly parameters: number;
}

export type LessonState = {
  1: ScaleState;
  2: SymmetryState;
  3: ClipState;
  4: ChannelState;
  5: GrowthState;
  6: SizeState;
  7: Record<string, never>;
};

/** The worked example: [-0.9, 5.0] u8 asymmetric gives scale 0.0231 and zero-point 39; 0.3 -> 52. */
export const DEFAULT_LESSON_STATE: LessonState = {
  1: { min: -0.9, max: 5.0, type: 'u8', symmetric: false, x: 0.3 },
  2: { activation: null, weight: null, symType: 's8' },
  3: { tensor: null, min: null, max: null, type: 'u8', symmetric: false },
  4: { layer: null, channel: 0, sort: 'channel' },
  5: { tensor: null, method: 'minmax' },
  6: { parameters: 45e6 },
  7: {},
};

export function isLessonId(n: number): n is LessonId {
  return Number.isInteger(n) && n >= 1 && n <= 7;
}
