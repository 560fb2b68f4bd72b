import type { StateCreator } from 'zustand';
import type { AutoProgress, AutoResult, AutoTargetChoice, SensitivityResult } from '../../workers/contracts';
import type { SensitivityPoolProgress } from '../analysis-workers';
import type { Store } from './index';
import type { Problem } from './types';

export type AnalysisStatus = 'idle' | 'working' | 'ready' | 'cancelled' | 'error';

/** The images a run judged on: held-out (evaluation) images, or the last calibration images. */
export interface JudgedImages {
  readonly names: readonly string[];
  /** False when there were no evaluation images: the last calibration images ran (calibration saw them). */
  readonly heldOut: boolean;
}

export interface SensitivityState {
  readonly status: AnalysisStatus;
  /** 'reference' while the FP32 model runs on the images, 'units' while the pool measures. */
  readonly phase: 'reference' | 'units' | null;
  readonly referenceProgress: { readonly done: number; readonly total: number } | null;
  readonly progress: SensitivityPoolProgress | null;
  readonly result: SensitivityResult | null;
  readonly images: JudgedImages | null;
  readonly error: Problem | null;
}

export interface AutoSettings {
  readonly target: 'agreement' | 'sqnr';
  /** Cosine target (every output and judged column). */
  readonly cosine: number;
  /** SQNR target, dB (every output). */
  readonly db: number;
  /** Most units kept in FP32; null: the engine's default (a quarter of the units, at least 4). */
  readonly maxFp32: number | null;
  /** Try MinMax, Percentile, MSE and Entropy for every tensor (else only the current method). */
  readonly allMethods: boolean;
  /** How many of the most sensitive units get a per-tensor method choice. */
  readonly refine: number;
}

export interface AutoState {
  readonly status: AnalysisStatus;
  readonly referenceProgress: { readonly done: number; readonly total: number } | null;
  readonly progress: (AutoProgress & { readonly elapsedMs: number }) | null;
  readonly result: AutoResult | null;
  /** The target the result was searched for. */
  readonly target: AutoTargetChoice | null;
  readonly images: JudgedImages | null;
  /** The keep list the search started from: a point's plan is applied on top of it. */
  readonly baseKeepNodes: readonly string[];
  /** The point (AutoPoint.key) applied last, while the keep list and methods are still its. */
  readonly applied: string | null;
  readonly settings: AutoSettings;
  readonly error: Problem | null;
}

export interface AnalysisState {
  /** Held-out images the reference runs on (few: every candidate runs on each). */
  readonly images: number;
  readonly sensitivity: SensitivityState;
  readonly auto: AutoState;
}

export interface AnalysisSlice {
  readonly analysis: AnalysisState;
  patchSensitivity(patch: Partial<SensitivityState>): void;
  patchAuto(patch: Partial<AutoState>): void;
  patchAnalysis(patch: Partial<AnalysisState>): void;
}

export const DEFAULT_ANALYSIS_IMAGES = 4;

export const DEFAULT_AUTO_SETTINGS: AutoSettings = { target: 'agreement', cosine: 0.99, db: 30, maxFp32: null, allMethods: true, refine: 6 };

export const initialSensitivity: SensitivityState = { status: 'idle', phase: null, referenceProgress: null, progress: null, result: null, images: null, error: null };

export function initialAuto(settings: AutoSettings = DEFAULT_AUTO_SETTINGS): AutoState {
  return { status: 'idle', referenceProgress: null, progress: null, result: null, target: null, images: null, baseKeepNodes: [], applied: null, settings, error: null };
}

export const initialAnalysis: AnalysisState = { images: DEFAULT_ANALYSIS_IMAGES, sensitivity: initialSensitivity, auto: initialAuto() };

export const createAnalysisSlice: StateCreator<Store, [], [], AnalysisSlice> = (set) => ({
  analysis: initialAnalysis,
  patchSensitivity: (patch) => set((s) => ({ analysis: { ...s.analysis, sensitivity: { ...s.analysis.sensitivity, ...patch } } })),
  patchAuto: (patch) => set((s) => ({ analysis: { ...s.analysis, auto: { ...s.analysis.auto, ...patch } } })),
  patchAnalysis: (patch) => set((s) => ({ analysis: { ...s.analysis, ...patch } })),
});
