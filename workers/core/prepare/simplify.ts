/**
 * Graph preparation as onnxruntime's quant_pre_process and onnx-simplifier do it, after the opset
 * upgrade and before calibration. Each pass keeps the outputs (bit-identical, except BN folding,
 * which moves them by float32 rounding):
 *
 *   Constant nodes -> initializers        (./constants.ts)
 *        |
 *   constant folding                      (./fold.ts: data movement, Cast, Add/Sub/Mul/Div, Shape)
 *        |
 *   BatchNormalization -> Conv/ConvTranspose/Gemm   (./batchnorm.ts)
 *        |
 *   Resize: 0-element roi/scales -> ''    (./resize.ts, opset >= 13)
 *        |
 *   dead nodes removed                    (outputs nothing reads; all ONNX ops are side-effect free)
 *
 * `notes` says what was done, one sentence per pass that changed something.
 */
import { nodeLabel, nodeReads, topologicalOrder } from '../graph/graph';
import type { Model } from '../onnx/types';
import { foldBatchNorms, type BatchNormFoldResult } from './batchnorm';
import { constantsToInitializers } from './constants';
import { GraphEdit } from './edit';
import { foldConstants } from './fold';
import { omitEmptyResizeInputs } from './resize';

export interface SimplifyReport {
  /** Constant nodes that became initializers. */
  readonly constants: readonly string[];
  /** Nodes folded into initializers, and how many of each op. */
  readonly folded: readonly string[];
  readonly foldedByOp: Readonly<Record<string, number>>;
  readonly batchNorms: BatchNormFoldResult['folded'];
  /** Resize nodes whose empty roi/scales became ''. */
  readonly resizes: readonly string[];
  /** Nodes removed because nothing read their outputs. */
  readonly deadNodes: readonly string[];
}

export interface SimplifyResult {
  readonly model: Model;
  readonly report: SimplifyReport;
  readonly notes: readonly string[];
}

/** Removes nodes whose outputs no node (nor subgraph) reads and the graph does not return. */
export function removeDeadNodes(model: Model): { model: Model; removed: string[] } {
  const edit = new GraphEdit(model);
  const reads = edit.readCounts();
  const removed: string[] = [];
  const order = topologicalOrder(model.graph!);
  for (let k = order.length - 1; k >= 0; k--) {
    const i = order[k];
    const n = edit.nodes[i]!;
    if (n.output.some((o) => o && (reads.get(o) ?? 0) > 0)) continue;
    for (const r of [...n.input.filter((s) => s), ...nodeReads({ ...n, input: [] })]) reads.set(r, (reads.get(r) ?? 1) - 1);
    edit.remove(i);
    removed.push(nodeLabel(n, i));
  }
  return { model: removed.length ? edit.finish() : model, removed: removed.reverse() };
}

const list = (names: readonly string[], max = 3): string => `${names.slice(0, max).join(', ')}${names.length > max ? ', ...' : ''}`;

export function simplifyModel(model: Model): SimplifyResult {
  const constants = constantsToInitializers(model);
  const fold = foldConstants(constants.model);
  const bn = foldBatchNorms(fold.model);
  const resize = omitEmptyResizeInputs(bn.model);
  const dead = removeDeadNodes(resize.model);
  const notes: string[] = [];
  if (constants.converted.length) notes.push(`${constants.converted.length} Constant node(s) turned into initializers.`);
  if (fold.folded.length) {
    const ops = Object.entries(fold.byOp)
      .sort((a, b) => b[1] - a[1])
      .map(([op, n]) => `${op} ${n}`)
      .join(', ');
    notes.push(`${fold.folded.length} node(s) computing only from constants folded into initializers (${list(fold.folded)}; ${ops}), so the weights and shapes behind them are constants the quantizer can use.`);
  }
  if (bn.folded.length) {
    notes.push(`${bn.folded.length} BatchNormalization node(s) folded into the Conv/ConvTranspose/Gemm before them (${list(bn.folded.map((f) => `${f.batchNorm} into ${f.into}`))}), so they are quantized with that layer.`);
  }
  if (resize.rewritten.length) notes.push(`${resize.rewritten.length} Resize node(s) (${list(resize.rewritten)}): empty roi/scales inputs made '' (from opset 13 a named scales counts as given).`);
  if (dead.removed.length) notes.push(`${dead.removed.length} node(s) whose outputs nothing reads removed (${list(dead.removed)}).`);
  return {
    model: dead.model,
    report: { constants: constants.converted, folded: fold.folded, foldedByOp: fold.byOp, batchNorms: bn.folded, resizes: resize.rewritten, deadNodes: dead.removed },
    notes,
  };
}
