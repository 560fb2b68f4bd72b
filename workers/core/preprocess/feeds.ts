/**
 * What a model is fed, input by input (issue 9 item 4): ONE image input, preprocessed from each image,
 * and every other data input a constant the person gives (or a default read from its name), fed with
 * every image. Shared by the CLI (--image-input, --input NAME=VALUE, --fourth-channel) and the
 * workbench's Data step (the Inputs panel).
 *
 * The image input is the one named, or else the single rank-4 float/float16/uint8 input. The others:
 *   - names that say they are the network input's size (orig_target_sizes, orig_size, image_size,
 *     img_size, im_shape, input_shape) default to it for every batch row: [W, H] for orig_target_sizes
 *     and orig_size (RT-DETR / D-FINE / DEIMv2 read them as width, height: boxes come back in
 *     network-input pixels), [H, W] for the rest (PaddleDetection's im_shape);
 *   - scale_factor defaults to [1, 1] (resized / original: boxes stay in network-input pixels);
 *   - anything else needs a value: a number (fills the tensor) or a nested JSON array of its shape.
 * Each default used is said in a note.
 */
import { ZeropointError } from '../errors';
import { DataType, type ValueInfo } from '../onnx/types';
import { quote } from '../intake/names';
import type { Feeds, RunnerTensor, TensorElementType } from '../runner';
import { IMAGE_ELEM_TYPES, inputGeometry, type GeometryOverrides, type InputGeometry } from './spec';

/** A data input fed the same values with every image. */
export interface ConstantFeed {
  readonly name: string;
  readonly type: ConstantType;
  readonly dims: readonly number[];
  /** Row-major, numel(dims) values (integers for the integer types). */
  readonly values: readonly number[];
}

export type ConstantType = 'float32' | 'float64' | 'int64' | 'int32' | 'uint8' | 'int8' | 'bool';

export interface FeedPlan {
  readonly image: InputGeometry;
  readonly constants: readonly ConstantFeed[];
  /** Which default each defaulted constant got, one line each. */
  readonly notes: readonly string[];
}

export interface FeedChoices extends GeometryOverrides {
  /** The image input's name; needed only when several inputs could be the image. */
  readonly imageInput?: string;
  /** Values of the other inputs by name: a number, or a nested array of numbers of the input's shape. */
  readonly values?: Readonly<Record<string, unknown>>;
}

export interface FeedPlanContext {
  /** How the host names the choices in messages, e.g. the CLI's flags or the workbench's fields. */
  readonly how?: { readonly imageInput: string; readonly value: (name: string) => string };
}

const CLI_HOW = { imageInput: '--image-input NAME', value: (name: string) => `--input ${name}=VALUE` };

/** The workbench's wording: the Data step's Inputs panel. */
export const WORKBENCH_HOW = { imageInput: "the Data step's 'Image input' choice", value: (name: string) => `the field of ${quote(name)} in the Data step's Inputs panel` };

const CONSTANT_TYPES = new Map<number, ConstantType>([
  [DataType.FLOAT, 'float32'],
  [DataType.DOUBLE, 'float64'],
  [DataType.INT64, 'int64'],
  [DataType.INT32, 'int32'],
  [DataType.UINT8, 'uint8'],
  [DataType.INT8, 'int8'],
  [DataType.BOOL, 'bool'],
]);

/** Names whose value is the network input's size, and in which order. */
const SIZE_NAMES: ReadonlyArray<{ pattern: RegExp; order: 'wh' | 'hw' }> = [
  { pattern: /^(orig_target_sizes?|orig_sizes?)$/i, order: 'wh' },
  { pattern: /^(image_sizes?|img_sizes?|im_shape|im_size|input_shape|input_size)$/i, order: 'hw' },
];
const SCALE_NAMES = /^(scale_factors?|im_scale)$/i;

function dimsOf(input: ValueInfo): Array<number | undefined> | undefined {
  const dims = input.type?.tensorType?.shape?.dim;
  return dims?.map((d) => (d.dimValue !== undefined && d.dimValue > 0 ? d.dimValue : undefined));
}

/** Could this input be an image: a rank-4 float, float16 or uint8 tensor. */
export function isImageCandidate(input: ValueInfo): boolean {
  const t = input.type?.tensorType;
  return !!t && IMAGE_ELEM_TYPES.has(t.elemType ?? 0) && t.shape?.dim?.length === 4;
}

