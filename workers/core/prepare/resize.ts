/**
 * Resize at opset >= 13 with the inputs of an opset-11 export: a 0-element initializer as `roi`, and
 * as `scales` next to `sizes`. From opset 13 an input is omitted by the name '' and a named `scales`
 * counts as given ("Either `sizes` or `scales` must be provided, but not both of them"). The opset
 * upgrader rewrites these when it crosses 13 (../onnx/opset/resize.ts); this pass does the same for
 * models that are already at 13 or later, so every prepared model has the 13+ form:
 *
 *   Resize(X, roi[0], scales[0], sizes)  =>  Resize(X, '', '', sizes)
 *   Resize(X, roi[0], scales)            =>  Resize(X, '', scales)
 *
 * A 0-element roi is read only by coordinate_transformation_mode tf_crop_and_resize (which then needs
 * a real one, so it is left alone); a 0-element scales means "use sizes" in every version. Trailing
 * '' inputs are dropped. Outputs are unchanged.
 */
import { attrString } from '../onnx/attributes';
import { defaultOpset, nodeLabel } from '../graph/graph';
import { numel } from '../onnx/tensor';
import type { Model } from '../onnx/types';
import { GraphEdit } from './edit';

export interface ResizeInputsResult {
  readonly model: Model;
  /** Labels of the Resize nodes whose inputs were rewritten. */
  readonly rewritten: readonly string[];
}

export function omitEmptyResizeInputs(model: Model): ResizeInputsResult {
  if (defaultOpset(model) < 13) return { model, rewritten: [] };
  const edit = new GraphEdit(model);
  const empty = (name: string | undefined) => {
    const t = edit.constant(name);
    return t !== undefined && numel(t.dims) === 0;
  };
  const rewritten: string[] = [];
  edit.nodes.forEach((n, i) => {
    if (!n || n.opType !== 'Resize' || ((n.domain ?? '') !== '' && n.domain !== 'ai.onnx')) return;
    const input = [...n.input];
    if (attrString(n, 'coordinate_transformation_mode', 'half_pixel') !== 'tf_crop_and_resize' && empty(input[1])) input[1] = '';
    if (input[3] && empty(input[2])) input[2] = '';
    while (input.length > 1 && input[input.length - 1] === '') input.pop();
    if (input.length === n.input.length && input.every((name, k) => name === n.input[k])) return;
    edit.replace(i, { ...n, input });
    rewritten.push(nodeLabel(n, i));
  });
  return { model: rewritten.length ? edit.finish() : model, rewritten };
}
