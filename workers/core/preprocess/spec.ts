/**
 * How an image becomes a model input: ONE definition shared by the browser (workers) and Node (CLI).
 *
 * A spec is plain JSON (it is also the CLI's spec file format). The steps, in order:
 *   1. decode to RGBA 8-bit (host side: cli/images.ts with sharp, workers/decode-image.ts with
 *      createImageBitmap), pixels with transparency composited over black;
 *   2. colour: 'rgb' | 'bgr' (channel order of the tensor) | 'gray' (ITU-R 601 luma, one channel);
 *   3. geometry (`resize`): 'center-crop' | 'stretch' | 'letterbox', done on 0..255 floats (image.ts);
 *   4. per element: (pixel * scale - mean[c]) / std[c], where pixel is 0..255 and c is the TENSOR's
 *      channel index (so for 'bgr' mean/std are given in B,G,R order);
 *   5. layout 'nchw' | 'nhwc'.
 *
 * A custom spec JSON may start from a preset with `"preset": "imagenet"` and override fields; fields it
 * does not give come from the preset, or from `raw` when it names none.
 */
import { checkJsonDepth } from '../intake/json';
import { ZeropointError } from '../errors';
import { DataType, type ValueInfo } from '../onnx/types';
import type { ConstantFeed } from './feeds';

export type ColorOrder = 'rgb' | 'bgr' | 'gray';
export type ResizeMode = 'center-crop' | 'stretch' | 'letterbox';
export type LetterboxAlign = 'center' | 'top-left';
export type Layout = 'nchw' | 'nhwc';

export interface PreprocessSpec {
  readonly color: ColorOrder;
  /** Multiplies the 0..255 pixel before mean/std: 1, or 1/255 for 0..1 inputs. */
  readonly scale: number;
  /** One value per tensor channel, on the scaled range (0..1 when scale is 1/255). */
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly resize: ResizeMode;
  /** center-crop: the image is resized so its short side is round(size / cropRatio), then cropped. */
  readonly cropRatio: number;
  /** letterbox fill, on the 0..255 pixel scale (normalized like a pixel). */
  readonly pad: number;
  /** letterbox: where the resized image sits in the padded canvas. */
  readonly align: LetterboxAlign;
  readonly layout: Layout;
}

export type PresetName = 'imagenet' | 'caffe' | 'unit' | 'raw' | 'yolo';

/** What a spec file (or the UI) may give: any subset of the fields, optionally on top of a preset. */
export type PartialSpec = { -readonly [K in keyof PreprocessSpec]?: PreprocessSpec[K] } & { preset?: PresetName };

/** 1/255 written out, so a spec JSON can carry it exactly. */
export const SCALE_1_255 = 0.00392156862745098;

const DEFAULTS = { cropRatio: 0.875, pad: 114, align: 'center', layout: 'nchw' } as const;

/** Presets as written for a 3-channel input; `raw`, `unit` and `yolo` turn gray for a 1-channel input. */
export const PRESETS: Readonly<Record<PresetName, PreprocessSpec>> = {
  /** torchvision ImageNet: RGB, 0..1, mean/std, Resize(256) + CenterCrop(224). */
  imagenet: {
    ...DEFAULTS,
    color: 'rgb',
    scale: SCALE_1_255,
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
    resize: 'center-crop',
  },
  /** Caffe: BGR, 0..255, minus the mean in B,G,R order, short side 256 then center crop 224. */
  caffe: { ...DEFAULTS, color: 'bgr', scale: 1, mean: [104, 117, 123], std: [1, 1, 1], resize: 'center-crop' },
  /** RGB 0..1, plain resize. */
  unit: { ...DEFAULTS, color: 'rgb', scale: SCALE_1_255, mean: [0, 0, 0], std: [1, 1, 1], resize: 'stretch' },
  /** 0..255, plain resize (gray for a 1-channel model such as MNIST). */
  raw: { ...DEFAULTS, color: 'rgb', scale: 1, mean: [0, 0, 0], std: [1, 1, 1], resize: 'stretch' },
  /** Ultralytics YOLO: RGB 0..1, letterbox with 114 grey, centered. */
  yolo: { ...DEFAULTS, color: 'rgb', scale: SCALE_1_255, mean: [0, 0, 0], std: [1, 1, 1], resize: 'letterbox' },
};

