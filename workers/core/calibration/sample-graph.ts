/**
 * The histogram methods' calibration graph (issue 11 item 4): onnxruntime hands over, per observed
 * tensor larger than `limit` values, a regular sample of at most `limit` of its values and the batch's
 * exact extremes (the packed reductions of minmax-graph.ts), instead of every value; smaller tensors
 * are exposed whole as before. JavaScript then bins `limit` values per tensor and image, not millions
 * (histogram-sample.ts says what the histogram holds and how far its bins can be off).
 *
 *   NCHW tensor T (a Conv's, a pool's or an elementwise op's on them; onnxruntime keeps these in its
 *   blocked NCHWc layout):
 *     T --> <consumers>
 *     +--> MaxPool(kernel 1x1, strides s x s, s odd) --> Reshape [-1] --+
 *     +--> <packed ReduceMax / ReduceMin, minmax-graph.ts>               |
 *                                                                        +--> Concat --> zeropoint_samples
 *   any other T (NHWC, [B, T, C], ...):                                  |
 *     T --> Reshape [-1] --> Slice(step s, s coprime to the last dim) ---+
 *
 *  - a 1x1 MaxPool with strides picks every s-th row and column of every channel, exactly, and runs in
 *    the blocked layout without reordering T; an odd s does not line up with the period-2 patterns
 *    of stride-2 convolutions and pixel shuffles;
 *  - a flat step coprime to the last dim visits every channel of a channels-last tensor equally;
 *  - one packed output for all samples: every graph output costs about 5 µs to fetch.
 * Concats whose parts are observed get neither (their histograms are the merge of their parts').
 * A large graph input (the image) is sampled the same way; small ones the host bins from its feeds.
 */
import { indexGraph, nameAllocator } from '../graph/graph';
import { intAttr, intsAttr } from '../onnx/attributes';
import { product } from '../onnx/opset/infer';
import { makeTensor } from '../onnx/tensor';
import { DataType, type Model, type Node } from '../onnx/types';
import { impliedConcats, inferScope, minMaxGraph, type ConcatReading, type MinMaxReading } from './minmax-graph';

/**
 * The default sample aims at a histogram whose share of values below any threshold is within
 * HISTOGRAM_ERROR of every value binned's, with probability 1 - HISTOGRAM_CONFIDENCE_MISS
 * (Hoeffding: n >= ln(2 / d) / (2 e^2) values per tensor over the whole calibration set, 152,020), so
 * the values sampled per image fall as images are added: 19,003 for 8 images, 1,521 for 100.
 */
export const HISTOGRAM_ERROR = 0.005;
export const HISTOGRAM_CONFIDENCE_MISS = 0.001;
const SAMPLE_PER_TENSOR = Math.ceil(Math.log(2 / HISTOGRAM_CONFIDENCE_MISS) / (2 * HISTOGRAM_ERROR ** 2));
/** Bounds on the default values per tensor and image. */
export const MIN_HISTOGRAM_SAMPLE = 1024;
export const MAX_HISTOGRAM_SAMPLE = 65536;

/** Values sampled per tensor and image by default for a calibration set of `images` images. */
export function defaultHistogramSample(images: number): number {
  return Math.min(MAX_HISTOGRAM_SAMPLE, Math.max(MIN_HISTOGRAM_SAMPLE, Math.ceil(SAMPLE_PER_TENSOR / Math.max(1, images))));
}

export interface SampleReading {
  readonly tensor: string;
  /** Where its sample lies in the packed output. */
  readonly offset: number;
  readonly length: number;
  /** The tensor's element count per run. */
  readonly count: number;
  readonly dims: readonly number[];
}

export interface SampleGraph {
  readonly model: Model;
  /** The packed samples' output ('' when no tensor is sampled). */
  readonly samplesOutput: string;
  readonly samples: readonly SampleReading[];
  /** The sampled tensors' extremes (minmax-graph.ts readings; no Concat readings among them). */
  readonly extremes: readonly MinMaxReading[];
  /** Tensors exposed whole (binned value by value). */
  readonly whole: readonly string[];
  /** Observed Concats whose histograms follow from their parts'. */
  readonly concats: readonly ConcatReading[];
  /** The graph inputs sampled here (the host need not look at their values). */
  readonly inputs: readonly string[];
  /** Whole tensors whose dims the shape inference does not know (a run's `seen` dims can size them). */
  readonly unsized: readonly string[];
}

