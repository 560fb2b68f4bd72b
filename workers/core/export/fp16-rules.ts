/**
 * The FP16 rule table: what each op does in a float16 model, with the reason as data (like
 * quant/operators/float.ts does for INT8). fp16.ts reads it; nothing here edits a graph.
 *
 *   compute  the op computes in float16 (its float inputs and outputs become float16)
 *   follow   the op only moves or selects values (exact in any float type): it takes the type of its
 *            float data input, so a chain of Reshape/Transpose after an FP32 op adds no Cast
 *   any      the op reads any type and its output is not float (Shape, Size): nothing to convert
 *   fp32     kept in FP32 behind Cast nodes, with the reason
 *
 * An op missing from the table is kept in FP32 ('no float16 rule'): a model of a family nobody has
 * checked keeps working, only less of it is converted.
 *
 * Kernels (onnxruntime 1.30): on CPU and WASM most ops have no float16 kernel; onnxruntime's
 * InsertCastTransformer then runs them in float32 between Casts it inserts itself, so a float16 model
 * runs there (at float32 speed, float16 size) and float16 arithmetic happens only on WebGPU, where it
 * needs an adapter with the 'shader-f16' feature ("Program X requires f16 but the device does not
 * support it" otherwise). The few ops whose ONNX types forbid float16 (NonMaxSuppression) or that
 * onnxruntime has no float16 kernel for anywhere it would matter (Range: float, double, int16/32/64
 * only) are kept FP32 here, so no runtime has to guess.
 */

export type Fp16OpKind = 'compute' | 'follow' | 'any' | 'fp32';

export interface Fp16OpRule {
  readonly kind: Fp16OpKind;
  readonly reason?: string;
  /** Inputs that stay float32 whatever the node computes in (ONNX type constraints: Resize's scales). */
  readonly float32Inputs?: readonly number[];
  /** compute ops that reduce: above this many reduced values per output the op is kept FP32. */
  readonly maxReduced?: number;
}

const compute = (extra: Omit<Fp16OpRule, 'kind'> = {}): Fp16OpRule => ({ kind: 'compute', ...extra });
const follow: Fp16OpRule = { kind: 'follow' };
const fp32 = (reason: string): Fp16OpRule => ({ kind: 'fp32', reason });

const FP16_MAX = 65504;
const NORMALIZATION = 'normalization statistics (a mean and a variance over many values, then 1/std) are kept in FP32: a float16 sum of squares passes 65504 once values reach 256';
const ACCUMULATES = 'sums over a whole axis: a float16 accumulator passes 65504 or loses the small terms on large tensors; kept in FP32';
const SELECTS = 'selects by value: float16 rounding makes near-equal values tie and reorders the selection; kept in FP32';

