/**
 * FP32 against INT8 on the same inputs: per-output error, top-1/top-5 agreement (and accuracy with
 * labels), and per-layer error through the tensor mapping the rewriter returned (never by guessing
 * from names). Both models are augmented to expose the mapped tensors, so one run per image per model
 * gives every layer.
 */
import { augmentModel } from '../calibration/augment';
import { isZeropointError, throwIfAborted, ZeropointError } from '../errors';
import { indexGraph, topologicalOrder } from '../graph/graph';
import { encodeModel } from '../onnx/encode';
import { float32ToFloat16, runnerTensorToFloat32 } from '../onnx/tensor';
import { DataType, type Model } from '../onnx/types';
import type { TensorMapping } from '../quant/rewrite';
import { roundHalfToEven } from '../quant/params';
import { runWithin, type Feeds, type Runner, type RunBudget, type RunnerSession, type RunnerTensor } from '../runner';
import { quote } from '../intake/names';
import type { CalibrationSource } from '../calibration/calibrate';
import {
  addFakeQuantizedPair,
  addChannelErrors,
  addClassification,
  addPair,
  createAgreementStats,
  createErrorStats,
  summarize,
  summarizeAgreement,
  type AgreementStats,
  type AgreementSummary,
  type ErrorStats,
  type ErrorSummary,
} from './error';

export const MAPPING_METADATA_KEY = 'zeropoint.tensor_mapping';

export interface LayerComparison extends ErrorSummary {
  readonly fp32: string;
  readonly int8: string;
  readonly quantized: boolean;
  /**
   * Local error: the tensor's own Q/DQ applied to its FP32 values (what its grid alone costs, as
   * onnxruntime's qdq_loss_debug measures it); null for a tensor with no Q/DQ. The summary fields
   * above are the accumulated error (INT8 model against FP32 model).
   */
  readonly local: ErrorSummary | null;
  /** The saturation window the errors were measured in (see TensorMapping.window). */
  readonly window?: { readonly min: number; readonly max: number };
  /** Graph order position of the FP32 tensor's producer (for plotting in graph order). */
  readonly order: number;
  readonly opType: string;
  readonly node: string;
}

export interface ComparisonResult {
  readonly images: number;
  readonly outputs: ReadonlyArray<{ readonly name: string } & ErrorSummary>;
  /** Classification agreement on the first output, when it looks like class scores. */
  readonly agreement: AgreementSummary | null;
  readonly layers: readonly LayerComparison[];
  /** Raw mergeable statistics (for worker pools and error histograms). */
  readonly raw: { outputs: Record<string, ErrorStats>; layers: Record<string, ErrorStats>; local: Record<string, ErrorStats>; agreement: AgreementStats | null };
}

export interface CompareOptions {
  readonly mapping?: readonly TensorMapping[];
  readonly labels?: (i: number) => number | undefined;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: { done: number; total: number }) => void;
  readonly histogramBins?: number;
  /** Limit per-layer statistics to these FP32 tensors (default: every mapped tensor). */
  readonly layers?: readonly string[];
  /**
   * Called once per image and compared layer with both activations (FP32 tensor name, FP32 values,
   * INT8 dequantized values), for statistics of the values themselves (histograms). The arrays are
   * only valid during the call.
   */
  readonly onLayerValues?: (fp32Tensor: string, fp32: Float32Array, int8: Float32Array) => void;
  /** The most one model's run on one image may take; past it the comparison stops with 'timeout'. */
  readonly runBudget?: RunBudget;
  /**
   * onnxruntime's optimization level for the compared (INT8, FP16, ...) model's session; 'all' by
   * default. Weight-only models are compared at 'extended': onnxruntime-node 1.30 at 'all' (its x86
   * NCHWc layout pass) ends the process while running a DequantizeLinear-weight Conv whose output,
   * read by an Add, is also a graph output, which is what exposing layers makes (SCRFD's FPN).
   */
  readonly testOptimization?: 'all' | 'extended';
  /**
   * Called once per image with both models' graph outputs (for task metrics that read whole outputs, such as
   * detection AP: analysis/detection detectionPair). The tensors are only valid during the call.
   */
  readonly onOutputs?: (i: number, fp32: Readonly<Record<string, RunnerTensor>>, int8: Readonly<Record<string, RunnerTensor>>) => void;
  /**
   * The FP32 side's outputs (graph outputs and exposed layers) kept from an earlier comparison on the
   * same FP32 model, preprocessing and images: an image whose entry holds every tensor this run needs
   * is not run again, and the FP32 session is only created when some image needs it. Entries are
   * offered back through `put` (the tensors must not be changed afterwards).
   */
  readonly reference?: ReferenceOutputs;
}

