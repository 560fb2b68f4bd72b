import type { StateCreator } from 'zustand';
import type { PreviewResult } from '../../workers/contracts';
import type { PartialSpec, PreprocessSpec, PresetName } from '../../workers/core/preprocess/spec';
import type { YoloLabel } from '../../workers/core/analysis/detection/labels';
import type { Store } from './index';
import type { ImageItem, ImageSetId, Problem, Status } from './types';


export interface ImageSetState {
  readonly items: readonly ImageItem[];
  /** Where the labels came from ('labels.csv', 'class folders', ...), null when there are none. */
  readonly labelsFrom: string | null;
  /** Files that were left out (not images), as short notes. */
  readonly leftOut: readonly string[];
  /** YOLO label files dropped with the set, by file stem (so images dropped later find theirs too). */
  readonly yolo: Readonly<Record<string, readonly YoloLabel[]>>;
}

export interface PreviewState {
  readonly status: Status;
  /** Id of the image previewed. */
  readonly imageId: number | null;
  readonly result: PreviewResult | null;
  readonly error: Problem | null;
}

/**
 * The Data step's Inputs panel: which input is the image and what the others are fed, as typed
 * (app/store/actions/inputs.ts turns them into the geometry the workers get, constants included).
 */
export interface InputsState {
  /** The image input's name; null while it is picked automatically. */
  readonly imageInput: string | null;
  /** Values typed for the other inputs, by name (a number or a JSON array); '' or absent = the default. */
  readonly values: Readonly<Record<string, string>>;
  /** A 4-channel input's fourth channel value, as typed ('' = the default, 1). */
  readonly fourthChannel: string;
  /** Pixels for a dynamic height/width, as typed ('' = not given). */
  readonly width: string;
  readonly height: string;
  /** The defaults used, one line each (feeds.ts notes). */
  readonly notes: readonly string[];
  /** The defaults the panel shows as placeholders, by input name (JSON). */
  readonly defaults: Readonly<Record<string, string>>;
  readonly error: Problem | null;
}

export const initialInputs: InputsState = { imageInput: null, values: {}, fourthChannel: '', width: '', height: '', notes: [], defaults: {}, error: null };

/** Images that were there when another model was opened: the Data step asks whether to keep them. */
export interface CarryOver {
  readonly calibration: number;
  readonly evaluation: number;
  /** The model they came with. */
  readonly from: string;
}

export interface DataState {
  /** What the model's inputs are fed (the Inputs panel). */
  readonly inputs: InputsState;
  readonly calibration: ImageSetState;
  readonly evaluation: ImageSetState;
  /** The preset the spec starts from, and the fields the user changed. */
  readonly preset: PresetName;
  readonly overrides: PartialSpec;
  /** The resolved spec for the model's input (null without an image model, or when invalid). */
  readonly spec: PreprocessSpec | null;
  readonly specError: Problem | null;
  readonly preview: PreviewState;
  /** The model's suggested preprocessing (model.info.suggestion) was applied when it opened. */
  readonly suggestionApplied: boolean;
  readonly carryOver: CarryOver | null;
  /** Reading dropped files and folders. */
  readonly reading: boolean;
  readonly error: Problem | null;
}

export interface DataSlice {
  readonly data: DataState;
  patchData(patch: Partial<DataState>): void;
  patchImageSet(set: ImageSetId, patch: Partial<ImageSetState>): void;
  patchPreview(patch: Partial<PreviewState>): void;
}

export const emptyImageSet: ImageSetState = { items: [], labelsFrom: null, leftOut: [], yolo: {} };
export const initialPreview: PreviewState = { status: 'idle', imageId: null, result: null, error: null };

export const initialData: DataState = {
  inputs: initialInputs,
  calibration: emptyImageSet,
  evaluation: emptyImageSet,
  preset: 'imagenet',
  overrides: {},
  spec: null,
  specError: null,
  preview: initialPreview,
  suggestionApplied: false,
  carryOver: null,
  reading: false,
  error: null,
};

export const createDataSlice: StateCreator<Store, [], [], DataSlice> = (set) => ({
  data: initialData,
  patchData: (patch) => set((s) => ({ data: { ...s.data, ...patch } })),
  patchImageSet: (id, patch) => set((s) => ({ data: { ...s.data, [id]: { ...s.data[id], ...patch } } })),
  patchPreview: (patch) => set((s) => ({ data: { ...s.data, preview: { ...s.data.preview, ...patch } } })),
});