export const FP16_OP_RULES: Readonly<Record<string, Fp16OpRule>> = {
  // Compute in float16.
  Conv: compute(),
  ConvTranspose: compute(),
  MatMul: compute(),
  Gemm: compute(),
  Einsum: compute(),
  Add: compute(),
  Sub: compute(),
  Mul: compute(),
  Div: compute(),
  Sum: compute(),
  Mean: compute(),
  LeakyRelu: compute(),
  PRelu: compute(),
  Sigmoid: compute(),
  HardSigmoid: compute(),
  HardSwish: compute(),
  Tanh: compute(),
  Elu: compute(),
  Selu: compute(),
  Celu: compute(),
  Gelu: compute(),
  Erf: compute(),
  Floor: compute(),
  Ceil: compute(),
  Round: compute(),
  Sign: compute(),
  AveragePool: compute(),
  GlobalAveragePool: compute({ maxReduced: 4096 }),
  BatchNormalization: compute(),
  Resize: compute({ float32Inputs: [1, 2] }),
  Upsample: compute({ float32Inputs: [1] }),
  Dropout: compute({ float32Inputs: [1] }),
  Equal: compute(),
  Less: compute(),
  LessOrEqual: compute(),
  Greater: compute(),
  GreaterOrEqual: compute(),

  // Exact in any float type: follow the input.
  Identity: follow,
  Reshape: follow,
  Transpose: follow,
  Flatten: follow,
  Squeeze: follow,
  Unsqueeze: follow,
  Slice: follow,
  Split: follow,
  Gather: follow,
  GatherElements: follow,
  GatherND: follow,
  Concat: follow,
  Expand: follow,
  Tile: follow,
  DepthToSpace: follow,
  SpaceToDepth: follow,
  Pad: follow,
  Relu: follow,
  Clip: follow,
  Abs: follow,
  Neg: follow,
  MaxPool: follow,
  GlobalMaxPool: follow,
  ReduceMax: follow,
  ReduceMin: follow,
  Max: follow,
  Min: follow,
  Where: follow,

  // Read any type; no float output.
  Shape: { kind: 'any' },
  Size: { kind: 'any' },
  NonZero: { kind: 'any' },

  // Kept in FP32, and why.
  Exp: fp32(`e^x passes float16's largest value (${FP16_MAX}) at x = 11.1; kept in FP32 (box decoding, softplus and attention read it)`),
  Pow: fp32('x^p overflows float16 fast (the variance of a LayerNorm written as primitives squares values, 256^2 = 65536 > 65504); kept in FP32'),
  Log: fp32("the log of small values: float16's smallest normal (6.1e-5) limits log to >= -9.7 and subnormals lose digits; kept in FP32"),
  Reciprocal: fp32('1/x overflows float16 for |x| < 1.5e-5; kept in FP32'),
  Sqrt: fp32("the square root of a variance: variances below float16's smallest normal (6.1e-5) lose their digits; kept in FP32"),
  Softplus: fp32('Softplus computes e^x inside (overflow past x = 11.1 in float16); kept in FP32'),
  Mish: fp32('Mish computes softplus (e^x) inside; kept in FP32'),
  Softmax: fp32('Softmax: its input logits and the exponentials are kept in FP32 (large logits overflow float16 and near-equal probabilities lose their order)'),
  LogSoftmax: fp32('LogSoftmax: kept in FP32 like Softmax'),
  ReduceSum: fp32(ACCUMULATES),
  ReduceMean: fp32(`${ACCUMULATES} (and a LayerNorm's statistics are read from it)`),
  ReduceSumSquare: fp32(ACCUMULATES),
  ReduceL1: fp32(ACCUMULATES),
  ReduceL2: fp32(ACCUMULATES),
  ReduceLogSum: fp32(ACCUMULATES),
  ReduceLogSumExp: fp32(ACCUMULATES),
  ReduceProd: fp32('a product over an axis overflows or underflows float16; kept in FP32'),
  CumSum: fp32(ACCUMULATES),
  LayerNormalization: fp32(NORMALIZATION),
  GroupNormalization: fp32(NORMALIZATION),
  InstanceNormalization: fp32(`${NORMALIZATION} (instance statistics run over H×W values per channel)`),
  MeanVarianceNormalization: fp32(NORMALIZATION),
  LpNormalization: fp32(NORMALIZATION),
  LRN: fp32(NORMALIZATION),
  ArgMax: fp32(SELECTS),
  ArgMin: fp32(SELECTS),
  TopK: fp32(`${SELECTS} (detections: the kept set and its order change)`),
  GridSample: fp32('GridSample: sampling coordinates in [-1, 1] need more than float16\'s 11 bits (a step of 1/2048 of the map at 1.0 is 0.3 px on a 640-px map, and bilinear weights are differences of such coordinates); kept in FP32'),
  RoiAlign: fp32('RoiAlign: box coordinates in pixels (float16 steps are 0.5 px above 512); kept in FP32'),
  NonMaxSuppression: fp32('NonMaxSuppression takes float32 boxes and scores only (ONNX type constraint); kept in FP32'),
  Range: fp32('Range: onnxruntime has no float16 kernel (float, double, int16, int32, int64), and positions past 2048 are not exact in float16; kept in FP32'),
  OneHot: fp32('OneHot: kept in FP32 (its values input has its own type)'),
  LSTM: fp32('recurrent state accumulates over the sequence; kept in FP32'),
  GRU: fp32('recurrent state accumulates over the sequence; kept in FP32'),
  RNN: fp32('recurrent state accumulates over the sequence; kept in FP32'),
};

