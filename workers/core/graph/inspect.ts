/**
 * A model summary for `zeropoint inspect` and the workbench's Model step: identity, inputs and
 * outputs, parameters, op histogram, and whether (and how) the model is already quantized.
 */
import { defaultOpset, indexGraph } from './graph';
import { dataTypeName, elementSize, numel } from '../onnx/tensor';
import type { Model, ValueInfo } from '../onnx/types';

export type QuantizationFormat = 'none' | 'qdq' | 'qoperator' | 'dynamic';

export interface TensorSummary {
  readonly name: string;
  readonly type: string;
  /** Numbers for fixed dimensions, strings for symbolic ones, '?' when unknown. */
  readonly shape: ReadonlyArray<number | string>;
}

export interface ModelSummary {
  readonly graphName: string;
  readonly producer: string;
  readonly irVersion: number;
  readonly opsets: ReadonlyArray<{ domain: string; version: number }>;
  readonly defaultOpset: number;
  readonly inputs: readonly TensorSummary[];
  readonly outputs: readonly TensorSummary[];
  readonly parameters: number;
  readonly initializerBytes: number;
  readonly fileBytes: number;
  readonly nodes: number;
  readonly ops: Readonly<Record<string, number>>;
  readonly quantization: QuantizationFormat;
  /** Plain words for quantization, e.g. "QOperator (QLinearConv, QLinearAdd...)". */
  readonly quantizationDetail: string;
}

const QOPERATOR = /^QLinear|^QGemm$|^QAttention$/;
const DYNAMIC = new Set(['DynamicQuantizeLinear', 'ConvInteger', 'MatMulInteger', 'DynamicQuantizeMatMul']);

export function tensorSummary(v: ValueInfo): TensorSummary {
  const tt = v.type?.tensorType;
  return {
    name: v.name ?? '',
    type: tt ? dataTypeName(tt.elemType).toLowerCase() : 'non-tensor',
    shape: tt?.shape ? tt.shape.dim.map((d) => d.dimValue ?? d.dimParam ?? '?') : [],
  };
}

export function detectQuantization(ops: Readonly<Record<string, number>>): { format: QuantizationFormat; detail: string } {
  const names = Object.keys(ops);
  const qop = names.filter((n) => QOPERATOR.test(n));
  if (qop.length > 0) return { format: 'qoperator', detail: `QOperator format (${qop.slice(0, 4).join(', ')}${qop.length > 4 ? ', ...' : ''})` };
  const dyn = names.filter((n) => DYNAMIC.has(n));
  if (dyn.length > 0) return { format: 'dynamic', detail: `dynamic quantization (${dyn.join(', ')})` };
  if (ops.QuantizeLinear || ops.DequantizeLinear) return { format: 'qdq', detail: `QDQ format (${ops.QuantizeLinear ?? 0} QuantizeLinear, ${ops.DequantizeLinear ?? 0} DequantizeLinear)` };
  return { format: 'none', detail: 'not quantized' };
}

export function inspectModel(model: Model, fileBytes: number): ModelSummary {
  const graph = model.graph!;
  const index = indexGraph(graph);
  const ops: Record<string, number> = {};
  const count = (g: typeof graph) => {
    for (const n of g.node) {
      const key = (n.domain ?? '') === '' || n.domain === 'ai.onnx' ? (n.opType ?? '?') : `${n.domain}.${n.opType}`;
      ops[key.replace(/^com\.microsoft\./, '')] = (ops[key.replace(/^com\.microsoft\./, '')] ?? 0) + 1;
      for (const a of n.attribute) for (const sg of a.g ? [a.g, ...a.graphs] : a.graphs) count(sg);
    }
  };
  count(graph);
  let parameters = 0;
  let initializerBytes = 0;
  for (const t of graph.initializer) {
    parameters += numel(t.dims);
    // Typed-field tensors count too: their size is what the tensor holds, not how it is encoded.
    initializerBytes += t.rawData?.byteLength ?? numel(t.dims) * (elementSize(t.dataType ?? 0) ?? 0);
  }
  for (const t of index.constants.values()) parameters += numel(t.dims);
  const q = detectQuantization(ops);
  return {
    graphName: graph.name ?? '',
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
    irVersion: model.irVersion ?? 0,
    opsets: model.opsetImport.map((o) => ({ domain: o.domain || 'ai.onnx', version: o.version ?? 0 })),
    defaultOpset: defaultOpset(model),
    inputs: index.dataInputs.map(tensorSummary),
    outputs: graph.output.map(tensorSummary),
    parameters,
    initializerBytes,
    fileBytes,
    nodes: graph.node.length,
    ops: Object.fromEntries(Object.entries(ops).sort((a, b) => b[1] - a[1])),
    quantization: q.format,
    quantizationDetail: q.detail,
  };
}
