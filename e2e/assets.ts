/**
 * Node-side helpers for the e2e specs: the shared real assets (../shared/assets, read-only), temporary
 * folders for files a spec builds, and onnxruntime-node runs that check what the page produced.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { decodeImageFile } from '../cli/images';
import { DataType } from '../workers/core/onnx/types';
import { imageToTensor } from '../workers/core/preprocess/image';
import { resolveSpec, type InputGeometry, type PresetName } from '../workers/core/preprocess/spec';

export const ASSETS = resolve(import.meta.dirname, '../../shared/assets');
export const MODELS = join(ASSETS, 'models');
export const IMAGES = join(ASSETS, 'images');
export const CALIB = join(IMAGES, 'imagenet-calib');

export const model = (name: string): string => join(MODELS, name);

if (!existsSync(ASSETS)) throw new Error(`Test assets not found at ${ASSETS}: clone the project with ../shared beside it.`);

/** `count` images of imagenet-calib spread over the (sorted) folder, so they span many classes. */
export async function calibImages(count: number, offset = 0): Promise<string[]> {
  const all = (await readdir(CALIB)).filter((f) => /\.jpe?g$/i.test(f)).sort();
  const step = Math.max(1, Math.floor(all.length / count));
  return Array.from({ length: count }, (_, i) => join(CALIB, all[(offset + i * step) % all.length]));
}

/** A fresh temporary folder; `dispose` removes it. */
export async function tempDir(prefix: string): Promise<{ path: string; dispose: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `zeropoint-e2e-${prefix}-`));
  return { path, dispose: () => rm(path, { recursive: true, force: true }) };
}

export async function copyInto(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  await copyFile(from, to);
}

/** Index of the highest score in the first output. */
async function top1(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>): Promise<number> {
  const out = await session.run(feeds);
  const scores = out[session.outputNames[0]].data as Float32Array;
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
  return best;
}

/**
 * Runs two models (paths or bytes) on the same images in onnxruntime-node, preprocessed by the engine
 * exactly as the page does, and returns how many top-1 classes agree.
 */
export async function top1Agreement(options: {
  reference: string | Uint8Array;
  test: string | Uint8Array;
  images: readonly string[];
  preset: PresetName;
  channels: number;
  size: number;
}): Promise<{ agree: number; total: number; inputNames: { reference: readonly string[]; test: readonly string[] } }> {
  const open = (m: string | Uint8Array) => (typeof m === 'string' ? ort.InferenceSession.create(m) : ort.InferenceSession.create(m));
  const [reference, test] = [await open(options.reference), await open(options.test)];
  try {
    const geometry: InputGeometry = { name: reference.inputNames[0], layout: 'nchw', channels: options.channels, height: options.size, width: options.size, batch: 1, elemType: DataType.FLOAT };
    const spec = resolveSpec(options.preset, { channels: options.channels });
    let agree = 0;
    for (const file of options.images) {
      const tensor = imageToTensor(await decodeImageFile(file), spec, geometry);
      const feeds = (s: ort.InferenceSession) => ({ [s.inputNames[0]]: new ort.Tensor('float32', tensor.data, tensor.dims) });
      if ((await top1(reference, feeds(reference))) === (await top1(test, feeds(test)))) agree++;
    }
    return { agree, total: options.images.length, inputNames: { reference: reference.inputNames, test: test.inputNames } };
  } finally {
    await reference.release();
    await test.release();
  }
}

/** Input and output element types of a model as onnxruntime-node reads them ('float32', 'float16', ...). */
export async function ioTypes(bytes: Uint8Array): Promise<{ inputs: string[]; outputs: string[] }> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const type = (m: ort.InferenceSession.ValueMetadata) => (m.isTensor ? m.type : 'non-tensor');
    return { inputs: session.inputMetadata.map(type), outputs: session.outputMetadata.map(type) };
  } finally {
    await session.release();
  }
}
