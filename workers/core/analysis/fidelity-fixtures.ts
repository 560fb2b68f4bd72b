/** Built models for the fidelity gate's tests (engine and CLI): a detector output [boxes | scores]. */
import type { CalibrationSource } from '../calibration/calibrate';
import { intAttr, intsAttr } from '../onnx/attributes';
import { buildModel, floatTensor, node, seededRandom, valueInfo } from '../onnx/build';
import type { Model } from '../onnx/types';

const ROWS = 100;

/**
 * x [1, 100, 4] in 0..1 -> out [1, 100, 7]: columns 0..3 are x * 640 (boxes), 4..6 sigmoid(x W) * tiny * k
 * (scores; k = 0 zeroes them, as a bad output quantization does). `transposed` gives [1, 7, 100].
 */
export function detector(options: { scoreGain: number; transposed?: boolean; tiny?: readonly number[] }): Model {
  const rand = seededRandom(3);
  const out = options.transposed ? [1, 7, ROWS] : [1, ROWS, 7];
  return buildModel({
    opset: 13,
    inputs: [valueInfo('x', [1, ROWS, 4])],
    outputs: [valueInfo('out', out)],
    initializers: [
      floatTensor('px', [], [640]),
      floatTensor('w', [4, 3], () => rand() * 4 - 2),
      floatTensor('gain', [], [options.scoreGain]),
      // Per score column: a small share makes a column negligible next to the others.
      floatTensor('tiny', [1, 1, 3], options.tiny ?? [1, 1, 1]),
    ],
    nodes: [
      node('Mul', ['x', 'px'], ['boxes']),
      node('MatMul', ['x', 'w'], ['logits']),
      node('Sigmoid', ['logits'], ['sig']),
      node('Mul', ['sig', 'tiny'], ['sig2']),
      node('Mul', ['sig2', 'gain'], ['scores']),
      node('Concat', ['boxes', 'scores'], [options.transposed ? 'cat' : 'out'], { attributes: [intAttr('axis', 2)] }),
      ...(options.transposed ? [node('Transpose', ['cat'], ['out'], { attributes: [intsAttr('perm', [0, 2, 1])] })] : []),
    ],
  });
}

export function randomSource(count: number): CalibrationSource {
  const rand = seededRandom(11);
  const images = Array.from({ length: count }, () => Float32Array.from({ length: ROWS * 4 }, () => rand()));
  return { count, label: (i) => `img${i}.png`, feeds: async (i) => ({ x: { type: 'float32', dims: [1, ROWS, 4], data: images[i] } }) };
}