export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

const SPEC_FIELDS: readonly (keyof PreprocessSpec)[] = ['color', 'scale', 'mean', 'std', 'resize', 'cropRatio', 'pad', 'align', 'layout'];
const ENUMS = {
  color: ['rgb', 'bgr', 'gray'],
  resize: ['center-crop', 'stretch', 'letterbox'],
  align: ['center', 'top-left'],
  layout: ['nchw', 'nhwc'],
} as const;

function badSpec(message: string, subject?: string): ZeropointError {
  return new ZeropointError('bad-spec', message, subject === undefined ? undefined : { subject });
}

function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function isPresetName(value: unknown): value is PresetName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(PRESETS, value);
}

function unknownPreset(name: unknown): ZeropointError {
  return badSpec(`Unknown preprocessing preset ${show(name)}; use one of ${PRESET_NAMES.join(', ')}.`);
}

export interface SpecContext {
  /** Channels of the model input (1, 3, or 4 = RGB/BGR plus a constant channel), from inputGeometry. */
  readonly channels: number;
  /** The model input's layout, from inputGeometry; used when the spec does not say. */
  readonly layout?: Layout;
}

/**
 * A complete, validated spec for a model input with `channels` channels. A preset adapts to a
 * 1-channel input by turning gray (when its mean/std are the identity); given fields always win and are
 * validated: mean/std must have one value per channel, std non-zero, and so on. Throws 'bad-spec'.
 */
export function resolveSpec(spec: PresetName | PartialSpec, context: SpecContext): PreprocessSpec {
  if (context.channels !== 1 && context.channels !== 3 && context.channels !== 4) {
    throw badSpec(`An image input must have 1, 3 or 4 channels, not ${show(context.channels)}; check the model's input shape.`);
  }
  const channels = colorChannels(context.channels);
  const partial: PartialSpec = typeof spec === 'string' ? { preset: spec } : spec;
  if (typeof partial !== 'object' || partial === null || Array.isArray(partial)) {
    throw badSpec(`A preprocessing spec must be a preset name or an object, not ${show(partial)}.`);
  }
  checkFieldTypes(partial, 'the spec');
  const presetName = partial.preset ?? 'raw';
  if (!isPresetName(presetName)) throw unknownPreset(presetName);
  const base = PRESETS[presetName];

  let color = partial.color ?? base.color;
  let mean = partial.mean ?? base.mean;
  let std = partial.std ?? base.std;
  if (channels === 1 && partial.color === undefined) {
    color = 'gray';
    // Identity normalization has an obvious 1-channel form; a per-channel mean (imagenet, caffe) does not.
    if (partial.mean === undefined && base.mean.every((m) => m === 0)) mean = [0];
    if (partial.std === undefined && base.std.every((s) => s === 1)) std = [1];
  }
  const resolved: PreprocessSpec = {
    color,
    scale: partial.scale ?? base.scale,
    mean: [...mean],
    std: [...std],
    resize: partial.resize ?? base.resize,
    cropRatio: partial.cropRatio ?? base.cropRatio,
    pad: partial.pad ?? base.pad,
    align: partial.align ?? base.align,
    layout: partial.layout ?? context.layout ?? base.layout,
  };
  validateSpec(resolved, channels, partial.preset);
  return resolved;
}

/**
 * The channels a spec describes for a model input of `channels` channels: a 4-channel input is colour
 * (3 channels, the spec's) plus a fourth channel of a constant (InputGeometry.fourthChannel).
 */
export function colorChannels(channels: number): number {
  return channels === 4 ? 3 : channels;
}