/** A store of FP32 outputs per image (see CompareOptions.reference). */
export interface ReferenceOutputs {
  get(i: number): Readonly<Record<string, RunnerTensor>> | undefined;
  put(i: number, outputs: Readonly<Record<string, RunnerTensor>>): void;
}

/** Reads the mapping a Zeropoint-written INT8 model carries in its metadata (undefined for foreign models). */
export function mappingFromModel(model: Model): TensorMapping[] | undefined {
  const entry = model.metadataProps?.find((p) => p.key === MAPPING_METADATA_KEY);
  if (!entry?.value) return undefined;
  const rows = JSON.parse(entry.value) as Array<[string, string, string?, number?, number?, ('u8' | 's8')?, [number, number]?]>;
  return rows.map(([fp32, int8, quantized, scale, zeroPoint, type, window]) => ({ fp32, int8, quantized, scale, zeroPoint, type, ...(window ? { window: { min: window[0], max: window[1] } } : {}) }));
}

export function mappingToMetadata(mapping: readonly TensorMapping[]): { key: string; value: string } {
  return {
    key: MAPPING_METADATA_KEY,
    value: JSON.stringify(mapping.map((m) => (m.quantized ? [m.fp32, m.int8, m.quantized, m.scale, m.zeroPoint, m.type, ...(m.window ? [[m.window.min, m.window.max]] : [])] : [m.fp32, m.int8]))),
  };
}

/** Converts float32 feeds to what a model's inputs declare (float16 models get float16 bits). */
export function adaptFeeds(model: Model, feeds: Feeds): Feeds {
  const out: Feeds = {};
  const inputs = new Map(model.graph!.input.map((i) => [i.name, i.type?.tensorType?.elemType]));
  for (const [name, t] of Object.entries(feeds)) {
    if (inputs.get(name) === DataType.FLOAT16 && t.type === 'float32') out[name] = { type: 'float16', dims: t.dims, data: float32ToFloat16(t.data as Float32Array) };
    else out[name] = t;
  }
  return out;
}

function looksLikeClasses(t: RunnerTensor): boolean {
  const n = t.data.length;
  const batch = t.dims[0] ?? 1;
  return batch === 1 && n >= 2 && n <= 100_000 && t.dims.filter((d) => d > 1).length === 1;
}

function clampTo(values: Float32Array, w: { min: number; max: number }): Float32Array {
  return Float32Array.from(values, (v) => (v < w.min ? w.min : v > w.max ? w.max : v));
}

/** The tensor's own Q/DQ (ONNX rounding: half to even) applied to its FP32 values. */
export function fakeQuantize(values: Float32Array, m: Pick<TensorMapping, 'scale' | 'zeroPoint' | 'type'>): Float32Array {
  // float32 arithmetic, as onnxruntime's QuantizeLinear divides.
  const scale = Math.fround(m.scale!);
  const zp = m.zeroPoint ?? 0;
  const [lo, hi] = m.type === 's8' ? [-128, 127] : [0, 255];
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const q = Math.min(hi, Math.max(lo, roundHalfToEven(Math.fround(values[i] / scale)) + zp));
    out[i] = scale * (q - zp);
  }
  return out;
}