/** The image input: the named one, or the single candidate; throws naming the inputs otherwise. */
export function pickImageInput(inputs: readonly ValueInfo[], choice: string | undefined, context: FeedPlanContext = {}): ValueInfo {
  const how = context.how ?? CLI_HOW;
  const names = inputs.map((i) => quote(i.name ?? '')).join(', ');
  if (choice !== undefined) {
    const found = inputs.find((i) => i.name === choice);
    if (!found) throw new ZeropointError('bad-option', `The image input ${quote(choice)} is not an input of the model; its inputs are ${names}.`, { subject: choice });
    return found;
  }
  if (inputs.length === 1) return inputs[0];
  const candidates = inputs.filter(isImageCandidate);
  if (candidates.length === 1) return candidates[0];
  if (candidates.length === 0) {
    throw new ZeropointError('not-image-model', `None of the model's ${inputs.length} inputs (${names}) is a rank-4 float or uint8 image tensor; Zeropoint calibrates on images.`);
  }
  throw new ZeropointError('bad-option', `The model has ${candidates.length} inputs that could be the image (${candidates.map((i) => quote(i.name ?? '')).join(', ')}); say which with ${how.imageInput}.`);
}

/** The default of a constant input from its name, or undefined when its name says nothing. */
export function defaultConstant(input: ValueInfo, image: InputGeometry): { values: number[][] | number[]; note: string } | undefined {
  const name = input.name ?? '';
  const dims = dimsOf(input) ?? [];
  const last = dims[dims.length - 1];
  if (last !== undefined && last !== 2) return undefined;
  const rows = dims.length === 2 ? image.batch : dims.length === 1 ? 0 : -1;
  if (rows < 0) return undefined;
  const size = SIZE_NAMES.find((s) => s.pattern.test(name));
  let pair: number[];
  let why: string;
  if (size) {
    pair = size.order === 'wh' ? [image.width, image.height] : [image.height, image.width];
    why = `the network input's size as [${size.order === 'wh' ? 'width, height' : 'height, width'}], for boxes in input pixels`;
  } else if (SCALE_NAMES.test(name)) {
    pair = [1, 1];
    why = 'no rescaling, for boxes in input pixels';
  } else return undefined;
  const values = rows === 0 ? pair : Array.from({ length: rows }, () => [...pair]);
  return { values, note: `input ${quote(name)} is fed ${JSON.stringify(values)} (${why}); give another value to change it.` };
}

/** Reads one value as typed on a command line or in a field: a number, or a JSON array. */
export function parseInputValue(name: string, text: string, context: FeedPlanContext = {}): unknown {
  const how = context.how ?? CLI_HOW;
  const trimmed = text.trim();
  const bad = () =>
    new ZeropointError('bad-option', `The value ${quote(text)} for input ${quote(name)} is neither a number nor a JSON array of numbers; write it like ${how.value(name).replace('VALUE', '[[416,416]]')} or a single number.`, { subject: name });
  if (trimmed === '') throw bad();
  if (trimmed.startsWith('[')) {
    if (trimmed.length > 1_000_000) throw bad();
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      throw bad();
    }
  }
  const n = Number(trimmed);
  if (!Number.isFinite(n)) throw bad();
  return n;
}

