/**
 * The model worker: a thin comlink door over the engine that OWNS the model. It keeps the opened
 * model, its prepared copy (opset >= 13, FP32, named nodes), the merged calibration statistics and the
 * INT8 model; the app gets summaries, tables and, when it must hand a model on (to a calibration or
 * bench worker, or to a download), freshly encoded bytes that are transferred, not copied.
 *
 * Range queries never recalibrate: every method's range comes from the same statistics, cached per
 * method and options.
 */
import * as Comlink from 'comlink';
import { problemOf } from './transfer'; // also installs the shared comlink transfer handlers
import { channelMinMax } from './core/quant/rewrite';
import type {
  CalibrationOverview,
  CalibrationRecord,
  ExportedFile,
  FormatJob,
  GraphVariant,
  ModelInfo,
  ModelVariant,
  LatencyInputs,
  ModelWorkerApi,
  NodeRow,
  QuantGridView,
  QuantizeOutcome,
  RangeQuery,
  RangeRow,
  RangeTable,
  TensorDetail,
  WeightDetail,
  WeightRow,
} from './contracts';
import { loadModelFromBlobs, type NamedBlob } from './model-files';
import { learnApi } from './learn';
import { histogramView } from './histogram-view';
import { calibrationCandidates } from './core/calibration/augment';
import { getTensorStats, type CalibrationStats, type TensorStats } from './core/calibration/collector';
import { unitsOf } from './core/analysis/sensitivity';
import type { PrecisionUnit } from './core/analysis/units';
import { histogramMoments } from './core/calibration/histogram';
import { computeAllRanges, computeRange, expectedSquaredError, quantGrid, type CalibrationRange } from './core/calibration/ranges';
import { ZeropointError } from './core/errors';
import { indexGraph, nodeLabel, topologicalOrder, type GraphIndex } from './core/graph/graph';
import { inspectModel, type ModelSummary } from './core/graph/inspect';
import { graphView, type GraphView } from './core/graph/view';
import { encodeModel } from './core/onnx/encode';
import { tensorToFloat32 } from './core/onnx/tensor';
import type { Graph, Model } from './core/onnx/types';
import { feedPlan, WORKBENCH_HOW } from './core/preprocess/feeds';
import { modelFacts, suggestPreprocessing } from './core/preprocess/suggest';
import type { InputGeometry } from './core/preprocess/spec';
import { computePerChannelParams, computeQuantParams, dequantizePerAxis, qRange, quantizePerAxis } from './core/quant/params';
import { firstAndLastLayers, planQuantization, type QuantPlan } from './core/quant/plan';
import { DEFAULT_QUANTIZE_OPTIONS, prepareModel, quantizeModel, rangeOptionsFor, type PreparedModel, type QuantizeOptions } from './core/quant/quantize';
import { QUANTIZABLE_OPS } from './core/quant/registry';
import type { TensorMapping } from './core/quant/rewrite';
import { FORMAT_SUFFIX, type ExportFormat } from './core/export/formats';
import { convertToFloat16 } from './core/export/fp16';
import { fp16InputHints } from './core/export/fp16-inputs';
import { exportWeightOnly } from './core/export/weight-only';

interface Int8State {
  readonly model: Model;
  readonly bytes: Uint8Array;
  readonly mapping: readonly TensorMapping[];
  readonly outcome: QuantizeOutcome;
}

interface State {
  readonly original: Model;
  readonly name: string;
  readonly fileBytes: number;
  readonly summary: ModelSummary;
  readonly prepared: PreparedModel | null;
  readonly preparedBytes: number;
  readonly index: GraphIndex;
  readonly order: readonly number[];
  calibration: CalibrationRecord | null;
  /** Per range-options key: tensor -> range (null when never observed). */
  ranges: Map<string, Map<string, CalibrationRange | null>>;
  plans: Map<string, QuantPlan>;
  /** Per weight-options key and weight tensor: its table row (weights do not depend on calibration). */
  weightRows: Map<string, WeightRow>;
  int8: Int8State | null;
}

let state: State | null = null;

const QUANTIZABLE = new Set(QUANTIZABLE_OPS);
const isDefaultDomain = (d: string | undefined) => (d ?? '') === '' || d === 'ai.onnx';

