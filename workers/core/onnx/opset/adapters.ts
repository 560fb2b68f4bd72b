/**
 * The adapter registry: which adapter runs for which op when an upgrade crosses which version. The
 * driver (../opset.ts) walks `ADAPTERS` and `opsetChangePoints()` reports it. The registrations run
 * once, when this module is first imported, in the order below; keep that order: it is the key order
 * `opsetChangePoints()` returns, and a later registration for the same op and version replaces an
 * earlier one. The adapters themselves live in one file per op family.
 */
import { clip11, prelu7, softmax13 } from './activation';
import { axesToInput, removeConsumedInputs, type Adapter } from './common';
import { affine10, crop10, imageScaler10, parametricSoftplus10, removedExperimental, scaledTanh10 } from './experimental';
import { broadcast7, dft20, gemm7, topk10 } from './math';
import { lpPool2, rnn7, scan9 } from './nn';
import { bn14, bn7, bn9, dropout, groupNorm21 } from './normalization';
import { gridSample20, resize11, resize13, roiAlign16, upsample10, upsample7, upsample9 } from './resize';
import { cast6, concat4, pad11, pad2, reshape5, scatter11, slice10, split13, split18, split2, tile6 } from './shape';

/** Adapters by op and by the version whose change they cross (applied when from < v <= target). */
export const ADAPTERS: Record<string, Record<number, Adapter>> = {};
function register(ops: string[], v: number, a: Adapter): void {
  for (const op of ops) (ADAPTERS[op] ??= {})[v] = a;
}

register(
  ['Abs', 'Ceil', 'Elu', 'Exp', 'Floor', 'HardSigmoid', 'InstanceNormalization', 'LeakyRelu', 'Log', 'Neg', 'Reciprocal', 'Relu', 'Selu', 'Sigmoid', 'Sqrt', 'Tanh', 'Max', 'Min', 'Mean', 'Sum', 'BatchNormalization'],
  6,
  removeConsumedInputs,
);
register(['Clip'], 6, removeConsumedInputs);
register(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'And', 'Or', 'Xor', 'Equal', 'Greater', 'Less'], 7, broadcast7);
register(['Add', 'Sub', 'Mul', 'Div'], 6, removeConsumedInputs);
register(['Gemm'], 7, gemm7);
register(['PRelu'], 7, prelu7);
register(['BatchNormalization'], 7, bn7);
register(['BatchNormalization'], 9, bn9);
register(['BatchNormalization'], 14, bn14);
for (const v of [6, 7, 10, 12]) register(['Dropout'], v, dropout);
register(['Clip'], 11, clip11);
register(['Pad'], 2, pad2);
register(['Pad'], 11, pad11);
register(['Slice'], 10, slice10);
register(['TopK'], 10, topk10);
register(['Reshape'], 5, reshape5);
register(['Concat'], 4, concat4);
register(['Split'], 2, split2);
register(['Split'], 13, split13);
register(['Split'], 18, split18);
register(['Squeeze'], 13, axesToInput(false));
register(['Unsqueeze'], 13, axesToInput(true));
register(['ReduceSum'], 13, axesToInput(false));
register(['ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceSumSquare'], 18, axesToInput(false));
register(['Softmax', 'LogSoftmax', 'Hardmax'], 13, softmax13);
register(['Upsample'], 7, upsample7);
register(['Upsample'], 9, upsample9);
register(['Upsample'], 10, upsample10);
register(['Resize'], 11, resize11);
register(['Resize'], 13, resize13);
register(['Cast'], 6, cast6);
register(['Scatter'], 11, scatter11);
register(['Tile'], 6, tile6);
register(['LpPool', 'GlobalLpPool'], 2, lpPool2);
register(['ImageScaler'], 10, imageScaler10);
register(['Affine'], 10, affine10);
register(['Crop'], 10, crop10);
register(['ScaledTanh'], 10, scaledTanh10);
register(['ParametricSoftplus'], 10, parametricSoftplus10);
register(['GivenTensorFill', 'ConstantFill'], 10, removedExperimental);
register(['GRU', 'LSTM', 'RNN'], 7, rnn7);
register(['Scan'], 9, scan9);
register(['RoiAlign'], 16, roiAlign16);
register(['GridSample'], 20, gridSample20);
register(['GroupNormalization'], 21, groupNorm21);
register(['DFT'], 20, dft20);
