/**
 * The workbench's async orchestration: every long or multi-step thing the UI can ask for, as plain
 * functions over the store and the worker doors. Components call these and never talk to workers.
 *
 * One module per step (model.ts, data.ts, ... compare.ts), invalidation in invalidate.ts and shared
 * helpers in shared.ts; this index is the public door.
 *
 * Rules kept here:
 * - Later steps are invalidated when an earlier one changes (a new model clears everything after it;
 *   new images or preprocessing clear calibration and what follows; new range options or keep lists
 *   clear the INT8 model and its comparison). Switching the range method never recalibrates.
 * - Every failure lands in the step's `error` as a Problem (code, message that says what to do,
 *   subject); nothing throws out of an action.
 * - Results of superseded requests are dropped (sequence numbers), so fast clicks cannot show stale data.
 */

export { openModelFiles, openPickedModel, openSample, type SampleManifest } from './model';
export { loadSynsets, addImages, clearImages, answerCarryOver, applySuggestion, dismissDataError, choosePreset, setSpecField, resetSpec, refreshPreview } from './data';
export { setPoolSize, setRunBudget, startCalibration, cancelCalibration, MAX_RUN_BUDGET_SECONDS } from './calibration';
export { currentQuery, refreshRangeTable, setMethodOptions, setRangesView, sortRanges, selectTensor } from './ranges';
export { toggleKeepNode, setKeepOpType, setKeepFirstAndLast, setBiasCorrection, clearKeeps, keepInFp32, keepLayerInFp32, clearMethodByTensor, buildInt8, setFormat, download, showWeight, selectRangeWeight } from './quantize';
export { analysisBlocked, runSensitivity, cancelSensitivity, setAnalysisImages } from './analysis';
export { setAutoSettings, runAuto, cancelAuto, applyAutoPoint, downloadPlan } from './auto';
export { runFidelity, cancelFidelity } from './fidelity';
export { checkProviders, selectProvider, setLatencyRuns, runLatency, runComparison, cancelComparison, setCompareImageCap, comparedImages, showSideBySide, clearHistory, selectLayer, setCompareLogScale, setDetectionOptions, rescoreDetection } from './compare';
export {
  loadGraph,
  setGraphVariant,
  toggleBlock,
  collapseRepeated,
  setOverlay,
  setThreshold,
  resetThresholds,
  setGraphSearch,
  focusNode,
  selectGraphNode,
  setNodeKeep,
  setAnalysisData,
  showOnGraph,
} from './graph';
export { downloadHtmlReport } from './report';
export { resumeSession, newSession, setCurrentStep, scrollToStep, dismissSessionNote } from './session';
export { toggleFold, foldFinished, setTheme } from './ui';
export { runLatencyAware, cancelLatencyAware, downloadVariant, setTargetCosine, showLatencyAware } from './latency-aware';
