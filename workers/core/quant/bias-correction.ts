/**
 * Bias correction (Nagel et al., "Data-Free Quantization Through Weight Equalization and Bias
 * Correction", 2019, section 4.2; AIMET's bias correction): rounding the weights biases a layer's
 * output. With ε = W_q − W (the dequantized int8 weight minus the FP32 one),
 *
 *   E[y_q] − E[y] = E[ε x] = ε E[x]          (per output channel, summed over inputs and taps)
 *
 * so subtracting ε E[x] from the bias makes each output channel's mean equal to the FP32 one again.
 * E[x] per input channel comes from calibration (ReduceMean in the augmented graph), which is the
 * empirical form of the correction; the data-free form reads it from BatchNorm statistics instead.
 *
 * What it does not correct: the error of quantizing the input activation itself (zero-mean rounding
 * noise, plus a shift where the clip range cuts the distribution), and the border pixels that read
 * padding zeros instead of E[x] (a small error for layers larger than the kernel).
 */
import { ZeropointError } from '../errors';

export type CorrectionLayout =
  /** Conv weight [M, C/group, k...]; output channel m reads input channels of its group. */
  | { readonly kind: 'conv'; readonly group: number }
  /** ConvTranspose weight [C, M/group, k...]; each output pixel gets about 1/prod(strides) of the taps. */
  | { readonly kind: 'conv-transpose'; readonly group: number; readonly strides: readonly number[] }
  /** Gemm B: [K, N] (transB 0) or [N, K] (transB 1). */
  | { readonly kind: 'gemm'; readonly transB: boolean };

export interface BiasShiftInputs {
  readonly weight: Float32Array;
  /** The weight as the INT8 model sees it: DequantizeLinear of its int8 values. */
  readonly dequantized: Float32Array;
  readonly dims: readonly number[];
  readonly layout: CorrectionLayout;
  /** E[x] per input channel. */
  readonly inputMean: ArrayLike<number>;
}

/** Output channels of a layer with this weight. */
export function outputChannels(dims: readonly number[], layout: CorrectionLayout): number {
  switch (layout.kind) {
    case 'conv':
      return dims[0];
    case 'conv-transpose':
      return dims[1] * layout.group;
    case 'gemm':
      return layout.transB ? dims[0] : dims[1];
  }
}

/** Input channels the layer reads (the length E[x] must have). */
export function inputChannels(dims: readonly number[], layout: CorrectionLayout): number {
  switch (layout.kind) {
    case 'conv':
      return dims[1] * layout.group;
    case 'conv-transpose':
      return dims[0];
    case 'gemm':
      return layout.transB ? dims[1] : dims[0];
  }
}

/**
 * ε E[x] per output channel: how much the INT8 layer's output mean moves away from the FP32 one
 * because of weight rounding. The corrected bias is bias − shift. Sums are float64.
 */
export function weightErrorShift(inputs: BiasShiftInputs): Float64Array {
  const { weight, dequantized, dims, layout, inputMean } = inputs;
  const inC = inputChannels(dims, layout);
  if (inputMean.length !== inC) {
    throw new ZeropointError('bad-option', `The input mean has ${inputMean.length} channels but a weight of shape [${dims.join(', ')}] reads ${inC}.`);
  }
  if (weight.length !== dequantized.length) throw new ZeropointError('bad-option', `The weight has ${weight.length} values but its dequantized copy has ${dequantized.length}.`);
  const shift = new Float64Array(outputChannels(dims, layout));
  const taps = dims.slice(2).reduce((a, b) => a * b, 1);
  switch (layout.kind) {
    case 'conv': {
      const [m, cPerGroup] = dims;
      const mPerGroup = m / layout.group;
      for (let o = 0; o < m; o++) {
        const firstInput = Math.floor(o / mPerGroup) * cPerGroup;
        let sum = 0;
        for (let ci = 0; ci < cPerGroup; ci++) {
          const mean = inputMean[firstInput + ci];
          const base = (o * cPerGroup + ci) * taps;
          let e = 0;
          for (let k = base; k < base + taps; k++) e += dequantized[k] - weight[k];
          sum += e * mean;
        }
        shift[o] = sum;
      }
      return shift;
    }
    case 'conv-transpose': {
      const [c, mPerGroup] = dims;
      const cPerGroup = c / layout.group;
      // An input pixel spreads its taps over prod(strides) output pixels on average.
      const spread = layout.strides.reduce((a, b) => a * b, 1);
      for (let i = 0; i < c; i++) {
        const firstOutput = Math.floor(i / cPerGroup) * mPerGroup;
        const mean = inputMean[i] / spread;
        for (let mo = 0; mo < mPerGroup; mo++) {
          const base = (i * mPerGroup + mo) * taps;
          let e = 0;
          for (let k = base; k < base + taps; k++) e += dequantized[k] - weight[k];
          shift[firstOutput + mo] += e * mean;
        }
      }
      return shift;
    }
    case 'gemm': {
      const [rows, cols] = dims;
      for (let r = 0; r < rows; r++)
        for (let col = 0; col < cols; col++) {
          const k = r * cols + col;
          const e = dequantized[k] - weight[k];
          // transB: row = output n, col = input k; otherwise row = input k, col = output n.
          if (layout.transB) shift[r] += e * inputMean[col];
          else shift[col] += e * inputMean[r];
        }
      return shift;
    }
  }
}