function requireModel(): State {
  if (!state) throw new ZeropointError('bad-option', 'No model is open. Open an .onnx model first.');
  return state;
}

function requirePrepared(s: State): PreparedModel {
  if (!s.prepared) throw new ZeropointError('bad-option', `'${s.name}' cannot be quantized, so it has no calibration or INT8 model.`, { subject: s.name });
  return s.prepared;
}

function requireCalibration(s: State): CalibrationRecord {
  if (!s.calibration) throw new ZeropointError('no-statistics', 'The model has not been calibrated yet. Run calibration first.');
  return s.calibration;
}

function options(query: RangeQuery): QuantizeOptions {
  return { ...DEFAULT_QUANTIZE_OPTIONS, ...query };
}

function planKey(o: QuantizeOptions): string {
  return JSON.stringify([rangeOptionsFor(o), o.methodByTensor ?? {}, o.activationType, o.activationSymmetric, o.perChannel, o.keepNodes, o.keepOpTypes, o.keepFirstAndLast]);
}

/** One method's range cache (tensor -> range, null when never observed). */
function rangeCache(s: State, o: QuantizeOptions): { cache: Map<string, CalibrationRange | null>; options: ReturnType<typeof rangeOptionsFor> } {
  const options = rangeOptionsFor(o);
  const key = JSON.stringify(options);
  let cache = s.ranges.get(key);
  if (!cache) s.ranges.set(key, (cache = new Map()));
  return { cache, options };
}

/**
 * The range of a tensor for the query's method (or the tensor's own method from `methodByTensor`,
 * what Auto chose), cached per method: switching method back and forth is free.
 */
function rangeLookup(s: State, o: QuantizeOptions): (name: string) => CalibrationRange | undefined {
  const calibration = requireCalibration(s);
  const base = rangeCache(s, o);
  return (name) => {
    const own = o.methodByTensor?.[name];
    const { cache, options } = own && own !== o.method ? rangeCache(s, { ...o, method: own }) : base;
    if (!cache.has(name)) {
      const t = getTensorStats(calibration.stats, name);
      cache.set(name, t && t.count > 0 ? computeRange(t, options) : null);
    }
    return cache.get(name) ?? undefined;
  };
}

function planFor(s: State, o: QuantizeOptions): QuantPlan {
  const key = planKey(o);
  let plan = s.plans.get(key);
  if (!plan) {
    const rangeOf = rangeLookup(s, o);
    plan = planQuantization(requirePrepared(s).model.graph!, { rangeOf }, o);
    s.plans.set(key, plan);
  }
  return plan;
}

/**
 * The model's image input with the constants of its other inputs (their defaults: feeds.ts); the Data
 * step's Inputs panel changes them in the page (app/store/actions/inputs.ts) with the same feedPlan.
 */
function geometryOf(model: Model, name: string): { geometry: InputGeometry | null; notImage: ModelInfo['notImage'] } {
  try {
    const inputs = indexGraph(model.graph!).dataInputs;
    if (inputs.length === 0) throw new ZeropointError('not-image-model', `'${name}' has no inputs; open a model with an image input.`, { subject: name });
    const plan = feedPlan(inputs, {}, { how: WORKBENCH_HOW });
    return { geometry: plan.constants.length ? { ...plan.image, constants: plan.constants } : plan.image, notImage: null };
  } catch (e) {
    return { geometry: null, notImage: problemOf(e) };
  }
}

function producerOf(s: State, tensor: string): { node: string; opType: string } {
  const p = s.index.producer.get(tensor);
  if (!p) return { node: '', opType: 'graph input' };
  return { node: nodeLabel(p.node, p.index), opType: p.node.opType ?? '' };
}

function shapeOf(calibration: CalibrationRecord, ...names: string[]): number[] | null {
  for (const n of names) if (Object.prototype.hasOwnProperty.call(calibration.shapes, n)) return calibration.shapes[n];
  return null;
}

/** 10·log10(signal power / noise power); Infinity for an exact grid, null when unknown. */
function sqnrOf(power: number, noise: number): number | null {
  if (!(power >= 0) || !(noise >= 0)) return null;
  if (noise === 0) return Infinity;
  return 10 * Math.log10(power / noise);
}

