import type { StateCreator } from 'zustand';
import type { SkippedImage } from '../../workers/contracts';
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
  readonly progress: PoolProgress | null;
  readonly result: CalibrationSummary | null;
  readonly error: Problem | null;
}

export interface CalibrationSlice {
  readonly calibration: CalibrationState;
  patchCalibration(patch: Partial<CalibrationState>): void;
}

export function initialCalibration(poolSize: number): CalibrationState {
  return { status: 'idle', poolSize, progress: null, result: null, error: null };
}

export const createCalibrationSlice =
  (poolSize: number): StateCreator<Store, [], [], CalibrationSlice> =>
  (set) => ({
    calibration: initialCalibration(poolSize),
    patchCalibration: (patch) => set((s) => ({ calibration: { ...s.calibration, ...patch } })),
  });