/** Checks a complete spec against a channel count (4 = colour + constant); throws 'bad-spec' naming the field and value. */
export function validateSpec(spec: PreprocessSpec, inputChannels: number, presetName?: string): void {
  checkFieldTypes(spec, 'the spec');
  const channels = colorChannels(inputChannels);
  const from = presetName === undefined ? '' : ` (from preset '${presetName}')`;
  const specChannels = spec.color === 'gray' ? 1 : 3;
  if (specChannels !== channels) {
    throw badSpec(
      spec.color === 'gray'
        ? `Spec color 'gray' gives 1 channel but the model input has ${channels}; use color 'rgb' or 'bgr'.`
        : `Spec color '${spec.color}'${from} gives 3 channels but the model input has ${channels}; use color 'gray'.`,
      'color',
    );
  }
  for (const field of ['mean', 'std'] as const) {
    const values = spec[field];
    if (values.length !== channels) {
      throw badSpec(
        `Spec ${field} ${show(values)}${from} has ${values.length} value${values.length === 1 ? '' : 's'} but the model input has ${channels} channel${channels === 1 ? '' : 's'}; give one value per channel.`,
        field,
      );
    }
  }
  const zero = spec.std.findIndex((s) => s === 0);
  if (zero >= 0) throw badSpec(`Spec std ${show(spec.std)} has a zero at index ${zero}; every std must be non-zero (use 1 for none).`, 'std');
  if (!(spec.scale > 0)) throw badSpec(`Spec scale ${show(spec.scale)} must be positive: use 1 for 0..255 inputs or 1/255 (${SCALE_1_255}) for 0..1.`, 'scale');
  if (!(spec.cropRatio > 0 && spec.cropRatio <= 1)) {
    throw badSpec(`Spec cropRatio ${show(spec.cropRatio)} must be in (0, 1], for example 0.875 (resize to 256, crop 224).`, 'cropRatio');
  }
  if (!(spec.pad >= 0 && spec.pad <= 255)) throw badSpec(`Spec pad ${show(spec.pad)} must be a 0..255 pixel value such as 114.`, 'pad');
}

/** Types and enum values of whatever fields are present; unknown keys are typos and rejected. */
function checkFieldTypes(spec: Readonly<Record<string, unknown>> | PartialSpec | PreprocessSpec, where: string): void {
  const record = spec as Readonly<Record<string, unknown>>;
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (value === undefined) continue;
    if (key === 'preset') {
      if (!isPresetName(value)) throw unknownPreset(value);
      continue;
    }
    if (!(SPEC_FIELDS as readonly string[]).includes(key)) {
      throw badSpec(`Unknown field '${key}' in ${where}; the fields are preset, ${SPEC_FIELDS.join(', ')}.`, key);
    }
    if (key in ENUMS) {
      const allowed = ENUMS[key as keyof typeof ENUMS] as readonly string[];
      if (typeof value !== 'string' || !allowed.includes(value)) {
        throw badSpec(`Spec ${key} ${show(value)} is not one of ${allowed.map((a) => `'${a}'`).join(', ')}.`, key);
      }
    } else if (key === 'mean' || key === 'std') {
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
        throw badSpec(`Spec ${key} ${show(value)} must be an array of numbers, one per channel, such as [0.485, 0.456, 0.406].`, key);
      }
    } else if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw badSpec(`Spec ${key} ${show(value)} must be a number.`, key);
    }
  }
}

/**
 * Reads a spec file (or any spec JSON): an object of spec fields, optionally with "preset", or just a
 * preset name as a JSON string. "scale" may be written as the string "1/255". Throws 'bad-spec' quoting
 * `sourceName`. The result still needs resolveSpec (which knows the channel count).
 */
