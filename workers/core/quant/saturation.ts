/**
 * Saturation-aware activation ranges (a plan rule, data only). A tensor whose every consumer is a
 * function that is flat outside some interval needs no quantization grid outside it: values past the
 * interval give (within far less than one output step) the same result at its edge. The range used
 * for the tensor's parameters is the calibrated range intersected with the union of its consumers'
 * intervals:
 *
 *   Sigmoid            [-8, 8]        1 - sigmoid(8) = 3.4e-4, below a u8 step on [0, 1] (3.9e-3)
 *   Tanh               [-4.5, 4.5]    1 - tanh(4.5) = 2.5e-4, below a u8 step on [-1, 1]
 *   HardSigmoid(a, b)  [-b/a, (1-b)/a] exact (flat outside)
 *   HardSwish          [-3, +inf)     exact (0 below -3)
 *   Relu               [0, +inf)      exact
 *   Clip(lo, hi)       [lo, hi]       exact, constant bounds only
 *   x * Sigmoid(x)     [-8, +inf)     SiLU: |silu(x)| < 2.7e-3 for x < -8
 *   x * HardSigmoid(x) [-b/a, +inf)   exact
 *
 * Why: YOLOX/YOLOv5-style SiLU convolutions calibrate to ranges like [-171, 33] whose negative side
 * SiLU maps to 0; a u8 grid over the whole range spends 84% of its codes there (a step of 0.8
 * where the useful side needed 0.13). A graph output, or any other consumer, keeps the full range.
 */
import type { GraphIndex } from '../graph/graph';
import { attrFloat } from '../onnx/attributes';
import type { Node, TensorProto } from '../onnx/types';
import { tensorToFloat32 } from '../onnx/tensor';

export interface SaturationBound {
  readonly lo: number;
  readonly hi: number;
  readonly why: string;
}

export const SIGMOID_SATURATION = 8;
export const TANH_SATURATION = 4.5;

function constScalar(index: GraphIndex, name: string | undefined): number | undefined {
  if (!name) return undefined;
  const t: TensorProto | undefined = index.initializers.get(name) ?? index.constants.get(name);
  if (!t) return undefined;
  const v = tensorToFloat32(t);
  return v.length === 1 ? v[0] : undefined;
}

function hardSigmoidBounds(node: Node): { lo: number; hi: number } {
  const a = attrFloat(node, 'alpha', 0.2);
  const b = attrFloat(node, 'beta', 0.5);
  return a > 0 ? { lo: -b / a, hi: (1 - b) / a } : { lo: -Infinity, hi: Infinity };
}

/**
 * The interval outside which `consumer` (reading the tensor at input `inputIndex`) is flat, or
 * undefined when it is not a saturating consumer. `sameValue(a, b)` says whether two tensor names hold
 * the same values (the tensor itself or a pass-through copy sharing its parameters).
 */
export function saturationOf(index: GraphIndex, consumer: Node, inputIndex: number, sameValue: (a: string, b: string) => boolean): SaturationBound | undefined {
  const op = consumer.opType ?? '';
  if ((consumer.domain ?? '') !== '' && consumer.domain !== 'ai.onnx') return undefined;
  if (inputIndex !== 0 && op !== 'Mul') return undefined;
  switch (op) {
    case 'Sigmoid':
      return { lo: -SIGMOID_SATURATION, hi: SIGMOID_SATURATION, why: 'Sigmoid' };
    case 'Tanh':
      return { lo: -TANH_SATURATION, hi: TANH_SATURATION, why: 'Tanh' };
    case 'HardSigmoid':
      return { ...hardSigmoidBounds(consumer), why: 'HardSigmoid' };
    case 'HardSwish':
      return { lo: -3, hi: Infinity, why: 'HardSwish' };
    case 'Relu':
      return { lo: 0, hi: Infinity, why: 'Relu' };
    case 'Clip': {
      const lo = consumer.input[1] ? constScalar(index, consumer.input[1]) : attrFloat(consumer, 'min', -Infinity);
      const hi = consumer.input[2] ? constScalar(index, consumer.input[2]) : attrFloat(consumer, 'max', Infinity);
      if (lo === undefined || hi === undefined) return undefined;
      return { lo, hi, why: 'Clip' };
    }
    case 'Mul': {
      // x * g(x) with g a Sigmoid/HardSigmoid of the same x: the self-gated activations (SiLU, hard swish).
      const me = consumer.input[inputIndex];
      const other = consumer.input[1 - inputIndex];
      if (!other || consumer.input.length !== 2) return undefined;
      const gate = index.producer.get(other)?.node;
      if (!gate || !gate.input[0] || !sameValue(gate.input[0], me)) return undefined;
      if (gate.opType === 'Sigmoid') return { lo: -SIGMOID_SATURATION, hi: Infinity, why: 'x * Sigmoid(x) (SiLU)' };
      if (gate.opType === 'HardSigmoid') return { lo: hardSigmoidBounds(gate).lo, hi: Infinity, why: 'x * HardSigmoid(x)' };
      return undefined;
    }
    default:
      return undefined;
  }
}
