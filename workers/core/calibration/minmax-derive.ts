/**
 * Derived MinMax readings (issue 11 item 4): a tensor y = f(x), f elementwise and monotone in its one
 * non-constant input x, whose x is read too, needs no reduction of its own. Its batch extremes are
 * f(min x) and f(max x) (in some order), and onnxruntime computes them with a copy of the node applied
 * to the vector of reduced values that holds x's (minmax-graph.ts draws it):
 *
 *   V0 = [.., x's min, x's max, ..] --> f' --> V1 = [.., f(x's min), f(x's max), ..]
 *                                              V1 --> g' --> V2                       (a chain: z = g(f(x)))
 *
 * f' is the same op with the same attributes and constant inputs, so its values are those of the
 * node's kernel (bit-identical for ops whose kernel is monotone over floats; see KERNEL_JITTER). The
 * host takes min and max of the two. Leaving y without a reduction keeps it with its one consumer, so
 * onnxruntime fuses what the plain model fuses (Sigmoid + Mul into QuickGelu, say).
 *
 * A source whose min is implied (never negative: only its max is reduced) derives only through an
 * increasing f with f(0) >= 0: y is then never negative too, its min is implied and only f(max) is
 * read.
 */
import { attrFloat } from '../onnx/attributes';
import type { Scope } from '../onnx/opset/infer';
import { DataType, type Node } from '../onnx/types';
import type { MinMaxReading } from './minmax-graph';

/** How y = f(x) depends on x, when f is elementwise and monotone in it. */
export interface Monotone {
  /** Which input of the node is x (the others are one-element constants). */
  readonly input: number;
  /** f never decreases (else it never increases). */
  readonly increasing: boolean;
  /** f(0) >= 0, so an increasing f maps never-negative tensors to never-negative ones. */
  readonly keepsNonNegative: boolean;
}

/**
 * Ops whose onnxruntime kernel is monotone in exact arithmetic but jitters by a few ulps over floats
 * (MLAS's Sigmoid and Tanh approximations, on onnxruntime-node and -web alike: measured over
 * [-20, 20], f(hi) falls short of the largest f(x <= hi) by at most 2.4e-7 for Sigmoid and 4.2e-7 for
 * Tanh). Their derived extremes may differ from the reduced ones by that much (f at the source's
 * true extreme, where the reduction finds the kernel's largest wobble); deriving them is what lets
 * onnxruntime fuse x * Sigmoid(x) again, so they are kept, and calibrate.test allows that.
 */
export const KERNEL_JITTER: ReadonlySet<string> = new Set(['Sigmoid', 'Tanh']);

/** Readings whose values may differ from the reduced ones by KERNEL_JITTER's few ulps: derived through such an op, or from such a reading. */
export function jitteredReadings(readings: readonly MinMaxReading[]): Set<string> {
  const out = new Set<string>();
  for (const r of readings) {
    if (r.kind === 'derived' && (r.ops.some((op) => KERNEL_JITTER.has(op)) || out.has(r.source))) out.add(r.tensor);
    if (r.kind === 'concat' && r.parts.some((p) => out.has(p))) out.add(r.tensor);
  }
  return out;
}

/**
 * Unary ops monotone in x whose kernel gives a value the same bits wherever it sits in a tensor
 * (minmax-derive.test checks it on onnxruntime-node; onnxruntime-web's WASM kernels were checked the
 * same way by hand). Softplus and Elu do not on onnxruntime-node (their vector and scalar paths
 * differ), so they are left out.
 */
const UNARY: Readonly<Record<string, (n: Node) => Omit<Monotone, 'input'> | undefined>> = {
  Relu: () => ({ increasing: true, keepsNonNegative: true }),
  LeakyRelu: (n) => (attrFloat(n, 'alpha', 0.01) >= 0 ? { increasing: true, keepsNonNegative: true } : undefined),
  Sigmoid: () => ({ increasing: true, keepsNonNegative: true }),
  HardSigmoid: (n) => (attrFloat(n, 'alpha', 0.2) > 0 ? { increasing: true, keepsNonNegative: true } : undefined),
  Tanh: () => ({ increasing: true, keepsNonNegative: true }),
  Exp: () => ({ increasing: true, keepsNonNegative: true }),
  Erf: () => ({ increasing: true, keepsNonNegative: true }),
};

/** The one value of a one-element float constant that broadcasting cannot widen past `rank` dims. */
function scalarConst(scope: Scope, name: string | undefined, rank: number): number | undefined {
  if (!name || scope.graphInputs.has(name)) return undefined;
  const c = scope.const(name);
  if (!c || c.dataType !== DataType.FLOAT || c.values.length !== 1 || c.dims.length > rank) return undefined;
  return Number.isNaN(c.values[0]) ? undefined : c.values[0];
}

