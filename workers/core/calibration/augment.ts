/**
 * The augment-graph technique (ONNX Runtime's calibrate.py): expose the tensors to be quantized as
 * extra graph outputs of the FP32 model, so one ordinary inference per image yields them all.
 *
 * Only tensors a quantizer could mark are exposed (inputs and outputs of ops in the registry), not
 * every intermediate: each exposed output is copied out of the runtime and blocks fusions, so fewer
 * means calibration costs about one plain inference per image.
 */
import { indexGraph } from '../graph/graph';
import { isFloatType } from '../onnx/tensor';
import type { Model, ValueInfo } from '../onnx/types';
import { quantizerFor, registry } from '../quant/registry';

export function calibrationCandidates(model: Model): string[] {
  const graph = model.graph!;
  const index = indexGraph(graph);
  const known = (name: string): ValueInfo | undefined => index.valueInfo.get(name);
  const isCandidate = (name: string): boolean => {
    if (!name || index.initializers.has(name) || index.constants.has(name)) return false;
    const elem = known(name)?.type?.tensorType?.elemType;
    return elem === undefined || isFloatType(elem);
  };
  const out = new Set<string>();
  for (const node of graph.node) {
    if (quantizerFor(node) !== registry[node.opType ?? ''] || registry[node.opType ?? ''] === undefined) continue;
    for (const name of [...node.input, ...node.output]) if (isCandidate(name)) out.add(name);
  }
  return [...out];
}

/** A copy of the model whose graph also outputs `tensors` (name-only outputs: onnxruntime infers their types). */
export function augmentModel(model: Model, tensors: readonly string[]): Model {
  const graph = model.graph!;
  const existing = new Set(graph.output.map((o) => o.name));
  const inputs = new Set(graph.input.map((i) => i.name));
  const extra = tensors.filter((t) => !existing.has(t) && !inputs.has(t)).map((name) => ({ name }));
  return { ...model, graph: { ...graph, output: [...graph.output, ...extra] } };
}