/** Reasons of the graph-level rules (fp16.ts), as data beside the op table. */
export const FP16_REASONS = {
  noRule: (op: string) => `no float16 rule for op '${op}' (not checked in float16): kept in FP32`,
  customDomain: (domain: string) => `op of domain '${domain}': its float16 kernels are unknown; kept in FP32`,
  subgraph: 'has a subgraph (If/Loop/Scan): its body is not converted and stays FP32, with every tensor it reads from the outer graph',
  keptByName: 'kept in FP32 by name',
  keptByOp: (op: string) => `op type '${op}' kept in FP32`,
  integerCast: "casts integers to float: float16 holds integers exactly only up to 2048 (positions, sizes); kept in FP32",
  doubleInput: 'reads float64 tensors; kept as it is',
  unknownType: (tensor: string) => `the type of input '${tensor}' could not be inferred; kept in FP32`,
  constantBeyondRange: (tensor: string, value: number) => `constant '${tensor}' holds ${value.toPrecision(4)}, beyond float16's largest value ${FP16_MAX}; kept in FP32 with it`,
  constantUnderflow: (tensor: string, value: number, rounded: number) =>
    `constant '${tensor}' = ${value.toPrecision(4)} becomes ${rounded.toPrecision(4)} in float16 (below its smallest normal 6.1e-5: an epsilon or a scale); kept in FP32 with it`,
  largeReduction: (count: number, limit: number) => `averages ${count.toLocaleString('en-US')} values per output, more than ${limit.toLocaleString('en-US')}: ${ACCUMULATES}`,
  unknownReduction: 'averages over a size not known before run time: it may be large; kept in FP32',
  firstLayer: (range: { min: number; max: number } | null, bound: number) =>
    range
      ? `first layer on an input of range [${range.min}, ${range.max}] (pixels not normalized): its products sum to ${bound.toPrecision(3)} before the bias, where a float16 step is ${(2 ** Math.floor(Math.log2(Math.max(bound, 1))) / 1024).toPrecision(2)}; kept in FP32 (one layer, cheap)`
      : 'first layer on the image input, whose range was not given (raw 0..255 pixels would sum past float16\'s precision): kept in FP32 (one layer, cheap); give the preprocessing to convert it',
  attentionLogits: (softmax: string) => `computes the logits of Softmax '${softmax}' (Softmax inputs stay FP32: Q·Kᵀ sums over the head dimension and can pass float16's range)`,
  noFloat: 'reads and writes no float tensor (shape arithmetic)',
  anyType: 'reads any type and writes no float tensor',
  follows: 'follows its FP32 input (moves or selects values: exact in either type)',
  island: 'every float input comes from FP32 ops and every consumer is FP32: converting it alone would only add two Casts and round its output; kept in FP32',
} as const;

/** Limits the graph-level rules use. */
export const FP16_LIMITS = {
  /** float16's largest finite value. */
  max: FP16_MAX,
  /** float16's smallest positive normal value. */
  minNormal: 2 ** -14,
  /** A small constant (up to this many values) whose float16 value is off by more than `constantTolerance` keeps its consumer FP32. */
  smallConstant: 16,
  constantTolerance: 1e-3,
  /** A first layer whose input reaches beyond ±this is on unnormalized pixels. */
  normalizedInput: 16,
} as const;