/** How y = n(x) depends on its one non-constant input, when the node is elementwise and monotone in it (x of rank `rank`). */
export function monotoneIn(n: Node, scope: Scope, rank: number): Monotone | undefined {
  if ((n.domain ?? '') !== '' && n.domain !== 'ai.onnx') return undefined;
  if (n.output.filter(Boolean).length !== 1) return undefined;
  const op = n.opType ?? '';
  const unary = UNARY[op];
  if (unary) {
    const m = n.input.length === 1 ? unary(n) : undefined;
    return m && { input: 0, ...m };
  }
  if (op === 'Clip') {
    // Opset 11+: optional constant inputs; before: attributes.
    const bound = (i: number, attr: string, fallback: number): number | undefined => {
      if (n.input.length > i && n.input[i]) return scalarConst(scope, n.input[i], rank);
      return attrFloat(n, attr, fallback);
    };
    if (n.input.length > 3) return undefined;
    const lo = bound(1, 'min', -Infinity);
    const hi = bound(2, 'max', Infinity);
    if (lo === undefined || hi === undefined) return undefined;
    return { input: 0, increasing: true, keepsNonNegative: Math.min(Math.max(0, lo), hi) >= 0 };
  }
  if (n.input.length !== 2 || !['Add', 'Sub', 'Mul', 'Div'].includes(op)) return undefined;
  // x first; Add and Mul commute.
  for (const input of op === 'Add' || op === 'Mul' ? [0, 1] : [0]) {
    const c = scalarConst(scope, n.input[1 - input], rank);
    if (c === undefined || scalarConst(scope, n.input[input], rank) !== undefined) continue;
    if (!Number.isFinite(c)) return undefined;
    switch (op) {
      case 'Add':
        return { input, increasing: true, keepsNonNegative: c >= 0 };
      case 'Sub':
        return { input, increasing: true, keepsNonNegative: c <= 0 };
      case 'Mul':
        return { input, increasing: c >= 0, keepsNonNegative: true };
      default:
        return c === 0 ? undefined : { input, increasing: c > 0, keepsNonNegative: true };
    }
  }
  return undefined;
}

/** A derived tensor: y = node(x), computed on x's extremes. */
export interface Derivation {
  readonly tensor: string;
  readonly source: string;
  readonly node: Node;
  readonly monotone: Monotone;
  /** Only f(max) is computed: the source's min is implied, and so is y's. */
  readonly maxOnly: boolean;
  /**
   * The tensor is observed (a reading); else it is a link of a chain to one that is: x + 3 in
   * Clip(x + 3, 0, 6) when only x and the Clip are observed.
   */
  readonly observed: boolean;
}

/**
 * Which observed tensors derive from another read tensor, and the unobserved links of such chains,
 * in graph order (a chain's links come in order). `reads(t)` says how tensor t is read when it is not
 * derived: 'both' (min and max reduced), 'max' (min implied) or undefined (not read, or not in the
 * packed form).
 */
export function derivations(nodes: readonly Node[], scope: Scope, observed: ReadonlySet<string>, reads: (t: string) => 'both' | 'max' | undefined): Derivation[] {
  const state = new Map<string, 'both' | 'max'>();
  const read = (t: string) => state.get(t) ?? reads(t);
  const all: Derivation[] = [];
  for (const n of nodes) {
    const tensor = n.output[0];
    if (!tensor) continue;
    const isObserved = observed.has(tensor);
    if (isObserved ? reads(tensor) === undefined : scope.elemType(tensor) !== DataType.FLOAT) continue;
    const rank = scope.rank(tensor);
    if (rank === undefined) continue;
    const monotone = monotoneIn(n, scope, rank);
    if (!monotone) continue;
    const source = n.input[monotone.input];
    const how = read(source);
    if (!how || scope.rank(source) !== rank || scope.elemType(source) !== DataType.FLOAT) continue;
    const maxOnly = how === 'max';
    if (maxOnly && !(monotone.increasing && monotone.keepsNonNegative)) continue;
    state.set(tensor, how);
    all.push({ tensor, source, node: n, monotone, maxOnly, observed: isObserved });
  }
  // Only the links that lead to an observed tensor.
  const needed = new Set<string>();
  const kept: Derivation[] = [];
  for (let i = all.length - 1; i >= 0; i--) {
    const d = all[i];
    if (!d.observed && !needed.has(d.tensor)) continue;
    needed.add(d.source);
    kept.push(d);
  }
  return kept.reverse();
}
