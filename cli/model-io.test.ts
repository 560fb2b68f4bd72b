import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeModel, decodeTensor } from '../workers/core/onnx/decode';
import { encodeModel } from '../workers/core/onnx/encode';
import { tensorProtoToRunner, tensorToArray } from '../workers/core/onnx/tensor';
import { DataType, type Model, type TensorProto } from '../workers/core/onnx/types';
import type { RunnerTensor } from '../workers/core/runner';
import { readModelFile } from './model-io';
import { createNodeRunner } from './runner-node';

const ASSETS = fileURLToPath(new URL('../../shared/assets', import.meta.url));
const MNIST = join(ASSETS, 'models/mnist.onnx');
const MNIST_INPUT = join(ASSETS, 'testvectors/mnist_zoo/test_data_set_0/input_0.pb');

/**
 * Test helper: moves the float initializers' data into one external file, the way onnx's
 * convert_model_to_external_data does (raw little-endian bytes, offsets aligned to 16 here). The int64
 * shape tensors stay inline, as there (size threshold): onnxruntime's shape inference cannot read a
 * Reshape's shape from external data. Returns the data file's bytes; the model is changed in place.
 */
function moveInitializersToExternalData(model: Model, location: string): Uint8Array {
  const chunks: Array<{ t: TensorProto; bytes: Uint8Array; offset: number }> = [];
  let size = 0;
  for (const t of model.graph!.initializer) {
    if (t.dataType !== DataType.FLOAT) continue;
    const a = tensorToArray(t);
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    size = Math.ceil(size / 16) * 16;
    chunks.push({ t, bytes, offset: size });
    size += bytes.length;
  }
  const file = new Uint8Array(size);
  for (const { t, bytes, offset } of chunks) {
    file.set(bytes, offset);
    t.rawData = undefined;
    t.floatData = undefined;
    t.int32Data = undefined;
    t.int64Data = undefined;
    t.doubleData = undefined;
    t.dataLocation = 1;
    t.externalData = [
      { key: 'location', value: location },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(bytes.length) },
    ];
  }
  return file;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zeropoint-model-io-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes mnist with external weights under `dir/name/`, with `mutate` applied to the model first. */
async function writeExternalMnist(name: string, options: { location?: string; writeData?: boolean; mutate?: (m: Model) => void } = {}): Promise<string> {
  const folder = join(dir, name);
  await mkdir(folder, { recursive: true });
  const model = decodeModel(new Uint8Array(await readFile(MNIST)));
  const data = moveInitializersToExternalData(model, options.location ?? 'weights.bin');
  options.mutate?.(model);
  const path = join(folder, 'model.onnx');
  await writeFile(path, encodeModel(model));
  if (options.writeData ?? true) {
    const file = join(folder, options.location ?? 'weights.bin');
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, data);
  }
  return path;
}

async function runMnist(bytes: Uint8Array | string): Promise<Float32Array> {
  const input = tensorProtoToRunner(decodeTensor(new Uint8Array(await readFile(MNIST_INPUT))));
  if (typeof bytes === 'string') {
    // onnxruntime itself, resolving external data from the path: checks the test helper writes valid ONNX
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, graphOptimizationLevel: 'disabled' });
    const out = await session.run({ Input3: new ort.Tensor('float32', input.data as Float32Array, [...input.dims]) });
    await session.release();
    return out.Plus214_Output_0.data as Float32Array;
  }
  const session = await createNodeRunner().createSession(bytes, { threads: 1, optimization: 'disabled' });
  const out: Record<string, RunnerTensor> = await session.run({ Input3: input });
  await session.release();
  return out.Plus214_Output_0.data as Float32Array;
}

