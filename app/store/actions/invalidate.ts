/**
 * Invalidation: a change upstream clears what was computed from it (a new model clears everything
 * after it; new images or preprocessing clear calibration and what follows; new range options or keep
 * lists clear the INT8 model and its comparison).
 */
import { initialAuto, initialSensitivity } from '../analysis';
import { initialCalibration } from '../calibration';
import { initialComparison } from '../comparison';
import { initialPreview } from '../data';
import { initialQuantize } from '../quantize';
import { initialRanges } from '../ranges';
import { dropSensitivity } from './analysis';
import { dropAuto } from './auto';
import { dropCalibration } from './calibration';
import { dropComparison } from './compare';
import { dropInt8Graph, resetGraph, setAnalysisData } from './graph';
import { get } from './shared';

export function resetComparisonResults(keepFp32Latency: boolean): void {
  const { patchLatency, patchCompare, comparison } = get();
  patchLatency({ status: 'idle', progress: null, error: null, rows: keepFp32Latency ? comparison.latency.rows.filter((r) => r.role !== 'int8') : [] });
  patchCompare({ ...initialComparison([]).compare, logScale: comparison.compare.logScale });
  get().patchLatencyAware({ ...initialComparison([]).latencyAware, targetCosine: comparison.latencyAware.targetCosine });
  if (get().graph.analysis.profiles) setAnalysisData({ profiles: null });
}

export function resetQuantizeOutcome(): void {
  const q = get().quantize;
  if (q.outcome || q.error || q.status !== 'idle') get().patchQuantize({ status: 'idle', outcome: null, error: null });
  dropInt8Graph();
  resetComparisonResults(true);
}

/** Sensitivity and Auto results belong to one model and calibration: running ones stop, results go (settings stay). */
export function resetAnalysis(): void {
  dropSensitivity();
  dropAuto();
  const { analysis, patchAnalysis } = get();
  if (analysis.sensitivity.status !== 'idle' || analysis.auto.status !== 'idle') patchAnalysis({ sensitivity: initialSensitivity, auto: initialAuto(analysis.auto.settings) });
}

export function resetAfterCalibration(): void {
  const { ranges, patchRanges } = get();
  patchRanges({ ...initialRanges, options: ranges.options, view: ranges.view });
  resetAnalysis();
  resetQuantizeOutcome();
}

export function resetAfterData(): void {
  dropCalibration();
  const { calibration, patchCalibration } = get();
  patchCalibration(initialCalibration(calibration.poolSize, calibration.runBudgetSeconds));
  resetAfterCalibration();
}

export function resetAfterModel(): void {
  dropComparison();
  resetGraph();
  resetAfterData();
  const { patchQuantize, patchData, comparison, patchComparison } = get();
  patchQuantize(initialQuantize);
  patchData({ preview: initialPreview, spec: null, specError: null });
  // A new model keeps the person's run settings and the history of earlier comparisons (each run names its model).
  const { providers, selected, warmup, runs, imageCap, history } = comparison;
  patchComparison({ ...initialComparison(providers.map((p) => p.config)), providers, selected, warmup, runs, imageCap, history, sideBySide: null });
}
