/**
 * The Data step's Inputs panel (issue 9 item 4): the person picks the image input, gives the other
 * inputs values (defaults from their names), a 4-channel input's fourth channel and a dynamic size.
 * The same feedPlan as the CLI (workers/core/preprocess/feeds.ts) turns the choices into the model's
 * geometry, its constants riding along (InputGeometry.constants) to every worker job; asked once and
 * kept for the model until another one is opened.
 */
import { ZeropointError } from '../../../workers/core/errors';
import { quote } from '../../../workers/core/intake/names';
import { DataType, type ValueInfo } from '../../../workers/core/onnx/types';
import type { TensorSummary } from '../../../workers/core/graph/inspect';
import { feedPlan, isImageCandidate, parseInputValue, WORKBENCH_HOW, type FeedChoices } from '../../../workers/core/preprocess/feeds';
import type { InputGeometry } from '../../../workers/core/preprocess/spec';
import { problemOf } from '../../../workers/transfer';
import { initialInputs, type InputsState } from '../data';
import { refreshPreview, resolveCurrentSpec } from './data';
import { resetAfterData } from './invalidate';
import { get } from './shared';

const TYPES = new Map<string, number>(Object.entries(DataType).map(([k, v]) => [k.toLowerCase(), v]));

/** An input as the summary lists it, back as a ValueInfo for feedPlan. */
export function valueInfoOf(t: TensorSummary): ValueInfo {
  return {
    name: t.name,
    type: {
      tensorType: {
        elemType: TYPES.get(t.type) ?? DataType.UNDEFINED,
        shape: { dim: t.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : d === '?' ? {} : { dimParam: d })) },
      },
    },
  };
}

/** The geometry the worker reported when the model opened (its defaults), kept to re-plan from. */
let opened: { geometry: InputGeometry | null; notImage: unknown } | null = null;

export interface InputsView {
  readonly inputs: readonly TensorSummary[];
  /** Inputs that could be the image (rank-4 float/float16/uint8). */
  readonly candidates: readonly string[];
  readonly show: boolean;
}

/** Whether the panel has anything to ask: several inputs, a 4-channel input, or a dynamic size. */
export function inputsView(inputs: readonly TensorSummary[], geometry: InputGeometry | null): InputsView {
  const candidates = inputs.filter((t) => isImageCandidate(valueInfoOf(t))).map((t) => t.name);
  const dynamic = inputs.some((t) => candidates.includes(t.name) && t.shape.slice(1).some((d) => typeof d !== 'number'));
  return { inputs, candidates, show: inputs.length > 1 || geometry?.channels === 4 || dynamic };
}

/** After a model opens: the choices start empty, the defaults are shown. */
export function resetInputs(): void {
  const { model, patchData } = get();
  const info = model.info;
  opened = info ? { geometry: info.geometry, notImage: info.notImage } : null;
  if (!info) {
    patchData({ inputs: initialInputs });
    return;
  }
  const view = inputsView(info.summary.inputs, info.geometry);
  patchData({ inputs: view.show ? planInputs(initialInputs).inputs : initialInputs });
}

function choicesOf(state: InputsState): FeedChoices {
  const values: Record<string, unknown> = {};
  for (const [name, text] of Object.entries(state.values)) if (text.trim() !== '') values[name] = parseInputValue(name, text, { how: WORKBENCH_HOW });
  const number = (text: string, what: string): number | undefined => {
    if (text.trim() === '') return undefined;
    const n = Number(text);
    if (!Number.isFinite(n)) throw new ZeropointError('bad-option', `The ${what} ${quote(text)} is not a number; type a number such as 1.`);
    return n;
  };
  return {
    imageInput: state.imageInput ?? undefined,
    values,
    fourthChannel: number(state.fourthChannel, 'fourth channel value'),
    width: number(state.width, 'width'),
    height: number(state.height, 'height'),
  };
}

/** The choices as a geometry (or the problem), with the notes and the defaults to show. */
function planInputs(state: InputsState): { inputs: InputsState; geometry: InputGeometry | null; problem: ReturnType<typeof problemOf> | null } {
  const info = get().model.info;
  if (!info) return { inputs: state, geometry: null, problem: null };
  const inputs = info.summary.inputs.map(valueInfoOf);
  try {
    const plan = feedPlan(inputs, choicesOf(state), { how: WORKBENCH_HOW });
    // The worker's element type wins for the image (a float16 model is calibrated through its float copy).
    const elemType = opened?.geometry?.name === plan.image.name ? opened.geometry.elemType : plan.image.elemType;
    const geometry: InputGeometry = { ...plan.image, elemType, ...(plan.constants.length ? { constants: plan.constants } : {}) };
    const defaults: Record<string, string> = {};
    // Defaults shown beside each field: the plan of the empty choices for the same image input.
    try {
      const base = feedPlan(inputs, { ...choicesOf({ ...state, values: {} }) }, { how: WORKBENCH_HOW });
      for (const c of base.constants) defaults[c.name] = JSON.stringify(shaped(c.values, c.dims));
    } catch {
      // an input without a default: its field shows no placeholder
    }
    return { inputs: { ...state, notes: plan.notes, defaults, error: null }, geometry, problem: null };
  } catch (e) {
    return { inputs: { ...state, notes: [], error: problemOf(e) }, geometry: null, problem: problemOf(e) };
  }
}

/** Row-major values as nested arrays of `dims`. */
function shaped(values: readonly number[], dims: readonly number[]): unknown {
  if (dims.length === 0) return values[0];
  const inner = dims.slice(1).reduce((a, b) => a * b, 1);
  return Array.from({ length: dims[0] }, (_, i) => shaped(values.slice(i * inner, (i + 1) * inner), dims.slice(1)));
}

/** One change in the panel: re-plan, give the model its new geometry (or the problem), reset what depended on it. */
export function setInputs(patch: Partial<Pick<InputsState, 'imageInput' | 'values' | 'fourthChannel' | 'width' | 'height'>>): void {
  const { data, model, patchData, patchModel } = get();
  const info = model.info;
  if (!info) return;
  const { inputs, geometry, problem } = planInputs({ ...data.inputs, ...patch });
  patchData({ inputs });
  patchModel({ info: { ...info, geometry, notImage: geometry ? null : (problem ?? info.notImage) } });
  resolveCurrentSpec();
  resetAfterData();
  void refreshPreview();
}
