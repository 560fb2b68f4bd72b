/**
 * Node glue between files and the engine, shared by the CLI, the bench and the tests: image folders
 * as calibration sources, preprocessing specs from a preset name or a JSON file, labels CSVs.
 */
import { basename } from 'node:path';
import { isZeropointError, ZeropointError } from '../workers/core/errors';
import { readInputFile } from '../workers/core/intake/files';
import { DEFAULT_LIMITS } from '../workers/core/intake/limits';
import { quote } from '../workers/core/intake/names';
import type { CalibrationSource } from '../workers/core/calibration/calibrate';
import { indexGraph } from '../workers/core/graph/graph';
import type { Model } from '../workers/core/onnx/types';
import { imageFeed } from '../workers/core/preprocess/image';
import { constantFeeds, feedPlan, type FeedChoices, type FeedPlan } from '../workers/core/preprocess/feeds';
import { inputGeometry, parseSpecJson, PRESET_NAMES, resolveSpec, type InputGeometry, type PresetName, type PreprocessSpec } from '../workers/core/preprocess/spec';
import { nodeFileHost } from './fs-host';
import { decodeImageFile, type DecodeImageOptions } from './images';

const textDecoder = new TextDecoder('utf-8');

/** A small text file the user named (a spec, labels): a regular file within the text limit. */
export async function readTextFile(path: string, what: string): Promise<string> {
  return textDecoder.decode(await readInputFile(nodeFileHost, path, { what, maxBytes: DEFAULT_LIMITS.maxTextBytes }));
}

/** Names the file in an input's 'not-image-model' message (the core messages name the input only). */
function inFile<T>(source: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (isZeropointError(e) && e.code === 'not-image-model') {
      throw new ZeropointError('not-image-model', `'${source}' is not an image model: ${e.message.charAt(0).toLowerCase()}${e.message.slice(1)}`, { subject: e.subject, cause: e });
    }
    throw e;
  }
}

function checkSize(geometry: InputGeometry, source: string): void {
  const values = geometry.channels * geometry.height * geometry.width;
  if (values > DEFAULT_LIMITS.maxTensorElements) {
    throw new ZeropointError('too-large', `Input ${quote(geometry.name)} of ${quote(source)} would be ${geometry.channels}x${geometry.height}x${geometry.width} (${values.toExponential(2)} values), more than the ${DEFAULT_LIMITS.maxTensorElements.toLocaleString('en-US')} Zeropoint feeds; give a smaller --width/--height.`, { subject: geometry.name });
  }
}

/**
 * What the model is fed: its image input (the named one, or the single rank-4 float/uint8 input) and a
 * constant for each other input, from `choices.values` (--input NAME=VALUE) or the default its name
 * implies (feeds.ts). Throws naming the file and the input.
 */
export function feedPlanOf(model: Model, source: string, choices: FeedChoices = {}): FeedPlan {
  const inputs = indexGraph(model.graph!).dataInputs;
  if (inputs.length === 0) throw new ZeropointError('not-image-model', `'${source}' has no inputs; Zeropoint calibrates models with an image input.`, { subject: source });
  const plan = inFile(source, () => feedPlan(inputs, choices));
  checkSize(plan.image, source);
  return plan;
}

/** The model's single image input; a model with other inputs is refused by name (see feedPlanOf). */
export function imageInput(model: Model, source: string, size: { width?: number; height?: number } = {}): InputGeometry {
  const index = indexGraph(model.graph!);
  const inputs = index.dataInputs;
  if (inputs.length !== 1) {
    throw new ZeropointError('not-image-model', `'${source}' has ${inputs.length} inputs (${inputs.map((i) => `'${i.name}'`).join(', ') || 'none'}); Zeropoint calibrates models with one image input.`, { subject: source });
  }
  const geometry = inFile(source, () => inputGeometry(inputs[0], size));
  checkSize(geometry, source);
  return geometry;
}

/** The preset names, for usage and messages. */
export const PRESETS_TEXT = PRESET_NAMES.join(', ');

export const isPreset = (value: string): value is PresetName => (PRESET_NAMES as string[]).includes(value);

/** A preset name, or the path of a JSON spec file. */
export async function loadSpec(presetOrFile: string, geometry: InputGeometry): Promise<PreprocessSpec> {
  if (isPreset(presetOrFile)) return resolveSpec(presetOrFile as PresetName, { channels: geometry.channels, layout: geometry.layout });
  let text: string;
  try {
    text = await readTextFile(presetOrFile, 'spec file');
  } catch (e) {
    // A file that is there but refused (a device, too large) says so; anything else is a mistyped preset or path.
    if (isZeropointError(e) && e.code !== 'io') throw e;
    throw new ZeropointError('bad-spec', `Preprocessing '${presetOrFile}' is neither a preset (${PRESET_NAMES.join(', ')}) nor a readable JSON spec file; pass one of those presets or the path of a JSON spec file.`, { subject: presetOrFile });
  }
  return resolveSpec(parseSpecJson(text, presetOrFile), { channels: geometry.channels, layout: geometry.layout });
}

/**
 * Images decoded and preprocessed on demand: memory holds one image at a time. Given a feed plan, its
 * constants are fed with every image.
 */
export function imageFolderSource(files: readonly string[], spec: PreprocessSpec, feeds: InputGeometry | FeedPlan, decode: DecodeImageOptions = {}): CalibrationSource {
  const plan: FeedPlan = 'image' in feeds ? feeds : { image: feeds, constants: [], notes: [] };
  const geometry = plan.image;
  return {
    count: files.length,
    label: (i) => files[i],
    async feeds(i) {
      const image = await decodeImageFile(files[i], decode);
      return { ...constantFeeds(plan.constants), [geometry.name]: imageFeed(image, spec, geometry) };
    },
  };
}

/** LABELS.csv: `file,class-index` lines (a header line is allowed). Keys are file base names. */
export async function readLabels(path: string): Promise<Map<string, number>> {
  const text = await readTextFile(path, 'labels file');
  const labels = new Map<string, number>();
  text.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) return;
    const [file, cls] = trimmed.split(',').map((s) => s.trim());
    const value = Number(cls);
    if (!Number.isInteger(value) || value < 0) {
      if (i === 0) return; // header
      throw new ZeropointError('bad-labels', `Line ${i + 1} of '${path}' is '${trimmed}'; expected 'file,class-index' with a whole number.`, { subject: path });
    }
    labels.set(basename(file), value);
  });
  if (labels.size === 0) throw new ZeropointError('bad-labels', `'${path}' has no 'file,class-index' lines.`, { subject: path });
  return labels;
}
