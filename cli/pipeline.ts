/**
 * Node glue between files and the engine, shared by the CLI, the bench and the tests: image folders
 * as calibration sources, preprocessing specs from a preset name or a JSON file, labels CSVs.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { isZeropointError, ZeropointError } from '../workers/core/errors';
import type { CalibrationSource } from '../workers/core/calibration/calibrate';
import { indexGraph } from '../workers/core/graph/graph';
import type { Model } from '../workers/core/onnx/types';
import { imageToTensor } from '../workers/core/preprocess/image';
import { inputGeometry, parseSpecJson, PRESET_NAMES, resolveSpec, type InputGeometry, type PresetName, type PreprocessSpec } from '../workers/core/preprocess/spec';
import { decodeImageFile } from './images';

/** The model's single image input; several data inputs are refused by name. */
export function imageInput(model: Model, source: string, size: { width?: number; height?: number } = {}): InputGeometry {
  const index = indexGraph(model.graph!);
  const inputs = index.dataInputs;
  if (inputs.length !== 1) {
    throw new ZeropointError('not-image-model', `'${source}' has ${inputs.length} inputs (${inputs.map((i) => `'${i.name}'`).join(', ') || 'none'}); Zeropoint calibrates models with one image input.`, { subject: source });
  }
  try {
    return inputGeometry(inputs[0], size);
  } catch (e) {
    // inputGeometry names the input; say which file it is in too.
    if (isZeropointError(e) && e.code === 'not-image-model') {
      throw new ZeropointError('not-image-model', `'${source}' is not an image model: ${e.message.charAt(0).toLowerCase()}${e.message.slice(1)}`, { subject: e.subject, cause: e });
    }
    throw e;
  }
}

/** A preset name, or the path of a JSON spec file. */
export async function loadSpec(presetOrFile: string, geometry: InputGeometry): Promise<PreprocessSpec> {
  if ((PRESET_NAMES as string[]).includes(presetOrFile)) return resolveSpec(presetOrFile as PresetName, { channels: geometry.channels });
  let text: string;
  try {
    text = await readFile(presetOrFile, 'utf8');
  } catch {
    throw new ZeropointError('bad-spec', `Preprocessing '${presetOrFile}' is neither a preset (${PRESET_NAMES.join(', ')}) nor a readable JSON spec file; pass one of those presets or the path of a JSON spec file.`, { subject: presetOrFile });
  }
  return resolveSpec(parseSpecJson(text, presetOrFile), { channels: geometry.channels });
}

/** Images decoded and preprocessed on demand: memory holds one image at a time. */
export function imageFolderSource(files: readonly string[], spec: PreprocessSpec, geometry: InputGeometry): CalibrationSource {
  return {
    count: files.length,
    label: (i) => files[i],
    async feeds(i) {
      const image = await decodeImageFile(files[i]);
      const t = imageToTensor(image, spec, geometry);
      return { [geometry.name]: { type: 'float32', dims: t.dims, data: t.data } };
    },
  };
}

/** LABELS.csv: `file,class-index` lines (a header line is allowed). Keys are file base names. */
export async function readLabels(path: string): Promise<Map<string, number>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ZeropointError('io', `Cannot read labels file '${path}': ${(e as Error).message}.`, { subject: path });
  }
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
