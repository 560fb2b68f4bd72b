/**
 * Inputs as they come (issue 9 item 4), through the CLI as a user runs it (`node cli/bin.mjs`):
 * DEIMv2 (an image plus orig_target_sizes int64 [N,2]) and M-LSD (4-channel NHWC: RGB plus a channel of
 * ones) quantized from a few coco-train images, then each INT8 model run in onnxruntime-node against its
 * FP32 original on images it did not calibrate on, every feed given.
 *
 * DEIMv2 is quantized --per-tensor: with per-channel weights (the default) the engine writes
 * QLinearMatMul nodes (decoder integral MatMuls) whose weight zero point onnxruntime refuses at run time
 * (a workers/core/quant issue). Its outputs are sorted queries, so cosine is reported, not asserted.
 * M-LSD's graph divides by 127.5 and subtracts 1 itself: its input is raw 0..255 RGB (preset raw), not
 * the MANIFEST's normalized spec, which would normalize twice; judged on its score map (Identity_2).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeModel } from '../workers/core/onnx/decode';
import { runnerTensorToFloat32 } from '../workers/core/onnx/tensor';
import type { Feeds, RunnerTensor } from '../workers/core/runner';
import { listImages } from './images';
import { feedPlanOf, imageFolderSource, loadSpec } from './pipeline';
import { createNodeRunner } from './runner-node';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'cli/bin.mjs');
const MODELS = '../shared/assets/models';
const COCO = '../shared/assets/images/coco-train/images';
const DEIM = `${MODELS}/deimv2-femto-416.onnx`;
const MLSD = `${MODELS}/mlsd-tiny-512.onnx`;
const DEIM_SPEC = '{"color":"rgb","scale":0.00392156862745098,"mean":[0,0,0],"std":[1,1,1],"resize":"stretch","layout":"nchw"}';

function zeropoint(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env.ZEROPOINT_DEBUG;
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 100_000 });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => done({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa === 0 && bb === 0 ? 1 : dot / Math.sqrt(aa * bb);
}

const runner = createNodeRunner({ source: 'inputs.test' });

/** FP32 and INT8 on the same feeds: the cosine of each output over the images, concatenated. */
async function agreement(fp32Path: string, int8Path: string, feedList: readonly Feeds[]): Promise<Record<string, number>> {
  const sessions = await Promise.all([fp32Path, int8Path].map(async (p) => runner.createSession(new Uint8Array(await readFile(resolve(ROOT, p))))));
  const outs: Record<string, RunnerTensor>[][] = [[], []];
  try {
    for (const f of feedList) for (let k = 0; k < 2; k++) outs[k].push(await sessions[k].run(f));
  } finally {
    await Promise.all(sessions.map((s) => s.release()));
  }
  const result: Record<string, number> = {};
  for (const name of Object.keys(outs[0][0])) {
    expect([...outs[1][0][name].dims], name).toEqual([...outs[0][0][name].dims]);
    const cat = (k: number) => Float32Array.from(outs[k].flatMap((o) => Array.from(runnerTensorToFloat32(o[name]))));
    result[name] = cosine(cat(0), cat(1));
  }
  return result;
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'zeropoint-inputs-'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('two-input DETR: DEIMv2 with orig_target_sizes', () => {
  it('quantizes with the default orig_target_sizes (said in a note) and with --input, and the INT8 model runs with both feeds', async () => {
    const out = join(tmp, 'deim.int8.onnx');
    const spec = join(tmp, 'deim.json');
    await import('node:fs/promises').then((fs) => fs.writeFile(spec, DEIM_SPEC));
    const run = await zeropoint('quantize', DEIM, '--calib', COCO, '--limit', '4', '--preprocess', spec, '--per-tensor', '--out', out);
    expect(run.stderr).not.toMatch(/^zeropoint: /m);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("note: input 'orig_target_sizes' is fed [[416,416]] (the network input's size as [width, height], for boxes in input pixels)");
    expect(run.stderr).toContain('inputs and outputs of the INT8 model: images float32, orig_target_sizes int64 -> labels int64, boxes float32, scores float32');

    const given = await zeropoint('quantize', DEIM, '--calib', COCO, '--limit', '2', '--preprocess', spec, '--per-tensor', '--input', 'orig_target_sizes=[[416,416]]', '--image-input', 'images', '--out', join(tmp, 'deim2.int8.onnx'));
    expect(given.code, given.stderr).toBe(0);
    expect(given.stderr).not.toContain("note: input 'orig_target_sizes'");

    const int8 = decodeModel(new Uint8Array(await readFile(out)), { source: out });
    const plan = feedPlanOf(int8, 'deim.int8.onnx');
    const files = (await listImages(resolve(ROOT, COCO))).slice(8, 10);
    const source = imageFolderSource(files, await loadSpec(spec, plan.image), plan);
    const feedList = [await source.feeds(0), await source.feeds(1)];
    expect(feedList[0].orig_target_sizes).toMatchObject({ type: 'int64', dims: [1, 2] });
    const cos = await agreement(DEIM, out, feedList);
    expect(Object.keys(cos).sort()).toEqual(['boxes', 'labels', 'scores']);
    console.log(`DEIMv2 INT8 (per-tensor, 4 calibration images) vs FP32 on 2 images, cosine (sorted queries: not a quality measure): ${Object.entries(cos).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}`);
  });

  it('refuses a malformed or unknown --input, naming the input', async () => {
    const bad = await zeropoint('quantize', DEIM, '--calib', COCO, '--limit', '1', '--preprocess', 'unit', '--input', 'orig_target_sizes=[[416,416', '--out', join(tmp, 'x.onnx'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe("zeropoint: The value '[[416,416' for input 'orig_target_sizes' is neither a number nor a JSON array of numbers; write it like --input orig_target_sizes=[[416,416]] or a single number.\n");
    const shape = await zeropoint('quantize', DEIM, '--calib', COCO, '--limit', '1', '--preprocess', 'unit', '--input', 'orig_target_sizes=[416,416]', '--out', join(tmp, 'x.onnx'));
    expect(shape.stderr).toBe("zeropoint: Input 'orig_target_sizes' [?,2]: the value has 1 level of arrays where the input has 2 axes; give it with --input orig_target_sizes=VALUE.\n");
    const unknown = await zeropoint('quantize', DEIM, '--calib', COCO, '--limit', '1', '--preprocess', 'unit', '--input', 'sizes=1', '--out', join(tmp, 'x.onnx'));
    expect(unknown.stderr).toBe("zeropoint: A value is given for input 'sizes', which the model does not have; its inputs are 'images', 'orig_target_sizes'.\n");
    const notImage = await zeropoint('quantize', DEIM, '--calib', COCO, '--limit', '1', '--preprocess', 'unit', '--image-input', 'orig_target_sizes', '--out', join(tmp, 'x.onnx'));
    expect(notImage.stderr).toBe(
      "zeropoint: 'deimv2-femto-416.onnx' is not an image model: model input 'orig_target_sizes' is int64 [unk__383,2], not float, float16 or uint8; Zeropoint needs a float or uint8 image input shaped N,C,H,W or N,H,W,C with 1, 3 or 4 channels.\n",
    );
  });
});

describe('4-channel NHWC: M-LSD with a fourth channel of ones', () => {
  it('quantizes (the fourth channel 1 by default) and its score map agrees with FP32', async () => {
    const out = join(tmp, 'mlsd.int8.onnx');
    const run = await zeropoint('quantize', MLSD, '--calib', COCO, '--limit', '8', '--preprocess', 'raw', '--out', out);
    expect(run.stderr).not.toMatch(/^zeropoint: /m);
    expect(run.code).toBe(0);
    const int8 = decodeModel(new Uint8Array(await readFile(out)), { source: out });
    const plan = feedPlanOf(int8, 'mlsd.int8.onnx');
    expect(plan.image).toMatchObject({ layout: 'nhwc', channels: 4, fourthChannel: 1, height: 512, width: 512 });
    const files = (await listImages(resolve(ROOT, COCO))).slice(8, 12);
    const source = imageFolderSource(files, await loadSpec('raw', plan.image), plan);
    const feedList: Feeds[] = [];
    for (let i = 0; i < source.count; i++) feedList.push(await source.feeds(i));
    const x = feedList[0]['input_image_with_alpha:0'];
    expect(x.dims).toEqual([1, 512, 512, 4]);
    expect((x.data as Float32Array)[3]).toBe(1);
    const cos = await agreement(MLSD, out, feedList);
    console.log(`M-LSD INT8 (8 calibration images) vs FP32 on 4 images, cosine: ${Object.entries(cos).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}`);
    expect(cos.Identity_2, 'score map').toBeGreaterThanOrEqual(0.85);

    const other = await zeropoint('quantize', MLSD, '--calib', COCO, '--limit', '1', '--preprocess', 'raw', '--fourth-channel', 'one', '--out', join(tmp, 'y.onnx'));
    expect(other.stderr).toBe("zeropoint: --fourth-channel 'one' must be a number, such as 1.\n");
  });
});
