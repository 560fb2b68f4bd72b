/**
 * Learn mode's door on the model worker (ModelLearnApi): the real statistics and weights of the open
 * model, computed with the quantizer's own functions. The model worker spreads `learnApi(context)`
 * into its API; this module only reads what the context gives it (the prepared model and the
 * calibration record) and caches per calibration/model object, so a new calibration or model is
 * never served stale numbers.
 *
 * Heavy work stays here, off the page's thread: every method's range (entropy and MSE searches), a
 * weight's histogram and its per-channel quantization.
 */
import type { CalibrationRecord, GrowthRow, GrowthSnapshot, LearnCatalog, LearnGrid, LearnTensorData, LearnWeight, LearnWeightData, ModelLearnApi, RangeQuery } from './contracts';
import { histogramView } from './histogram-view';
import { createTensorStats, getTensorStats, updateTensorStats, type TensorStats } from './core/calibration/collector';
import { histogramMoments } from './core/calibration/histogram';
import { computeAllRanges, computeRange } from './core/calibration/ranges';
import { ZeropointError } from './core/errors';
import { nodeLabel, type GraphIndex } from './core/graph/graph';
import { clipMetrics, perChannelLesson } from './core/learn/lessons';
import { tensorToFloat32 } from './core/onnx/tensor';
import type { Graph } from './core/onnx/types';
import { computeQuantParams } from './core/quant/params';
import { DEFAULT_QUANTIZE_OPTIONS, rangeOptionsFor, type QuantizeOptions } from './core/quant/quantize';

/** What the lessons need from the model worker's state. */
export interface LearnModel {
  readonly name: string;
  readonly parameters: number;
  /** The prepared model's graph (the one calibration ran on) and its index. */
  readonly graph: Graph;
  readonly index: GraphIndex;
}

export interface LearnContext {
  /** Throws (with what to do) when no quantizable model is open. */
  model(): LearnModel;
  /** null before calibration. */
  calibration(): CalibrationRecord | null;
}

/** Bins of a chart's histogram view. */
const VIEW_BINS = 256;

const isDefaultDomain = (d: string | undefined) => (d ?? '') === '' || d === 'ai.onnx';

function moments(stats: TensorStats): { mean: number; std: number } {
  return stats.histogram ? histogramMoments(stats.histogram) : { mean: NaN, std: NaN };
}

/** Per output channel (axis 0) max|w|: largest over smallest. */
function channelSpread(values: Float32Array, dims: readonly number[]): number {
  const channels = dims[0] ?? 1;
  const inner = channels > 0 ? values.length / channels : 0;
  let lo = Infinity;
  let hi = 0;
  for (let c = 0; c < channels; c++) {
    let a = 0;
    for (let i = c * inner; i < (c + 1) * inner; i++) {
      const v = Math.abs(values[i]);
      if (v > a) a = v;
    }
    if (a < lo) lo = a;
    if (a > hi) hi = a;
  }
  if (hi === 0) return 1;
  return lo === 0 ? Infinity : hi / lo;
}

function convWeights(m: LearnModel): Array<{ node: string; opType: string; weight: string; values: () => Float32Array; dims: readonly number[] }> {
  const out: Array<{ node: string; opType: string; weight: string; values: () => Float32Array; dims: readonly number[] }> = [];
  m.graph.node.forEach((n, i) => {
    if (n.opType !== 'Conv' || !isDefaultDomain(n.domain)) return;
    const weight = n.input[1];
    const tensor = weight ? (m.index.initializers.get(weight) ?? m.index.constants.get(weight)) : undefined;
    if (!tensor || tensor.dims.length < 3) return;
    out.push({ node: nodeLabel(n, i), opType: n.opType, weight, dims: [...tensor.dims], values: () => tensorToFloat32(tensor) });
  });
  return out;
}

function producerOf(m: LearnModel, tensor: string): { node: string; opType: string } {
  const p = m.index.producer.get(tensor);
  return p ? { node: nodeLabel(p.node, p.index), opType: p.node.opType ?? '' } : { node: '', opType: 'graph input' };
}

function requireStats(calibration: CalibrationRecord | null, tensor: string): TensorStats {
  if (!calibration) throw new ZeropointError('no-statistics', 'The model has not been calibrated yet. Run calibration first (the lessons start it for you).');
  const stats = getTensorStats(calibration.stats, tensor);
  if (!stats || stats.count === 0) {
    throw new ZeropointError('no-statistics', `Tensor '${tensor}' was not observed during calibration; pick another tensor from the list.`, { subject: tensor });
  }
  if (!stats.histogram) {
    throw new ZeropointError('no-statistics', `Tensor '${tensor}' has no histogram (calibration ran without histograms); calibrate again.`, { subject: tensor });
  }
  return stats;
}

const gridKey = (g: LearnGrid) => `${g.type}/${g.symmetric ? 'sym' : 'asym'}`;