export interface SampleGraphOptions {
  /** Values sampled per tensor and run at most; a tensor with no more than this is exposed whole. */
  readonly limit: number;
  /** The dims every calibration run feeds, by input name (the model may declare them dynamic). */
  readonly inputDims?: Readonly<Record<string, readonly number[]>>;
  /**
   * Float tensors' dims seen in a run, for tensors the shape inference cannot size (a first image's
   * whole outputs): those can then be sampled too.
   */
  readonly seen?: Readonly<Record<string, readonly number[]>>;
}

/** Ops that read and write NCHW tensors (input 0 and output 0). */
const NCHW_OPS = new Set(['Conv', 'ConvTranspose', 'MaxPool', 'AveragePool', 'LpPool', 'BatchNormalization', 'InstanceNormalization']);
/** Elementwise ops: an output with an NCHW input's dims is NCHW. */
const ELEMENTWISE = new Set([
  'Relu', 'LeakyRelu', 'PRelu', 'Clip', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh', 'Elu', 'Selu', 'Mish', 'Softplus', 'Erf',
  'Add', 'Sub', 'Mul', 'Div', 'Max', 'Min', 'Identity', 'Dropout',
]);

/** Rank-4 tensors known to be NCHW: a conv or pool reads or writes them, or elementwise ops carry them. */
function nchwTensors(model: Model, dimsOf: (name: string) => readonly number[] | undefined): Set<string> {
  const out = new Set<string>();
  const same = (a: readonly number[] | undefined, b: readonly number[] | undefined) => !!a && !!b && a.length === b.length && a.every((d, i) => d === b[i]);
  for (const n of model.graph!.node) {
    if ((n.domain ?? '') !== '' && n.domain !== 'ai.onnx') continue;
    const op = n.opType ?? '';
    if (NCHW_OPS.has(op)) {
      if (dimsOf(n.input[0])?.length === 4) out.add(n.input[0]);
      if (dimsOf(n.output[0])?.length === 4) out.add(n.output[0]);
    } else if (ELEMENTWISE.has(op) || (op === 'Concat' && n.input.length > 0)) {
      const o = n.output[0];
      const dims = dimsOf(o);
      if (dims?.length !== 4) continue;
      const carried = op === 'Concat' ? n.input.every((i) => out.has(i)) : n.input.some((i) => out.has(i) && same(dimsOf(i), dims));
      if (carried) out.add(o);
    }
  }
  return out;
}

