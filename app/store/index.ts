/**
 * The workbench store: one zustand store made of slices, one per pipeline step (model, data,
 * calibration, ranges, quantize, comparison) and the graph view over all of them. Slices hold plain data and patch setters only; the
 * async orchestration (workers, cancellation, invalidation of later steps) lives in actions.ts, so
 * components stay small: they read with `useStore(selector)` and call actions.
 */
import { create } from 'zustand';
import { defaultPoolSize, providerConfigs } from '../workers';
import { createAnalysisSlice, type AnalysisSlice } from './analysis';
import { createCalibrationSlice, type CalibrationSlice } from './calibration';
import { createComparisonSlice, type ComparisonSlice } from './comparison';
import { createDataSlice, type DataSlice } from './data';
import { createGraphSlice, type GraphSlice } from './graph';
import { createModelSlice, type ModelSlice } from './model';
import { createQuantizeSlice, type QuantizeSlice } from './quantize';
import { createRangesSlice, type RangesSlice } from './ranges';
import { createUiSlice, type UiSlice } from './ui';

export type Store = ModelSlice & DataSlice & CalibrationSlice & RangesSlice & QuantizeSlice & AnalysisSlice & ComparisonSlice & GraphSlice & UiSlice;

export const useStore = create<Store>()((...a) => ({
  ...createModelSlice(...a),
  ...createDataSlice(...a),
  ...createCalibrationSlice(defaultPoolSize())(...a),
  ...createRangesSlice(...a),
  ...createQuantizeSlice(...a),
  ...createAnalysisSlice(...a),
  ...createComparisonSlice(providerConfigs())(...a),
  ...createGraphSlice(...a),
  ...createUiSlice(...a),
}));

export type { AnalysisState, AutoSettings, AutoState, JudgedImages, SensitivityState } from './analysis';
export type { CalibrationState, CalibrationSummary } from './calibration';
export type { ComparePace, ComparisonRun, ComparisonState, LatencyRow, ModelRole, ProviderState } from './comparison';
export type { DataState, ImageSetState, PreviewState } from './data';
export type { AnalysisData, GraphState, NodePanelState } from './graph';
export type { ModelState } from './model';
export type { QuantizeState, WeightState } from './quantize';
export type { MethodOptions, RangeSortKey, RangesState, RangesView } from './ranges';
export type { ImageItem, ImageSetId, Problem, Status } from './types';
export type { SessionState, Theme, UiState } from './ui';
