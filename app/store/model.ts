import type { StateCreator } from 'zustand';
import type { ModelInfo } from '../../workers/contracts';
import type { Store } from './index';
import type { Problem, Status } from './types';

export interface ModelState {
  readonly status: Status;
  readonly info: ModelInfo | null;
  readonly error: Problem | null;
  readonly source: 'file' | 'sample' | null;
  /** Names of the files the model came from (the .onnx and any external data). */
  readonly fileNames: readonly string[];
}

export interface ModelSlice {
  readonly model: ModelState;
  patchModel(patch: Partial<ModelState>): void;
}

export const initialModel: ModelState = { status: 'idle', info: null, error: null, source: null, fileNames: [] };

export const createModelSlice: StateCreator<Store, [], [], ModelSlice> = (set) => ({
  model: initialModel,
  patchModel: (patch) => set((s) => ({ model: { ...s.model, ...patch } })),
});