export function learnApi(context: LearnContext) {
  // Caches keyed by the objects they were computed from: a new model or calibration replaces them.
  const catalogs = new WeakMap<object, Map<string, LearnCatalog>>();
  const tensors = new WeakMap<CalibrationRecord, Map<string, LearnTensorData>>();
  const weights = new WeakMap<Graph, Map<string, LearnWeightData>>();
  const spreads = new WeakMap<Graph, LearnWeight[]>();

  const api = {
    async learnCatalog(): Promise<LearnCatalog> {
      const m = context.model();
      const calibration = context.calibration();
      const key = calibration ?? m.graph;
      const cached = catalogs.get(key)?.get(m.name);
      if (cached) return cached;
      let weightList = spreads.get(m.graph);
      if (!weightList) {
        weightList = convWeights(m).map((w) => ({ node: w.node, opType: w.opType, weight: w.weight, dims: w.dims, channelSpread: channelSpread(w.values(), w.dims) }));
        spreads.set(m.graph, weightList);
      }
      const activations = calibration
        ? Object.keys(calibration.stats.tensors).flatMap((tensor) => {
            const s = getTensorStats(calibration.stats, tensor)!;
            if (!s.histogram || s.count === 0) return [];
            const shape = Object.prototype.hasOwnProperty.call(calibration.shapes, tensor) ? calibration.shapes[tensor] : null;
            return [{ tensor, ...producerOf(m, tensor), shape, min: s.min, max: s.max }];
          })
        : [];
      const catalog: LearnCatalog = { model: m.name, parameters: m.parameters, images: calibration?.meta.images ?? 0, activations, weights: weightList };
      catalogs.set(key, new Map([[m.name, catalog]]));
      return catalog;
    },

    async learnTensor(tensor: string, grid: LearnGrid): Promise<LearnTensorData> {
      const m = context.model();
      const calibration = context.calibration();
      const stats = requireStats(calibration, tensor);
      let cache = tensors.get(calibration!);
      if (!cache) tensors.set(calibration!, (cache = new Map()));
      const key = `${tensor}\u0000${gridKey(grid)}`;
      const hit = cache.get(key);
      if (hit) return hit;
      const { mean, std } = moments(stats);
      const data: LearnTensorData = {
        kind: 'activation',
        tensor,
        ...producerOf(m, tensor),
        shape: Object.prototype.hasOwnProperty.call(calibration!.shapes, tensor) ? calibration!.shapes[tensor] : null,
        stats,
        mean,
        std,
        view: histogramView(stats.histogram!, VIEW_BINS),
        grid,
        ranges: computeAllRanges(stats, { percentile: { percentile: 99.999, mode: 'symmetric' }, entropy: {}, mse: { type: grid.type, symmetric: grid.symmetric } }),
        images: calibration!.meta.images,
      };
      cache.set(key, data);
      return data;
    },

    async learnWeight(node: string): Promise<LearnWeightData> {
      const m = context.model();
      let cache = weights.get(m.graph);
      if (!cache) weights.set(m.graph, (cache = new Map()));
      const hit = cache.get(node);
      if (hit) return hit;
      const w = convWeights(m).find((c) => c.node === node);
      if (!w) throw new ZeropointError('bad-option', `'${node}' is not a Conv layer with a constant weight in '${m.name}'; pick a layer from the list.`, { subject: node });
      const values = w.values();
      const stats = createTensorStats(w.weight);
      updateTensorStats(stats, values);
      const { mean, std } = moments(stats);
      const grid: LearnGrid = { type: 's8', symmetric: true };
      const data: LearnWeightData = {
        kind: 'weight',
        tensor: w.weight,
        node: w.node,
        opType: w.opType,
        shape: w.dims,
        dims: w.dims,
        stats,
        mean,
        std,
        view: histogramView(stats.histogram!, VIEW_BINS),
        grid,
        ranges: computeAllRanges(stats, { mse: grid }),
        images: 0,
        channels: perChannelLesson(values, w.dims),
      };
      cache.set(node, data);
      return data;
    },

    async learnGrowth(tensor: string, snapshots: readonly GrowthSnapshot[], query: RangeQuery): Promise<GrowthRow[]> {
      const reference = requireStats(context.calibration(), tensor).histogram!;
      const o: QuantizeOptions = { ...DEFAULT_QUANTIZE_OPTIONS, ...query };
      const rangeOptions = rangeOptionsFor(o);
      return snapshots.map((snap) => {
        const range = computeRange(snap.stats, rangeOptions);
        const params = computeQuantParams(range, { type: o.activationType, symmetric: o.activationSymmetric, reduceRange: false });
        const metrics = clipMetrics(reference, range, o.activationType, o.activationSymmetric);
        return {
          images: snap.images,
          observed: { min: snap.stats.min, max: snap.stats.max },
          range,
          scale: params.scale,
          zeroPoint: params.zeroPoint,
          mse: metrics.mse,
          sqnrDb: metrics.sqnrDb,
          clippedFraction: metrics.clippedFraction,
        };
      });
    },
  } satisfies ModelLearnApi;
  return api;
}