describe('readModelFile', () => {
  it('reads a plain model', async () => {
    const loaded = await readModelFile(MNIST);
    expect(loaded.path).toBe(MNIST);
    expect(loaded.externalFiles).toEqual([]);
    expect(loaded.bytes.length).toBe((await readFile(MNIST)).length);
    expect(loaded.model.graph!.initializer).toHaveLength(8);
  });

  it('attaches external data: the loaded model gives the same outputs as the original', async () => {
    const path = await writeExternalMnist('ok');
    const loaded = await readModelFile(path);
    expect(loaded.externalFiles).toEqual([join(dir, 'ok', 'weights.bin')]);
    expect(loaded.bytes.length).toBeLessThan((await readFile(MNIST)).length - 20_000); // the weights really moved out
    const moved = loaded.model.graph!.initializer.filter((t) => t.dataType === DataType.FLOAT);
    expect(moved).toHaveLength(6);
    for (const t of moved) {
      expect(t.dataLocation).toBeUndefined();
      expect(t.externalData).toBeUndefined();
      expect(t.rawData).toBeDefined();
    }
    const original = await runMnist(new Uint8Array(await readFile(MNIST)));
    const fromExternal = await runMnist(encodeModel(loaded.model));
    expect(Array.from(fromExternal)).toEqual(Array.from(original));
    // and onnxruntime agrees that the helper wrote a valid external-data model
    expect(Array.from(await runMnist(path))).toEqual(Array.from(original));
  });

  it('finds data files in a subfolder of the model folder', async () => {
    const path = await writeExternalMnist('sub', { location: 'data/weights.bin' });
    const loaded = await readModelFile(path);
    expect(loaded.externalFiles).toEqual([join(dir, 'sub', 'data', 'weights.bin')]);
  });

  it('names the missing data file and the tensor that needs it', async () => {
    const path = await writeExternalMnist('missing', { writeData: false });
    await expect(readModelFile(path)).rejects.toMatchObject({
      code: 'external-data',
      message: `Model '${path}' needs external data file 'weights.bin' for initializer 'Parameter193'. Drop or select it together with the model.`,
    });
  });

  it('rejects an offset past the end of the data file', async () => {
    const path = await writeExternalMnist('offset', {
      mutate: (m) => {
        m.graph!.initializer[0].externalData![1].value = '1000000';
      },
    });
    await expect(readModelFile(path)).rejects.toMatchObject({ code: 'external-data', message: expect.stringMatching(/reads bytes 1000000\.\.\d+ of 'weights\.bin' for initializer 'Parameter193', but that file has only \d+ bytes/) });
  });

  it("refuses a location that leaves the model's folder", async () => {
    // a real file at ../evil, so only the check can stop it
    await writeFile(join(dir, 'evil'), new Uint8Array(100_000));
    const path = await writeExternalMnist('escape', { location: '../evil', writeData: false });
    await expect(readModelFile(path)).rejects.toMatchObject({ code: 'external-data', message: expect.stringContaining("refers to external data file '../evil' for initializer 'Parameter193', which is outside the model's folder") });
  });

  it('turns file system errors into io errors naming the path', async () => {
    const missing = join(dir, 'nope.onnx');
    await expect(readModelFile(missing)).rejects.toMatchObject({ code: 'io', subject: missing, message: `Cannot read model file '${missing}': there is no such file; check the path.` });
    await expect(readModelFile(dir)).rejects.toMatchObject({ code: 'io', message: `Cannot read model file '${dir}': it is a folder, not a file; pass the .onnx file inside it.` });
    // a data file location that is a folder
    const path = await writeExternalMnist('folder', { writeData: false });
    await mkdir(join(dir, 'folder', 'weights.bin'));
    await expect(readModelFile(path)).rejects.toMatchObject({ code: 'refused-file', message: `External data file 'weights.bin' of '${path}' is a directory, not a regular file; external data must be a regular file next to the model.` });
  });

  it('reports a file that is not a model as not-onnx', async () => {
    const path = join(dir, 'text.onnx');
    await writeFile(path, 'not a model at all');
    await expect(readModelFile(path)).rejects.toMatchObject({ code: 'not-onnx' });
  });
});