/** Expected SQNR of an activation's histogram quantized with its range on its grid (see RangeRow.sqnrDb). */
function activationSqnr(stats: TensorStats | undefined, range: { min: number; max: number }, type: 'u8' | 's8', symmetric: boolean): number | null {
  const h = stats?.histogram;
  if (!h || h.count === 0) return null;
  return sqnrOf(h.sumSq / h.count, expectedSquaredError(h, range, quantGrid({ type, symmetric })));
}

interface WeightQuantization {
  readonly dims: number[];
  readonly axis: number;
  readonly type: 'u8' | 's8';
  readonly symmetric: boolean;
  readonly values: Float32Array;
  readonly scales: number[];
  readonly zeroPoints: number[];
  readonly channelMin: number[];
  readonly channelMax: number[];
}

/** How a planned weight is quantized under the options (what the rewrite will do). */
function weightQuantization(plan: QuantPlan, weight: string, o: QuantizeOptions): WeightQuantization | null {
  const mark = plan.weights.get(weight);
  const tensor = plan.index.initializers.get(weight) ?? plan.index.constants.get(weight);
  if (!mark || !tensor) return null;
  const values = tensorToFloat32(tensor);
  const dims = [...tensor.dims];
  // Weights are s8 symmetric unless the options ask for u8 (asymmetric) weights.
  const weightType = o.weightType ?? 's8';
  const type = mark.asActivation ? o.activationType : weightType;
  const symmetric = mark.asActivation ? o.activationSymmetric : weightType === 's8';
  const perAxis = mark.axis >= 0 && dims.length > 0;
  const mm = channelMinMax(values, dims, perAxis ? mark.axis : -1);
  if (perAxis) {
    const p = computePerChannelParams(values, dims, mark.axis, { type, symmetric, reduceRange: o.reduceRange });
    return { dims, axis: mark.axis, type, symmetric, values, scales: Array.from(p.scales), zeroPoints: Array.from(p.zeroPoints), channelMin: mm.min, channelMax: mm.max };
  }
  const p = computeQuantParams({ min: mm.min[0], max: mm.max[0] }, { type, symmetric, reduceRange: o.reduceRange });
  return { dims, axis: -1, type, symmetric, values, scales: [p.scale], zeroPoints: [p.zeroPoint], channelMin: mm.min, channelMax: mm.max };
}

function weightRowOf(weight: string, node: { node: string; opType: string }, w: WeightQuantization): WeightRow {
  const axis = w.axis;
  // Per tensor: one channel holding every value.
  const layoutDims = axis >= 0 ? w.dims : [1, w.values.length];
  const q = quantizePerAxis(w.values, layoutDims, Math.max(0, axis), { scales: w.scales, zeroPoints: w.zeroPoints, type: w.type });
  const back = dequantizePerAxis(q, layoutDims, Math.max(0, axis), { scales: w.scales, zeroPoints: w.zeroPoints });
  let power = 0;
  let noise = 0;
  for (let i = 0; i < w.values.length; i++) {
    const v = w.values[i];
    const d = v - back[i];
    power += v * v;
    noise += d * d;
  }
  // The range the parameters were chosen from: the widest channel's, i.e. the whole tensor's.
  const observed = { min: w.channelMin.reduce((a, b) => Math.min(a, b), Infinity), max: w.channelMax.reduce((a, b) => Math.max(a, b), -Infinity) };
  const absMax = Math.max(-observed.min, observed.max);
  const range = w.symmetric ? { min: -absMax, max: absMax } : { min: Math.min(observed.min, 0), max: Math.max(observed.max, 0) };
  return {
    weight,
    node: node.node,
    opType: node.opType,
    dims: w.dims,
    axis,
    channels: w.scales.length,
    type: w.type,
    observed,
    range,
    scale: { min: w.scales.reduce((a, b) => Math.min(a, b), Infinity), max: w.scales.reduce((a, b) => Math.max(a, b), -Infinity) },
    zeroPoint: w.zeroPoints[0] ?? 0,
    sqnrDb: sqnrOf(power, noise) ?? NaN,
  };
}