/** A value (number or nested array) checked against an input's type and shape. */
export function constantFeed(input: ValueInfo, value: unknown, image: InputGeometry, context: FeedPlanContext = {}): ConstantFeed {
  const how = context.how ?? CLI_HOW;
  const name = input.name ?? '';
  const t = input.type?.tensorType;
  const type = CONSTANT_TYPES.get(t?.elemType ?? 0);
  const shapeDims = dimsOf(input);
  const shapeText = shapeDims ? `[${shapeDims.map((d) => d ?? '?').join(',')}]` : 'of unknown shape';
  const bad = (why: string) => new ZeropointError('bad-option', `Input ${quote(name)} ${shapeText}: ${why}; give it with ${how.value(name)}.`, { subject: name });
  if (!type) throw new ZeropointError('not-image-model', `Input ${quote(name)} is not a number tensor Zeropoint can feed a constant to (type ${t?.elemType ?? 'none'}).`, { subject: name });
  if (!shapeDims) throw bad('its shape is unknown, so a value cannot be checked');
  const values: number[] = [];
  let dims: number[];
  if (typeof value === 'number') {
    // A number fills the tensor; a dynamic batch axis gets the image batch, any other dynamic axis 1.
    dims = shapeDims.map((d, i) => d ?? (i === 0 && shapeDims.length > 1 ? image.batch : 1));
    const n = dims.reduce((a, b) => a * b, 1);
    if (n > 1_000_000) throw bad(`a tensor of ${n} values is more than a constant Zeropoint fills`);
    for (let i = 0; i < n; i++) values.push(value);
  } else if (Array.isArray(value)) {
    dims = [];
    const walk = (v: unknown, depth: number): void => {
      if (depth === shapeDims.length) {
        if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`${JSON.stringify(v)} at depth ${depth} is not a number`);
        values.push(v);
        return;
      }
      if (!Array.isArray(v)) throw bad(`the value has ${depth} level${depth === 1 ? '' : 's'} of arrays where the input has ${shapeDims.length} axes`);
      if (dims[depth] === undefined) dims[depth] = v.length;
      else if (dims[depth] !== v.length) throw bad(`the rows of the value differ in length (${dims[depth]} and ${v.length})`);
      const want = shapeDims[depth];
      if (want !== undefined && want !== v.length) throw bad(`axis ${depth} has ${v.length} values where the input has ${want}`);
      for (const x of v) walk(x, depth + 1);
    };
    walk(value, 0);
    if (dims.length < shapeDims.length) throw bad('an empty array has no values');
  } else {
    throw bad(`${JSON.stringify(value) ?? String(value)} is neither a number nor an array`);
  }
  if (type !== 'float32' && type !== 'float64') {
    const odd = values.find((v) => !Number.isInteger(v));
    if (odd !== undefined) throw bad(`${odd} is not a whole number, and the input is ${type}`);
  }
  return { name, type, dims, values };
}

/**
 * The feed plan of a model: its image input (with the geometry choices) and a constant for every other
 * data input, from `choices.values` or the default of its name. Throws naming the input that lacks a
 * value or has a malformed one.
 */
export function feedPlan(inputs: readonly ValueInfo[], choices: FeedChoices = {}, context: FeedPlanContext = {}): FeedPlan {
  const how = context.how ?? CLI_HOW;
  const imageInfo = pickImageInput(inputs, choices.imageInput, context);
  const image = inputGeometry(imageInfo, choices);
  const constants: ConstantFeed[] = [];
  const notes: string[] = [];
  const known = new Set(inputs.map((i) => i.name));
  for (const name of Object.keys(choices.values ?? {})) {
    if (!known.has(name)) {
      throw new ZeropointError('bad-option', `A value is given for input ${quote(name)}, which the model does not have; its inputs are ${inputs.map((i) => quote(i.name ?? '')).join(', ')}.`, { subject: name });
    }
    if (name === image.name) throw new ZeropointError('bad-option', `Input ${quote(name)} is the image input, fed from the images; give no value for it.`, { subject: name });
  }
  for (const input of inputs) {
    if (input === imageInfo) continue;
    const name = input.name ?? '';
    const given = choices.values?.[name];
    if (given !== undefined) {
      constants.push(constantFeed(input, given, image, context));
      continue;
    }
    const fallback = defaultConstant(input, image);
    if (!fallback) {
      const shape = dimsOf(input);
      throw new ZeropointError(
        'bad-option',
        `Input ${quote(name)}${shape ? ` [${shape.map((d) => d ?? '?').join(',')}]` : ''} is not the image and has no default; give its value with ${how.value(name)} (a number or a JSON array).`,
        { subject: name },
      );
    }
    constants.push(constantFeed(input, fallback.values, image, context));
    notes.push(fallback.note);
  }
  return { image, constants, notes };
}

/** A constant as a runner tensor. */
export function constantTensor(c: ConstantFeed): RunnerTensor {
  const type: TensorElementType = c.type;
  switch (c.type) {
    case 'int64':
      return { type, dims: c.dims, data: BigInt64Array.from(c.values, (v) => BigInt(v)) };
    case 'int32':
      return { type, dims: c.dims, data: Int32Array.from(c.values) };
    case 'uint8':
    case 'bool':
      return { type, dims: c.dims, data: Uint8Array.from(c.values) };
    case 'int8':
      return { type, dims: c.dims, data: Int8Array.from(c.values) };
    case 'float64':
      return { type, dims: c.dims, data: Float64Array.from(c.values) };
    default:
      return { type: 'float32', dims: c.dims, data: Float32Array.from(c.values) };
  }
}

/** The constant feeds of a plan, to add to every image's feed. */
export function constantFeeds(constants: readonly ConstantFeed[]): Feeds {
  return Object.fromEntries(constants.map((c) => [c.name, constantTensor(c)]));
}
