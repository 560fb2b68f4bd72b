/**
 * Op type -> quantizer, like ONNX Runtime's registry.py. A quantizer only marks tensors through the
 * MarkContext (activation, weight, bias, shared parameters); rewrite.ts is the only code that edits
 * the graph. Ops not in the registry are left in FP32 by the default quantizer.
 */
import type { Node } from '../onnx/types';
import { activationQuantizers } from './operators/activation';
import { binaryQuantizers } from './operators/binary';
import { convQuantizers } from './operators/conv';
import { floatQuantizers } from './operators/float';
import { matmulQuantizers } from './operators/matmul';
import { passthroughQuantizers } from './operators/passthrough';
import { poolQuantizers } from './operators/pool';
import type { MarkContext } from './plan';

/** What a quantizer decided for one node: quantized, or left in FP32 with a reason (data, not a throw). */
export type MarkResult = { readonly quantized: true } | { readonly quantized: false; readonly reason: string };

export type OpQuantizer = (ctx: MarkContext, node: Node, index: number) => MarkResult;

export const QUANTIZED: MarkResult = { quantized: true };
export function keptFp32(reason: string): MarkResult {
  return { quantized: false, reason };
}

const defaultQuantizer: OpQuantizer = (_ctx, node) => keptFp32(`no INT8 quantizer for op '${node.opType}'`);

export const registry: Readonly<Record<string, OpQuantizer>> = {
  ...floatQuantizers,
  ...convQuantizers,
  ...matmulQuantizers,
  ...binaryQuantizers,
  ...poolQuantizers,
  ...passthroughQuantizers,
  ...activationQuantizers,
};

/** Quantizer for a node; only the default ONNX domain is quantized. */
export function quantizerFor(node: Node): OpQuantizer {
  if ((node.domain ?? '') !== '' && node.domain !== 'ai.onnx') return defaultQuantizer;
  return registry[node.opType ?? ''] ?? defaultQuantizer;
}

/** Ops with an INT8 quantizer (the ones operators/float.ts keeps in FP32 with a reason are not among them). */
export const QUANTIZABLE_OPS: readonly string[] = Object.keys(registry)
  .filter((op) => !(op in floatQuantizers))
  .sort();