/** The quantized weights of a plan in graph order (cached per weight options). */
function weightRows(s: State, plan: QuantPlan, o: QuantizeOptions): WeightRow[] {
  const key = JSON.stringify([o.weightType ?? 's8', o.perChannel, o.activationType, o.activationSymmetric, o.reduceRange]);
  const graph = plan.index.graph;
  const rows: WeightRow[] = [];
  const seen = new Set<string>();
  for (const nodeIndex of plan.order) {
    const n = graph.node[nodeIndex];
    for (const input of n.input) {
      if (!input || seen.has(input) || !plan.weights.has(input)) continue;
      seen.add(input);
      const mark = plan.weights.get(input)!;
      const cacheKey = `${key}|${mark.axis}|${mark.asActivation ? 1 : 0}|${input}`;
      let row = s.weightRows.get(cacheKey);
      if (!row) {
        const w = weightQuantization(plan, input, o);
        if (!w) continue;
        row = weightRowOf(input, { node: nodeLabel(n, nodeIndex), opType: n.opType ?? '' }, w);
        s.weightRows.set(cacheKey, row);
      }
      rows.push(row);
    }
  }
  return rows;
}

function transferBytes(bytes: Uint8Array): Uint8Array {
  return Comlink.transfer(bytes, [bytes.buffer]);
}

/** JSON has no Infinity or NaN: write them as strings / null (as the CLI does). */
function jsonNumbers(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? null : value > 0 ? 'inf' : '-inf';
  if (value instanceof Float64Array || value instanceof Float32Array) return Array.from(value);
  return value;
}

function int8NameOf(name: string, format: ExportFormat = 'int8'): string {
  return `${name.replace(/\.onnx$/i, '')}.${FORMAT_SUFFIX[format]}.onnx`;
}

