import type { StateCreator } from 'zustand';
import type { SkippedImage } from '../../workers/contracts';
import { DEFAULT_LIMITS } from '../../workers/core/intake/limits';
import type { PoolProgress } from '../workers';
import type { Store } from './index';
import type { Problem } from './types';

export type CalibrationStatus = 'idle' | 'working' | 'ready' | 'cancelled' | 'error';

export interface CalibrationSummary {
  readonly images: number;
  readonly skippedImages: readonly SkippedImage[];
  readonly skippedTensors: readonly string[];
  readonly tensors: number;
  readonly workers: number;
  readonly elapsedMs: number;
}

export interface CalibrationState {
  readonly status: CalibrationStatus;
  /** Calibration workers to run (1..maxPoolSize()). */
  readonly poolSize: number;
  /** The most one image may take, in seconds (DEFAULT_LIMITS.runTimeoutMs by default); past it calibration stops with 'timeout'. */
  readonly runBudgetSeconds: number;
  readonly progress: PoolProgress | null;
  readonly result: CalibrationSummary | null;
  readonly error: Problem | null;
}

export interface CalibrationSlice {
  readonly calibration: CalibrationState;
  patchCalibration(patch: Partial<CalibrationState>): void;
}

export const DEFAULT_RUN_BUDGET_SECONDS = DEFAULT_LIMITS.runTimeoutMs / 1000;

/** A fresh step, keeping the run options the user set. */
export function initialCalibration(poolSize: number, runBudgetSeconds = DEFAULT_RUN_BUDGET_SECONDS): CalibrationState {
  return { status: 'idle', poolSize, runBudgetSeconds, progress: null, result: null, error: null };
}

export const createCalibrationSlice =
  (poolSize: number): StateCreator<Store, [], [], CalibrationSlice> =>
  (set) => ({
    calibration: initialCalibration(poolSize),
    patchCalibration: (patch) => set((s) => ({ calibration: { ...s.calibration, ...patch } })),
  });