/** A tensor's dims when inference knows every one. */
function knownDims(dims: readonly (number | undefined)[] | undefined): number[] | undefined {
  return dims && dims.every((d) => typeof d === 'number' && d >= 0) ? (dims as number[]) : undefined;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** The sampled tensors' readings, samples packed in one output, and the whole ones; see the file comment. */
export function sampleGraph(model: Model, tensors: readonly string[], options: SampleGraphOptions): SampleGraph {
  const graph = model.graph!;
  const index = indexGraph(graph);
  const scope = inferScope(model, options.inputDims);
  const inputs = new Set(graph.input.map((i) => i.name));
  const concats = impliedConcats(model, tensors);
  const implied = new Set(concats.map((c) => c.tensor));
  const limit = options.limit;
  const large: { tensor: string; dims: number[]; count: number }[] = [];
  const whole: string[] = [];
  const unsized: string[] = [];
  const seen = options.seen ?? {};
  const dimsOf = (name: string): number[] | undefined => knownDims(scope.dims(name)) ?? (Object.prototype.hasOwnProperty.call(seen, name) ? [...seen[name]] : undefined);
  for (const tensor of tensors) {
    if (implied.has(tensor)) continue;
    const dims = dimsOf(tensor);
    if (!dims) unsized.push(tensor);
    const elem = Object.prototype.hasOwnProperty.call(seen, tensor) ? DataType.FLOAT : (scope.elemType(tensor) ?? index.valueInfo.get(tensor)?.type?.tensorType?.elemType);
    const count = dims ? product(dims) : undefined;
    if (limit > 0 && dims && count !== undefined && count > limit && elem === DataType.FLOAT) large.push({ tensor, dims: [...dims], count });
    // A graph input the host reads from its feeds, whole.
    else if (!inputs.has(tensor)) whole.push(tensor);
  }
  const withExtremes = minMaxGraph(model, large.map((l) => l.tensor), { inputDims: options.inputDims });
  const g = withExtremes.model.graph!;
  const fresh = nameAllocator(g);
  const nchw = nchwTensors(model, dimsOf);
  const nodes: Node[] = [];
  const initializers = [...g.initializer];
  const flat = fresh('zeropoint_sample_flat');
  initializers.push(makeTensor(flat, DataType.INT64, [1], new BigInt64Array([-1n])));
  const parts: string[] = [];
  const samples: SampleReading[] = [];
  let offset = 0;
  for (const { tensor, dims, count } of large) {
    let length: number;
    let out: string;
    const [n, c, h, w] = dims;
    if (nchw.has(tensor) && n * c * 4 <= limit) {
      // The smallest odd stride whose grid fits the limit.
      let s = 1;
      while (n * c * Math.ceil(h / s) * Math.ceil(w / s) > limit) s += 2;
      const pooled = fresh(`${tensor}/zeropoint_sample_grid`);
      nodes.push({ opType: 'MaxPool', input: [tensor], output: [pooled], name: pooled, attribute: [intsAttr('kernel_shape', [1, 1]), intsAttr('strides', [s, s])] });
      out = fresh(`${tensor}/zeropoint_sample`);
      nodes.push({ opType: 'Reshape', input: [pooled, flat], output: [out], name: out, attribute: [] });
      length = n * c * Math.ceil(h / s) * Math.ceil(w / s);
    } else {
      const last = dims[dims.length - 1] || 1;
      let s = Math.ceil(count / limit);
      while (gcd(s, last) !== 1) s++;
      const flatT = fresh(`${tensor}/zeropoint_flat`);
      nodes.push({ opType: 'Reshape', input: [tensor, flat], output: [flatT], name: flatT, attribute: [] });
      const consts = (suffix: string, v: number) => {
        const name = fresh(`${tensor}/zeropoint_sample_${suffix}`);
        initializers.push(makeTensor(name, DataType.INT64, [1], new BigInt64Array([BigInt(v)])));
        return name;
      };
      out = fresh(`${tensor}/zeropoint_sample`);
      nodes.push({ opType: 'Slice', input: [flatT, consts('start', 0), consts('end', count), consts('axis', 0), consts('step', s)], output: [out], name: out, attribute: [] });
      length = Math.ceil(count / s);
    }
    parts.push(out);
    samples.push({ tensor, offset, length, count, dims });
    offset += length;
  }
  let samplesOutput = '';
  if (parts.length > 0) {
    samplesOutput = fresh('zeropoint_samples');
    nodes.push({ opType: 'Concat', input: parts, output: [samplesOutput], name: samplesOutput, attribute: [intAttr('axis', 0)] });
  }
  const existing = new Set(g.output.map((o) => o.name));
  const exposed = [...(samplesOutput ? [samplesOutput] : []), ...whole.filter((t) => !existing.has(t))];
  return {
    model: { ...withExtremes.model, graph: { ...g, node: [...g.node, ...nodes], initializer: initializers, output: [...g.output, ...exposed.map((name) => ({ name }))] } },
    samplesOutput,
    samples,
    extremes: withExtremes.readings,
    whole,
    concats,
    inputs: large.filter((l) => inputs.has(l.tensor)).map((l) => l.tensor),
    unsized: unsized.filter((t) => !inputs.has(t)),
  };
}