export function parseSpecJson(text: string, sourceName: string): PartialSpec {
  checkJsonDepth(text, { source: sourceName });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const why = e instanceof Error ? e.message.replace(/\.$/, '') : String(e);
    throw badSpec(`Cannot parse the spec in '${sourceName}' as JSON (${why}); fix the JSON syntax.`, sourceName);
  }
  if (typeof value === 'string') {
    if (!isPresetName(value)) {
      throw badSpec(`Unknown preprocessing preset ${show(value)} in '${sourceName}'; use one of ${PRESET_NAMES.join(', ')}.`, sourceName);
    }
    return { preset: value };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badSpec(`The spec in '${sourceName}' must be a JSON object such as {"preset": "imagenet"}, not ${show(value)}.`, sourceName);
  }
  const record: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  if (typeof record.scale === 'string') {
    const s = record.scale.replace(/\s+/g, '');
    if (s === '1/255') record.scale = SCALE_1_255;
    else if (s === '1') record.scale = 1;
  }
  try {
    checkFieldTypes(record, `'${sourceName}'`);
  } catch (e) {
    if (e instanceof ZeropointError && !e.message.includes(`'${sourceName}'`)) {
      throw badSpec(`${e.message.replace(/\.$/, '')} (in '${sourceName}').`, e.subject);
    }
    throw e;
  }
  return record as PartialSpec;
}

// ---------------------------------------------------------------------------------------------------
// Input geometry

export interface InputGeometry {
  readonly name: string;
  readonly layout: Layout;
  /** 1 (gray), 3 (colour) or 4 (colour plus a channel filled with `fourthChannel`). */
  readonly channels: number;
  /** The value of every element of a 4-channel input's fourth channel, as written into the tensor (1 by default). */
  readonly fourthChannel?: number;
  /**
   * The model's other inputs, fed these constants with every image (FeedPlan.constants): carried with
   * the geometry so every worker job that preprocesses images feeds them too.
   */
  readonly constants?: readonly ConstantFeed[];
  readonly height: number;
  readonly width: number;
  /** The batch dimension: its fixed value, the override, or 1 when dynamic. */
  readonly batch: number;
  /**
   * ONNX DataType: FLOAT, FLOAT16 or UINT8. imageToTensor always returns float32; imageFeed (image.ts)
   * rounds a UINT8 input's values to 0..255 bytes, and the hosts convert FLOAT16.
   */
  readonly elemType: number;
}

export interface GeometryOverrides {
  readonly width?: number;
  readonly height?: number;
  readonly batch?: number;
  /** Only needed when the shape is ambiguous, such as [1,3,3,3]; otherwise it must agree with the shape. */
  readonly layout?: Layout;
  /** A 4-channel input's fourth channel value (DEFAULT_FOURTH_CHANNEL when not given). */
  readonly fourthChannel?: number;
}

/** The fourth channel of a 4-channel input unless the person says otherwise: M-LSD's channel of ones. */
export const DEFAULT_FOURTH_CHANNEL = 1;

/** Element types an image input may have. */
export const IMAGE_ELEM_TYPES: ReadonlySet<number> = new Set([DataType.FLOAT, DataType.FLOAT16, DataType.UINT8]);

const DTYPE_NAMES = new Map<number, string>(Object.entries(DataType).map(([k, v]) => [v, k.toLowerCase()]));

function dimText(d: { dimValue?: number; dimParam?: string }): string {
  if (d.dimValue !== undefined && d.dimValue > 0) return String(d.dimValue);
  return d.dimParam ? d.dimParam : '?';
}

/**
 * Height/width/channels/layout of a model's image input. NCHW or NHWC is inferred from which of axis 1
 * or axis 3 holds 1, 3 or 4 channels (NCHW wins a tie). Dynamic H/W must come from `overrides`.
 * Throws 'not-image-model' for an input that is not a rank-4 float/float16/uint8 image tensor, and 'bad-spec'
 * for a dynamic height/width without an override (or an override that contradicts a fixed size).
 */
