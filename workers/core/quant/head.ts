/**
 * The output head: the nodes after a model's last learned layers that only move, select, squash or
 * decode values on their way to the graph outputs. They stay in FP32 (the outputs keep float values):
 *
 *   learned conv ──> Reshape/Concat ──┬─> Sigmoid ─────────────────────────────┐
 *   (INT8, its output                 └─> Softmax over bins ─> Conv 1x1 (0..15)  ├─> Concat ─> output
 *    read as float)                       (DFL/GFL: the expected distance)      │
 *                                          ─> Sub/Add grid ─> Mul stride ───────┘
 *
 * - Data movement (Reshape, Transpose, Concat, Slice, ...): an INT8 grid there only rounds the result,
 *   and a Concat of boxes (pixels) and scores (0..1) would put both on one scale.
 * - A final Sigmoid/Softmax: an 8-bit step in logit space is coarse (0.06 on [-8, 8]) where the
 *   probabilities near 0 and 1 are what decoding reads.
 * - Decode arithmetic (Add, Sub, Mul, Div, Exp, Pow, Sqrt on the way to an output: anchors and grid
 *   offsets, strides, exp of box sizes): boxes in input pixels on one u8 scale have a step of ~2.5 px at
 *   640, which costs little AP50 and much AP50-95 (YOLOv8n: 0.463 -> 0.403).
 * - The expectation over a Softmax's bins (DFL in YOLOv8/11, GFL in NanoDet): a Conv, MatMul or Gemm
 *   with one constant output channel reading a Softmax: its 1/255 input step moves every box edge.
 * A node belongs to the head only when every consumer of every output is in the head or is a graph
 * output, so a residual stream or an attention Softmax inside the network never does.
 */
import { nodeLabel, type GraphIndex } from '../graph/graph';
import type { Node } from '../onnx/types';

/** Ops that only move or select values (their output holds input values). */
const DATA_MOVEMENT_OPS = new Set(['Reshape', 'Transpose', 'Flatten', 'Squeeze', 'Unsqueeze', 'Split', 'Slice', 'Gather', 'Concat', 'Identity']);
const FINAL_ACTIVATIONS = new Set(['Sigmoid', 'Softmax', 'LogSoftmax']);
const DECODE_ARITHMETIC = new Set(['Add', 'Sub', 'Mul', 'Div', 'Exp', 'Pow', 'Sqrt']);
const PROJECTIONS = new Set(['Conv', 'MatMul', 'Gemm']);
const LAYERS = new Set(['Conv', 'ConvTranspose', 'MatMul', 'Gemm']);

type HeadRole = 'data' | 'final' | 'decode' | 'expectation';

/** Whether `node` computes the expectation over a Softmax's bins: one constant output channel, its data from a Softmax (through data movement). */
function isExpectation(index: GraphIndex, node: Node): boolean {
  const weight = index.initializers.get(node.input[1] ?? '') ?? index.constants.get(node.input[1] ?? '');
  if (!weight) return false;
  const dims = (weight.dims ?? []).map(Number);
  const op = node.opType ?? '';
  const outChannels = op === 'Conv' ? dims[0] : op === 'MatMul' ? dims[dims.length - 1] : dims.length === 2 ? dims[transB(node) ? 0 : 1] : NaN;
  if (outChannels !== 1) return false;
  let tensor = node.input[0];
  for (let hops = 0; hops < 8; hops++) {
    const p = index.producer.get(tensor);
    if (!p) return false;
    if (p.node.opType === 'Softmax') return true;
    if (!DATA_MOVEMENT_OPS.has(p.node.opType ?? '') || p.node.opType === 'Concat') return false;
    tensor = p.node.input[0];
  }
  return false;
}

function transB(node: Node): boolean {
  const a = node.attribute.find((x) => x.name === 'transB');
  return Number(a?.i ?? 0) === 1;
}

function roleOf(index: GraphIndex, node: Node): HeadRole | null {
  const op = node.opType ?? '';
  if ((node.domain ?? '') !== '' && node.domain !== 'ai.onnx') return null;
  if (DATA_MOVEMENT_OPS.has(op)) return 'data';
  if (FINAL_ACTIVATIONS.has(op)) return 'final';
  // A per-channel Add/Mul right after a layer is that layer's bias or scale (folded into it), not decoding.
  if (DECODE_ARITHMETIC.has(op)) return node.input.some((t) => LAYERS.has(index.producer.get(t)?.node.opType ?? '')) ? null : 'decode';
  if (PROJECTIONS.has(op) && isExpectation(index, node)) return 'expectation';
  return null;
}

/** The output head's nodes (by index) with the reason each stays in FP32. `order` is a topological order. */
export function outputHead(index: GraphIndex, order: readonly number[]): Map<number, string> {
  const nodes = index.graph.node;
  const head = new Map<number, string>();
  const inHead = new Set<number>();
  for (let k = order.length - 1; k >= 0; k--) {
    const i = order[k];
    const n = nodes[i];
    const role = roleOf(index, n);
    if (!role) continue;
    const outs = n.output.filter((o) => o.length > 0);
    if (outs.length === 0) continue;
    let reaches = false;
    const ok = outs.every((o) => {
      if (index.graphOutputs.has(o)) reaches = true;
      return (index.consumers.get(o) ?? []).every((c) => {
        if (!inHead.has(c.index)) return false;
        reaches = true;
        return true;
      });
    });
    if (!ok || !reaches) continue;
    inHead.add(i);
    const target = [...index.graphOutputs].find((g) => outs.includes(g));
    head.set(i, reasonOf(role, n, i, target, overBins(index, outs, nodes, head)));
  }
  return head;
}

/** Whether a node's outputs feed an expectation over bins already in the head (its Softmax then spreads over bins). */
function overBins(index: GraphIndex, outs: readonly string[], nodes: readonly Node[], head: ReadonlyMap<number, string>): boolean {
  return outs.some((o) => (index.consumers.get(o) ?? []).some((c) => nodes[c.index].opType !== 'Softmax' && (head.get(c.index) ?? '').startsWith('expectation')));
}

function reasonOf(role: HeadRole, n: Node, i: number, target: string | undefined, bins: boolean): string {
  const op = n.opType ?? '';
  const to = target ? ` '${target}'` : 's';
  if (role === 'final' && bins) return `${op} over bins in the output head (DFL/GFL box decoding): kept in FP32, a 1/255 step on the bin probabilities moves every box edge`;
  if (role === 'final') return `final ${op} of the output${target ? ` '${target}'` : ''} (scores / probabilities): kept in FP32 with its input, an 8-bit step in logit space is coarse`;
  if (role === 'expectation') return `expectation over a Softmax's bins (${nodeLabel(n, i)}) in the output head (DFL/GFL box decoding): kept in FP32, its input's 1/255 step moves every box edge`;
  if (role === 'decode') return `box/score decoding in the output head (${op} on the way to the output${to}): kept in FP32, one 8-bit scale over pixel coordinates is a step of pixels`;
  return `output head (its values reach the graph output${to} through data movement only): kept in FP32, so one INT8 scale never covers boxes and scores together`;
}
