/**
 * Learn mode's state: a zustand store of its own (the workbench's store is read, never written, except
 * through the workbench's own actions: open the sample, calibrate). It holds
 *   - where we are: mode (workbench | learn), lesson, presenting;
 *   - each lesson's controls (meta.ts: exactly what the URL restores);
 *   - the data the lessons read from the workers, per tensor / layer, with its status.
 * Async orchestration lives in actions.ts; components read with `useLearn(selector)`.
 */
import { create } from 'zustand';
import type { GrowthRow, GrowthSnapshot, LearnCatalog, LearnTensorData, LearnWeightData, Problem } from '../../workers/contracts';
import { DEFAULT_LESSON_STATE, type LessonId, type LessonState } from './meta';

export type Mode = 'workbench' | 'learn';
export type LoadStatus = 'idle' | 'working' | 'ready' | 'error';

export interface Loadable<T> {
  readonly status: LoadStatus;
  readonly data: T | null;
  readonly error: Problem | null;
}

/** Getting the lessons' data ready: a model (the sample by default) and its calibration. */
export type SetupStatus = 'idle' | 'opening' | 'calibrating' | 'loading' | 'ready' | 'error';

export interface SetupState {
  readonly status: SetupStatus;
  readonly error: Problem | null;
}

export interface GrowthData {
  /** The tensor the snapshots are of. */
  readonly tensor: string | null;
  readonly status: LoadStatus;
  readonly progress: { readonly done: number; readonly total: number } | null;
  readonly snapshots: readonly GrowthSnapshot[];
  /** Rows for `rowsMethod` (recomputed from the snapshots when the method changes: no inference). */
  readonly rows: readonly GrowthRow[];
  readonly rowsMethod: string | null;
  readonly error: Problem | null;
}

export interface LearnState {
  readonly mode: Mode;
  readonly lesson: LessonId;
  readonly presenting: boolean;
  readonly lessons: LessonState;
  readonly setup: SetupState;
  readonly catalog: LearnCatalog | null;
  /** Activation data by `${tensor}|${type}|${symmetric}`. */
  readonly tensors: Readonly<Record<string, Loadable<LearnTensorData>>>;
  /** Weight data by Conv node. */
  readonly weights: Readonly<Record<string, Loadable<LearnWeightData>>>;
  readonly growth: GrowthData;
}

export interface LearnActions {
  patch(patch: Partial<LearnState>): void;
  patchLesson<K extends LessonId>(lesson: K, patch: Partial<LessonState[K]>): void;
  patchTensor(key: string, value: Loadable<LearnTensorData>): void;
  patchWeight(node: string, value: Loadable<LearnWeightData>): void;
  patchGrowth(patch: Partial<GrowthData>): void;
}

export const initialGrowth: GrowthData = { tensor: null, status: 'idle', progress: null, snapshots: [], rows: [], rowsMethod: null, error: null };

export const initialLearnData: Pick<LearnState, 'setup' | 'catalog' | 'tensors' | 'weights' | 'growth'> = {
  setup: { status: 'idle', error: null },
  catalog: null,
  tensors: {},
  weights: {},
  growth: initialGrowth,
};

export const useLearn = create<LearnState & LearnActions>()((set) => ({
  mode: 'workbench',
  lesson: 1,
  presenting: false,
  lessons: DEFAULT_LESSON_STATE,
  ...initialLearnData,
  patch: (patch) => set(patch),
  patchLesson: (lesson, patch) => set((s) => ({ lessons: { ...s.lessons, [lesson]: { ...s.lessons[lesson], ...patch } } })),
  patchTensor: (key, value) => set((s) => ({ tensors: { ...s.tensors, [key]: value } })),
  patchWeight: (node, value) => set((s) => ({ weights: { ...s.weights, [node]: value } })),
  patchGrowth: (patch) => set((s) => ({ growth: { ...s.growth, ...patch } })),
}));

export function tensorKey(tensor: string, type: 'u8' | 's8', symmetric: boolean): string {
  return `${tensor}|${type}|${symmetric ? 'sym' : 'asym'}`;
}

export const idle: Loadable<never> = { status: 'idle', data: null, error: null };