export async function compareModels(fp32: Model, int8: Model, runner: Runner, source: CalibrationSource, options: CompareOptions = {}): Promise<ComparisonResult> {
  const mapping = (options.mapping ?? []).filter((m) => !options.layers || options.layers.includes(m.fp32));
  const fp32Index = indexGraph(fp32.graph!);
  const int8Index = indexGraph(int8.graph!);
  // Only tensors present in both graphs (an upgraded or widened FP32 copy may differ from the file given).
  const usable = mapping.filter((m) => fp32Index.producer.has(m.fp32) && (int8Index.producer.has(m.int8) || int8Index.graphOutputs.has(m.int8)));
  const outputNames = fp32.graph!.output.map((o) => o.name ?? '');
  const int8Outputs = new Set(int8.graph!.output.map((o) => o.name ?? ''));
  for (const name of outputNames) {
    if (!int8Outputs.has(name)) throw new ZeropointError('bad-graph', `The INT8 model has no output '${name}', which the FP32 model has. Compare an INT8 model made from this FP32 model.`, { subject: name });
  }
  const exposed = usable.map((m) => m.fp32);
  const needed = [...outputNames, ...exposed];
  let fpSession: RunnerSession | null = null;
  const fpRun = async (feeds: Feeds, i: number, image: string): Promise<Readonly<Record<string, RunnerTensor>>> => {
    const kept = options.reference?.get(i);
    if (kept && needed.every((n) => kept[n] !== undefined)) return kept;
    fpSession ??= await runner.createSession(encodeModel(augmentModel(fp32, exposed)), { optimization: 'all' });
    const a = await runWithin(fpSession.run(adaptFeeds(fp32, feeds), { signal: options.signal }), options.runBudget, `Running the FP32 model on image ${image}`);
    options.reference?.put(i, a);
    return a;
  };
  const qSession = await runner.createSession(encodeModel(augmentModel(int8, usable.map((m) => m.int8))), { optimization: options.testOptimization ?? 'all' });
  const outputs: Record<string, ErrorStats> = Object.fromEntries(outputNames.map((n) => [n, createErrorStats({ histogramBins: options.histogramBins })]));
  const layers: Record<string, ErrorStats> = Object.fromEntries(usable.map((m) => [m.fp32, createErrorStats({ histogramBins: options.histogramBins })]));
  const local: Record<string, ErrorStats> = Object.fromEntries(usable.filter((m) => m.scale !== undefined).map((m) => [m.fp32, createErrorStats()]));
  let agreement: AgreementStats | null = null;
  let timedOut = false;
  try {
    for (let i = 0; i < source.count; i++) {
      throwIfAborted(options.signal);
      const feeds = await source.feeds(i);
      const image = quote(source.label?.(i) ?? `#${i + 1}`);
      const a = await fpRun(feeds, i, image);
      const b = await runWithin(qSession.run(adaptFeeds(int8, feeds), { signal: options.signal }), options.runBudget, `Running the INT8 model on image ${image}`);
      for (const name of outputNames) addPair(outputs[name], runnerTensorToFloat32(a[name]), runnerTensorToFloat32(b[name]));
      if (options.onOutputs) {
        // The graph's own outputs only: the augmented models also return the intermediates compared per layer.
        const own = (r: Record<string, RunnerTensor>) => Object.fromEntries(outputNames.map((n) => [n, r[n]]));
        options.onOutputs(i, own(a), own(b));
      }
      for (const m of usable) {
        const x = a[m.fp32];
        const y = b[m.int8];
        if (x && y && x.data.length === y.data.length && x.type !== 'int64' && y.type !== 'int64') {
          const raw = runnerTensorToFloat32(x);
          // In a saturation window, values past it are what the readers see at its edge.
          const fx = m.window ? clampTo(raw, m.window) : raw;
          const fy = runnerTensorToFloat32(y);
          addPair(layers[m.fp32], fx, fy);
          addChannelErrors(layers[m.fp32], fx, fy, x.dims);
          if (local[m.fp32]) {
            const [qmin, qmax] = m.type === 's8' ? [-128, 127] : [0, 255];
            addFakeQuantizedPair(local[m.fp32], raw, { scale: m.scale!, zeroPoint: m.zeroPoint ?? 0, qmin, qmax, window: m.window });
          }
          options.onLayerValues?.(m.fp32, fx, fy);
        }
      }
      const first = a[outputNames[0]];
      if (first && looksLikeClasses(first)) {
        agreement ??= createAgreementStats();
        addClassification(agreement, runnerTensorToFloat32(first), runnerTensorToFloat32(b[outputNames[0]]), options.labels?.(i));
      }
      options.onProgress?.({ done: i + 1, total: source.count });
    }
  } catch (e) {
    timedOut = isZeropointError(e) && e.code === 'timeout';
    throw e;
  } finally {
    // A run that timed out may still be going on inside the runtime: releasing its session then is unsafe.
    if (!timedOut) {
      await (fpSession as RunnerSession | null)?.release();
      await qSession.release();
    }
  }
  const order = topologicalOrder(fp32.graph!);
  const position = new Map<number, number>(order.map((nodeIndex, k) => [nodeIndex, k]));
  const layerRows: LayerComparison[] = usable
    .filter((m) => layers[m.fp32].count > 0)
    .map((m) => {
      const p = fp32Index.producer.get(m.fp32)!;
      return {
        fp32: m.fp32,
        int8: m.int8,
        quantized: m.quantized !== undefined,
        order: position.get(p.index) ?? p.index,
        opType: p.node.opType ?? '',
        node: p.node.name ?? '',
        ...summarize(layers[m.fp32]),
        local: local[m.fp32] && local[m.fp32].count > 0 ? summarize(local[m.fp32]) : null,
        ...(m.window ? { window: m.window } : {}),
      };
    })
    .sort((x, y) => x.order - y.order);
  return {
    images: source.count,
    outputs: outputNames.map((name) => ({ name, ...summarize(outputs[name]) })),
    agreement: agreement ? summarizeAgreement(agreement) : null,
    layers: layerRows,
    raw: { outputs, layers, local, agreement },
  };
}