export function inputGeometry(input: ValueInfo, overrides: GeometryOverrides = {}): InputGeometry {
  const name = input.name ?? '';
  const tensorType = input.type?.tensorType;
  const elemType = tensorType?.elemType ?? DataType.UNDEFINED;
  const dims = tensorType?.shape?.dim;
  const shapeText = dims ? `[${dims.map(dimText).join(',')}]` : 'with no shape';
  const typeText = DTYPE_NAMES.get(elemType) ?? `type ${elemType}`;
  const notImage = (why: string) =>
    new ZeropointError(
      'not-image-model',
      `Model input '${name}' is ${why}; Zeropoint needs a float or uint8 image input shaped N,C,H,W or N,H,W,C with 1, 3 or 4 channels.`,
      { subject: name },
    );
  if (!tensorType) throw notImage('not a tensor (a sequence, map or optional type)');
  const described = (why: string) => notImage(`${typeText} ${shapeText}, ${why}`);
  if (!IMAGE_ELEM_TYPES.has(elemType)) throw described('not float, float16 or uint8');
  if (!dims) throw described('its shape is unknown');
  if (dims.length !== 4) throw described(`rank ${dims.length}, not 4`);

  const fixed = (i: number): number | undefined => {
    const v = dims[i]?.dimValue;
    return v !== undefined && v > 0 ? v : undefined;
  };
  const isChannels = (i: number) => fixed(i) === 1 || fixed(i) === 3 || fixed(i) === 4;
  let layout: Layout;
  if (overrides.layout !== undefined) {
    layout = overrides.layout;
    if (!isChannels(layout === 'nchw' ? 1 : 3)) {
      throw described(`which has no 1, 3 or 4 channel axis at position ${layout === 'nchw' ? 1 : 3} for layout '${layout}'`);
    }
  } else if (isChannels(1)) layout = 'nchw';
  else if (isChannels(3)) layout = 'nhwc';
  else throw described('which has no axis of 1, 3 or 4 channels at position 1 or 3');

  const cAxis = layout === 'nchw' ? 1 : 3;
  const hAxis = layout === 'nchw' ? 2 : 1;
  const wAxis = hAxis + 1;
  const size = (axis: number, what: 'height' | 'width'): number => {
    const given = overrides[what];
    const known = fixed(axis);
    if (given !== undefined && !(Number.isInteger(given) && given > 0)) {
      throw badSpec(`The ${what} ${show(given)} for input '${name}' must be a positive whole number of pixels.`, what);
    }
    if (known !== undefined) {
      if (given !== undefined && given !== known) {
        throw badSpec(`Model input '${name}' ${shapeText} has a fixed ${what} of ${known}, so the ${what} ${given} cannot be used; leave the ${what} option out.`, what);
      }
      return known;
    }
    if (given === undefined) {
      throw badSpec(
        `Model input '${name}' ${shapeText} has a dynamic ${what} (axis ${axis}, '${dimText(dims[axis])}'); give the ${what} in pixels (CLI: --${what} <pixels>).`,
        what,
      );
    }
    return given;
  };
  const height = size(hAxis, 'height');
  const width = size(wAxis, 'width');
  const fixedBatch = fixed(0);
  if (overrides.batch !== undefined && !(Number.isInteger(overrides.batch) && overrides.batch > 0)) {
    throw badSpec(`The batch size ${show(overrides.batch)} for input '${name}' must be a positive whole number.`, 'batch');
  }
  if (fixedBatch !== undefined && overrides.batch !== undefined && overrides.batch !== fixedBatch) {
    throw badSpec(`Model input '${name}' ${shapeText} has a fixed batch of ${fixedBatch}, so batch ${overrides.batch} cannot be used; leave the batch option out.`, 'batch');
  }
  const channels = fixed(cAxis)!;
  const geometry = { name, layout, channels, height, width, batch: fixedBatch ?? overrides.batch ?? 1, elemType };
  if (channels !== 4) return geometry;
  const fourth = overrides.fourthChannel ?? DEFAULT_FOURTH_CHANNEL;
  if (typeof fourth !== 'number' || !Number.isFinite(fourth)) {
    throw badSpec(`The fourth channel value ${show(fourth)} for input '${name}' must be a number, such as 1 (CLI: --fourth-channel <value>).`, 'fourthChannel');
  }
  return { ...geometry, fourthChannel: fourth };
}
