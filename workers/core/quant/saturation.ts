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
 *   x + c -> Clip(lo, hi) [lo - c, hi - c] exact, constant c and bounds (the Clip reads only the Add)
 *   x * Clip(x + c, 0, M) [-c, +inf)   exact: hard swish as PaddlePaddle (opset < 14) and some
 *                                      PyTorch exports write it (x * relu6(x + 3) / 6)
 *
 * Why: YOLOX/YOLOv5-style SiLU convolutions calibrate to ranges like [-171, 33] whose negative side
 * SiLU maps to 0; a u8 grid over the whole range spends 84% of its codes there (a step of 0.8
 * where the useful side needed 0.13). A graph output, or any other consumer, keeps the full range.
PP-OCRv3's detector writes its 20 hard swishes as x * Clip(x + 3, 0, 6) / 6: their inputs calibrate
to ranges like [-7.7, 3.5] of which everything below -3 gives 0, and the detector's output (a text
probability map) is sensitive to the resolution of its first layers.
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

/** A Clip's constant bounds (inputs at opset 11+, attributes before), or undefined when computed. */
function clipBounds(index: GraphIndex, clip: Node): { lo: number; hi: number } | undefined {
  const lo = clip.input[1] ? constScalar(index, clip.input[1]) : attrFloat(clip, 'min', -Infinity);
  const hi = clip.input[2] ? constScalar(index, clip.input[2]) : attrFloat(clip, 'max', Infinity);
  return lo === undefined || hi === undefined ? undefined : { lo, hi };
}

/** `clip` = Clip(x + c, lo, hi) with `x` holding the same values as `me` and c a constant scalar. */
function shiftedClip(index: GraphIndex, clip: Node, me: string, sameValue: (a: string, b: string) => boolean): { c: number; clipLo: number } | undefined {
  const add = clip.input[0] ? index.producer.get(clip.input[0])?.node : undefined;
  if (!add || add.opType !== 'Add' || add.input.length !== 2) return undefined;
  const k = add.input.findIndex((s) => s && sameValue(s, me));
  if (k < 0) return undefined;
  const c = constScalar(index, add.input[1 - k]);
  const b = clipBounds(index, clip);
  return c === undefined || !b ? undefined : { c, clipLo: b.lo };
}

/**
 * The interval outside which `consumer` (reading the tensor at input `inputIndex`) is flat, or
 * undefined when it is not a saturating consumer. `sameValue(a, b)` says whether two tensor names hold
 * the same values (the tensor itself or a pass-through copy sharing its parameters).
 */
export function saturationOf(index: GraphIndex, consumer: Node, inputIndex: number, sameValue: (a: string, b: string) => boolean): SaturationBound | undefined {
  const op = consumer.opType ?? '';
  if ((consumer.domain ?? '') !== '' && consumer.domain !== 'ai.onnx') return undefined;
  if (inputIndex !== 0 && op !== 'Mul' && op !== 'Add') return undefined;
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
      const b = clipBounds(index, consumer);
      return b ? { ...b, why: 'Clip' } : undefined;
    }
    case 'Mul': {
      // x * g(x) with g a Sigmoid/HardSigmoid of the same x, or a Clip of x + c: the self-gated activations (SiLU, hard swish).
      const me = consumer.input[inputIndex];
      const other = consumer.input[1 - inputIndex];
      if (!other || consumer.input.length !== 2) return undefined;
      const gate = index.producer.get(other)?.node;
      if (!gate || !gate.input[0]) return undefined;
      if (gate.opType === 'Clip' && (gate.domain ?? '') === '') {
        // x * Clip(x + c, 0, M): 0 for every x below -c.
        const shifted = shiftedClip(index, gate, me, sameValue);
        return shifted && shifted.clipLo === 0 ? { lo: -shifted.c, hi: Infinity, why: 'x * Clip(x + c, 0, M) (hard swish)' } : undefined;
      }
      if (!sameValue(gate.input[0], me)) return undefined;
      if (gate.opType === 'Sigmoid') return { lo: -SIGMOID_SATURATION, hi: Infinity, why: 'x * Sigmoid(x) (SiLU)' };
      if (gate.opType === 'HardSigmoid') return { lo: hardSigmoidBounds(gate).lo, hi: Infinity, why: 'x * HardSigmoid(x)' };
      return undefined;
    }
    case 'Add': {
      // x + c read only by a Clip with constant bounds: flat where the Clip is.
      const c = constScalar(index, consumer.input[1 - inputIndex]);
      const out = consumer.output[0];
      const readers = out ? (index.consumers.get(out) ?? []) : [];
      if (c === undefined || consumer.input.length !== 2 || readers.length !== 1 || index.graphOutputs.has(out)) return undefined;
      const clip = readers[0].node;
      if (clip.opType !== 'Clip' || readers[0].inputIndex !== 0 || ((clip.domain ?? '') !== '' && clip.domain !== 'ai.onnx')) return undefined;
      const b = clipBounds(index, clip);
      return b ? { lo: b.lo - c, hi: b.hi - c, why: 'x + c -> Clip' } : undefined;
    }
    default:
      return undefined;
  }
}