const api = {
  async open(files: readonly NamedBlob[]): Promise<ModelInfo> {
    state = null;
    const loaded = await loadModelFromBlobs(files);
    const { model, name, fileBytes } = loaded;
    const summary = inspectModel(model, fileBytes);
    const alreadyQuantized = summary.quantization !== 'none';
    let prepared: PreparedModel | null = null;
    let cannotQuantize: ModelInfo['cannotQuantize'] = null;
    try {
      prepared = prepareModel(model, { source: name });
    } catch (e) {
      cannotQuantize = problemOf(e);
    }
    const working = prepared?.model ?? model;
    const graph: Graph = working.graph!;
    const index = indexGraph(graph);
    let order: number[];
    try {
      order = topologicalOrder(graph);
    } catch (e) {
      // A graph that cannot be ordered cannot be quantized either; show the nodes in file order.
      order = graph.node.map((_, i) => i);
      prepared = null;
      cannotQuantize ??= problemOf(e);
    }
    const { geometry, notImage } = geometryOf(working, name);
    const firstLast = firstAndLastLayers(index, order);
    const nodes: NodeRow[] = order.map((i, k) => {
      const n = graph.node[i];
      return {
        order: k,
        name: nodeLabel(n, i),
        opType: n.opType ?? '',
        domain: n.domain ?? '',
        quantizable: isDefaultDomain(n.domain) && QUANTIZABLE.has(n.opType ?? ''),
        firstOrLast: firstLast.has(i),
      };
    });
    const preparedBytes = prepared ? encodeModel(prepared.model).length : 0;
    state = {
      original: model,
      name,
      fileBytes,
      summary,
      prepared,
      preparedBytes,
      index,
      order,
      calibration: null,
      ranges: new Map(),
      plans: new Map(),
      weightRows: new Map(),
      int8: null,
    };
    return {
      name,
      fileBytes,
      externalFiles: loaded.externalFiles,
      summary,
      alreadyQuantized,
      prepared: prepared
        ? {
            opset: prepared.opset,
            upgradedNodes: prepared.upgradedNodes,
            widened: prepared.widened,
            notes: prepared.notes,
            bytes: preparedBytes,
            calibrationTensors: calibrationCandidates(prepared.model).length,
          }
        : null,
      cannotQuantize,
      geometry,
      notImage,
      nodes,
      firstAndLast: nodes.filter((n) => n.firstOrLast).map((n) => n.name),
      // Read from the file as given: its metadata and producer are the authors' words.
      suggestion: suggestPreprocessing(modelFacts(model)),
    };
  },

  async modelBytes(variant: ModelVariant): Promise<Uint8Array> {
    const s = requireModel();
    if (variant === 'original') return transferBytes(encodeModel(s.original));
    if (variant === 'prepared') return transferBytes(encodeModel(requirePrepared(s).model));
    if (!s.int8) throw new ZeropointError('bad-option', 'There is no INT8 model yet. Build it in the Quantize step first.');
    return transferBytes(s.int8.bytes.slice());
  },

  async setCalibration(record: CalibrationRecord): Promise<CalibrationOverview> {
    const s = requireModel();
    requirePrepared(s);
    s.calibration = record;
    s.ranges = new Map();
    s.plans = new Map();
    s.int8 = null;
    return { tensors: Object.keys(record.stats.tensors).length, images: record.meta.images, histograms: record.stats.histograms };
  },

  async rangeTable(query: RangeQuery): Promise<RangeTable> {
    const s = requireModel();
    const calibration = requireCalibration(s);
    const o = options(query);
    const plan = planFor(s, o);
    const rangeOf = rangeLookup(s, o);
    const position = new Map<number, number>(s.order.map((nodeIndex, k) => [nodeIndex, k]));
    const rows: (RangeRow & { at: number })[] = [];
    for (const a of plan.activations.values()) {
      const observed = getTensorStats(calibration.stats, a.rangeSource)!;
      const p = s.index.producer.get(a.name);
      rows.push({
        tensor: a.name,
        ...producerOf(s, a.name),
        shape: shapeOf(calibration, a.name, a.rangeSource),
        rangeSource: a.rangeSource,
        observed: { min: observed.min, max: observed.max },
        range: { min: a.range.min, max: a.range.max },
        scale: a.params.scale,
        zeroPoint: a.params.zeroPoint,
        type: a.params.type,
        clippedFraction: rangeOf(a.rangeSource)?.clippedFraction ?? null,
        sqnrDb: activationSqnr(observed, a.range, a.params.type, o.activationSymmetric),
        at: p ? (position.get(p.index) ?? p.index) : -1,
      });
    }
    rows.sort((x, y) => x.at - y.at);
    return { method: o.method, query, rows: rows.map(({ at: _at, ...row }) => row), weights: weightRows(s, plan, o) };
  },

  async tensorDetail(tensor: string, query: RangeQuery): Promise<TensorDetail> {
    const s = requireModel();
    const calibration = requireCalibration(s);
    const o = options(query);
    const plan = planFor(s, o);
    const planned = plan.activations.get(tensor);
    const own = getTensorStats(calibration.stats, tensor);
    const rangeSource = planned?.rangeSource ?? tensor;
    const stats: TensorStats | undefined = own && own.count > 0 ? own : getTensorStats(calibration.stats, rangeSource);
    if (!stats || stats.count === 0) {
      throw new ZeropointError('no-statistics', `Tensor '${tensor}' was not observed during calibration; pick a tensor from the ranges table.`, { subject: tensor });
    }
    const moments = stats.histogram ? histogramMoments(stats.histogram) : { mean: NaN, std: NaN };
    const ranges = computeAllRanges(stats, {
      percentile: { percentile: o.percentile, mode: o.percentileMode },
      entropy: { targetBins: o.entropyBins, quantizedBins: o.entropyQuantizedBins },
      mse: { type: o.activationType, symmetric: o.activationSymmetric },
    });
    const ownMethod = o.methodByTensor?.[rangeSource];
    const chosen = computeRange(stats, rangeOptionsFor(ownMethod ? { ...o, method: ownMethod } : o));
    const params = planned?.params ?? computeQuantParams(chosen, { type: o.activationType, symmetric: o.activationSymmetric, reduceRange: false });
    const q = qRange(params.type, { symmetric: o.activationSymmetric, reduceRange: false });
    const grid: QuantGridView = {
      type: params.type,
      qmin: q.qmin,
      qmax: q.qmax,
      scale: params.scale,
      zeroPoint: params.zeroPoint,
      lowest: (q.qmin - params.zeroPoint) * params.scale,
      highest: (q.qmax - params.zeroPoint) * params.scale,
    };
    return {
      tensor,
      ...producerOf(s, tensor),
      shape: shapeOf(calibration, tensor, rangeSource),
      rangeSource,
      stats: {
        count: stats.count,
        batches: stats.batches,
        nanCount: stats.nanCount,
        infCount: stats.infCount,
        min: stats.min,
        max: stats.max,
        movingMin: stats.movingMin,
        movingMax: stats.movingMax,
        mean: moments.mean,
        std: moments.std,
      },
      histogram: stats.histogram ? histogramView(stats.histogram, 256) : null,
      ranges,
      chosen,
      grid,
    };
  },

  async weightDetail(node: string, query: RangeQuery): Promise<WeightDetail | null> {
    const s = requireModel();
    const prepared = requirePrepared(s);
    const o = options(query);
    const graph = prepared.model.graph!;
    const nodeIndex = graph.node.findIndex((n, i) => nodeLabel(n, i) === node);
    if (nodeIndex < 0) throw new ZeropointError('bad-option', `The model has no node '${node}'.`, { subject: node });
    // Which input is a weight, and on which axis, is the quantizer's decision: ask the planner. Without
    // calibration, every non-constant tensor gets a dummy range so the marks are the same.
    const plan = s.calibration ? planFor(s, o) : planQuantization(graph, { rangeOf: () => ({ min: -1, max: 1 }) }, { ...o, keepNodes: [], keepOpTypes: [], keepFirstAndLast: false });
    const n = graph.node[nodeIndex];
    const weight = n.input.find((name) => plan.weights.has(name));
    if (!weight) return null;
    const w = weightQuantization(plan, weight, o);
    if (!w) return null;
    return { node, opType: n.opType ?? '', weight, dims: w.dims, axis: w.axis, type: w.type, scales: w.scales, zeroPoints: w.zeroPoints, channelMin: w.channelMin, channelMax: w.channelMax };
  },

  async quantize(query: RangeQuery): Promise<QuantizeOutcome> {
    const s = requireModel();
    const prepared = requirePrepared(s);
    const calibration = requireCalibration(s);
    const known = new Set(prepared.model.graph!.node.map((n, i) => nodeLabel(n, i)));
    for (const name of query.keepNodes ?? []) {
      if (!known.has(name)) throw new ZeropointError('bad-option', `Node '${name}' (kept in FP32) is not in '${s.name}'; pick nodes from the node list.`, { subject: name });
    }
    s.int8 = null;
    // quantizeModel writes the tensor mapping into the model's metadata (what Compare reads back).
    const result = quantizeModel(prepared.model, calibration.stats, query);
    const model = result.model;
    const bytes = encodeModel(model);
    const outcome: QuantizeOutcome = {
      format: 'int8',
      report: result.report,
      formatReport: null,
      sizes: { original: s.fileBytes, prepared: s.preparedBytes, int8: bytes.length },
      int8Name: int8NameOf(s.name),
      summary: inspectModel(model, bytes.length),
      mappingCount: result.mapping.length,
    };
    s.int8 = { model, bytes, mapping: result.mapping, outcome };
    return outcome;
  },

  async exportFormat(job: FormatJob): Promise<QuantizeOutcome> {
    const s = requireModel();
    const prepared = requirePrepared(s);
    const graph = prepared.model.graph!;
    const known = new Set(graph.node.map((n, i) => nodeLabel(n, i)));
    for (const name of job.keepNodes) {
      if (!known.has(name)) throw new ZeropointError('bad-option', `Node '${name}' (kept in FP32) is not in '${s.name}'; pick nodes from the node list.`, { subject: name });
    }
    s.int8 = null;
    const result =
      job.format === 'fp16'
        ? convertToFloat16(prepared.model, {
            ...(job.geometry ? fp16InputHints(job.geometry, job.spec) : {}),
            keepNodes: [...job.keepNodes, ...(job.keepFirstAndLast ? [...firstAndLastLayers(s.index, s.order)].map((i) => nodeLabel(graph.node[i], i)) : [])],
            keepOpTypes: job.keepOpTypes,
          })
        : exportWeightOnly(prepared.model, { keepNodes: job.keepNodes, keepOpTypes: job.keepOpTypes, keepFirstAndLast: job.keepFirstAndLast });
    const bytes = encodeModel(result.model);
    const outcome: QuantizeOutcome = {
      format: job.format,
      report: null,
      formatReport: result.report,
      sizes: { original: s.fileBytes, prepared: s.preparedBytes, int8: bytes.length },
      int8Name: int8NameOf(s.name, job.format),
      summary: inspectModel(result.model, bytes.length),
      mappingCount: result.mapping.length,
    };
    s.int8 = { model: result.model, bytes, mapping: result.mapping, outcome };
    return outcome;
  },

  async exportInt8(): Promise<ExportedFile> {
    const s = requireModel();
    if (!s.int8) throw new ZeropointError('bad-option', 'There is no INT8 model to download yet. Build it first.');
    const bytes = s.int8.bytes.slice();
    return Comlink.transfer({ name: s.int8.outcome.int8Name, mime: 'application/octet-stream', bytes }, [bytes.buffer]);
  },

  async exportReport(): Promise<ExportedFile> {
    const s = requireModel();
    const int8 = s.int8;
    const calibration = s.calibration;
    if (int8 && int8.outcome.format !== 'int8') {
      const prepared = requirePrepared(s);
      const report = {
        tool: 'zeropoint workbench',
        model: s.name,
        output: int8.outcome.int8Name,
        prepared: { opset: prepared.opset, upgradedNodes: prepared.upgradedNodes, widened: prepared.widened, notes: prepared.notes },
        sizes: int8.outcome.sizes,
        ...int8.outcome.formatReport,
        mapping: int8.mapping,
      };
      const bytes = new TextEncoder().encode(JSON.stringify(report, jsonNumbers, 2));
      return Comlink.transfer({ name: int8.outcome.int8Name.replace(/\.onnx$/i, '.report.json'), mime: 'application/json', bytes }, [bytes.buffer]);
    }
    if (!int8 || !calibration) throw new ZeropointError('bad-option', 'There is no report yet. Calibrate and build the INT8 model first.');
    const prepared = requirePrepared(s);
    const { meta } = calibration;
    const report = {
      tool: 'zeropoint workbench',
      model: s.name,
      output: int8.outcome.int8Name,
      preprocess: meta.spec,
      input: meta.geometry,
      calibration: {
        images: meta.images,
        skippedImages: meta.skippedImages,
        skippedTensors: meta.skippedTensors,
        workers: meta.workers,
        elapsedMs: meta.elapsedMs,
        histogramBins: calibration.stats.bins,
        averagingConstant: calibration.stats.averagingConstant,
      },
      prepared: { opset: prepared.opset, upgradedNodes: prepared.upgradedNodes, widened: prepared.widened, notes: prepared.notes },
      sizes: int8.outcome.sizes,
      ...int8.outcome.report,
      mapping: int8.mapping,
    };
    const bytes = new TextEncoder().encode(JSON.stringify(report, jsonNumbers, 2));
    const name = int8.outcome.int8Name.replace(/\.onnx$/i, '.report.json');
    return Comlink.transfer({ name, mime: 'application/json', bytes }, [bytes.buffer]);
  },

  async mapping(): Promise<TensorMapping[] | null> {
    return state?.int8 ? [...state.int8.mapping] : null;
  },

  async graphView(variant: GraphVariant): Promise<GraphView> {
    const s = requireModel();
    if (variant === 'int8') {
      if (!s.int8) throw new ZeropointError('bad-option', 'There is no INT8 model yet. Build it in the Quantize step first.');
      return graphView(s.int8.model.graph!, { fused: true });
    }
    return graphView((s.prepared?.model ?? s.original).graph!);
  },

  async precisionUnits(query: RangeQuery): Promise<PrecisionUnit[]> {
    const s = requireModel();
    return unitsOf(requirePrepared(s).model, requireCalibration(s).stats, options(query));
  },

  async calibrationStats(): Promise<CalibrationStats> {
    return requireCalibration(requireModel()).stats;
  },

  async latencyInputs(): Promise<LatencyInputs> {
    const s = requireModel();
    const prepared = requirePrepared(s);
    const calibration = requireCalibration(s);
    const options = s.int8?.outcome.report?.options;
    if (!options) throw new ZeropointError('bad-option', 'Build the INT8 model in the Quantize step first: the latency-aware search starts from its options.');
    const bytes = encodeModel(prepared.model);
    return Comlink.transfer({ prepared: bytes, stats: calibration.stats, options }, [bytes.buffer]);
  },

  // Learn mode's door (workers/learn.ts): the same model and calibration statistics, read-only.
  ...learnApi({
    model: () => {
      const s = requireModel();
      return { name: s.name, parameters: s.summary.parameters, graph: requirePrepared(s).model.graph!, index: s.index };
    },
    calibration: () => requireModel().calibration,
  }),
} satisfies ModelWorkerApi;

Comlink.expose(api);
