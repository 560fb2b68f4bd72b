/**
 * The float16 model's storage rounding, made explicit for runtimes that compute in float32.
 *
 * onnxruntime's CPU and WASM providers have few float16 kernels: InsertCastTransformer runs every
 * other op in float32 between Casts of its own and drops the float16 rounding between two such ops
 * (tested in fp16.test.ts), so a float16 model there computes nearly like FP32 with float16 weights.
 * To measure what float16 storage costs (what a WebGPU provider with shader-f16 keeps between ops),
 * this twin computes in float32 and rounds every tensor the FP16 model holds in float16, right after it
 * is written, with a pair of Casts onnxruntime keeps:
 *
 *   <Conv> --T_fp32--> Cast(to FLOAT16) --T_rounded--> Cast(to FLOAT) --T--> <readers>
 *
 * Weights are the float16 values widened exactly. Arithmetic inside each kernel stays float32, so it
 * bounds storage error, not a float16 accumulator's.
 */
import { defaultOpset, nameAllocator, topologicalOrder } from '../graph/graph';
import { intAttr } from '../onnx/attributes';
import { widenFloat16 } from '../onnx/fp16';
import { inferNode, Scope, seedScope } from '../onnx/opset/infer';
import { DataType, type Model, type Node } from '../onnx/types';

export function float16StorageTwin(fp16: Model): Model {
  const graph = fp16.graph!;
  const order = topologicalOrder(graph);
  const scope = new Scope();
  seedScope(scope, graph);
  const opset = defaultOpset(fp16);
  for (const i of order) {
    try {
      inferNode(graph.node[i], scope, opset);
    } catch {
      // untyped outputs are left unrounded
    }
  }
  const half = new Set<string>();
  for (const i of order) for (const o of graph.node[i].output) if (o && scope.elemType(o) === DataType.FLOAT16) half.add(o);
  const wide = widenFloat16(fp16).model;
  const g = wide.graph!;
  const fresh = nameAllocator(g);
  const nodes: Node[] = [];
  for (const i of topologicalOrder(g)) {
    const n = { ...g.node[i], output: [...g.node[i].output] };
    const pairs: Node[] = [];
    n.output.forEach((o, k) => {
      if (!half.has(o)) return;
      const raw = fresh(`${o}_fp32`);
      const rounded = fresh(`${o}_rounded`);
      n.output[k] = raw;
      pairs.push(
        { opType: 'Cast', input: [raw], output: [rounded], name: fresh(`${o}_round`), attribute: [intAttr('to', DataType.FLOAT16)], domain: '' },
        { opType: 'Cast', input: [rounded], output: [o], name: fresh(`${o}_widen`), attribute: [intAttr('to', DataType.FLOAT)], domain: '' },
      );
    });
    nodes.push(n, ...pairs);
  }
  return { ...wide, graph: { ...g, node: nodes, valueInfo: g.valueInfo.filter((v) => !half.has(v.name ?? '')) } };
}
