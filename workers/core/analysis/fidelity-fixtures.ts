/** Built models for the fidelity gate's tests (engine and CLI): a detector output [boxes | scores]. */
import type { CalibrationSource } from '../calibration/calibrate';
import { intAttr, intsAttr } from '../onnx/attributes';
import { buildModel, floatTensor, node, seededRandom, valueInfo } from '../onnx/build';
import type { Model } from '../onnx/types';

const ROWS = 100;

/**
 * x [1, 100, 4] in 0..1 -> out [1, 100, 6]: columns 0..3 are x * 640 (boxes), 4..5 sigmoid(x W) * k
 * (scores; k = 0 zeroes them, as a bad output quantization does). `transposed` gives [1, 6, 100].
 */
export function detector(options: { scoreGain: number; transposed?: boolean; tiny?: readonly number[] }): Model {
  const rand = seededRandom(3);
  const out = options.transposed ? [1, 6, ROWS] : [1, ROWS, 6];
  return buildModel({
    opset: 13,
    inputs: [valueInfo('x', [1, ROWS, 4])],
    outputs: [valueInfo('out', out)],
    initializers: [
      floatTensor('px', [], [640]),
      floatTensor('w', [4, 2], () => rand() * 4 - 2),
      floatTensor('gain', [], [options.scoreGain]),
      // A column of values so small it is negligible: it must never fail the gate.
      floatTensor('tiny', [1, 1, 2], options.tiny ?? [1, 1]),
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

