/**
 * `zeropoint bench`: the per-node profile, the latency-aware choice and the variants, as a user runs
 * it (the real CLI, onnxruntime-web's WASM in Node). No duration is asserted: the latency-aware ratio
 * is at most 1 by construction (the FP32 model unless a choice was measured faster).
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IMAGES, model } from '../test/assets';
import { runZeropoint } from '../test/cli-run';
import { decodeModel } from '../workers/core/onnx/decode';
import { indexGraph } from '../workers/core/graph/graph';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('zeropoint bench', () => {
  it('SqueezeNet on WASM 1 thread: profile by node and kind, the choice in words, every variant written and timed', async () => {
    const out = await mkdtemp(join(tmpdir(), 'zeropoint-bench-'));
    dirs.push(out);
    const run = await runZeropoint(['bench', model('squeezenet1.1-fp32.onnx'), '--calib', `${IMAGES}/imagenet-calib`, '--limit', '8', '--preprocess', 'caffe', '--out-dir', out, '--json'], { timeoutMs: 300_000 });
    expect(run.stderr).not.toMatch(/^zeropoint: /m);
    expect(run.code).toBe(0);
    const r = JSON.parse(run.stdout) as {
      summary: string;
      isFp32: boolean;
      int8Units: string[];
      variants: Array<{ id: string; ratio: number; bytes: number }>;
      profiles: { int8: Array<{ node: string; kernels: string[]; execution?: string }> };
      written: string[];
    };
    expect(r.summary).toMatch(/^(On WASM 1 thread this model runs fastest with \d+ of \d+ units in INT8|INT8 gains nothing on WASM 1 thread for this model: )/);
    expect(r.variants.map((v) => v.id)).toEqual(['fp32', 'int8', 'latency-aware', 'fp16', 'int8-weights']);
    expect(r.variants[0].ratio).toBe(1);
    expect(r.variants.find((v) => v.id === 'latency-aware')!.ratio).toBeLessThanOrEqual(1);
    expect(r.profiles.int8.filter((n) => n.kernels.includes('QLinearConv')).length).toBe(26);
    expect((await readdir(out)).sort()).toEqual(['squeezenet1.1-fp32.fp16.onnx', 'squeezenet1.1-fp32.int8.onnx', 'squeezenet1.1-fp32.int8w.onnx', 'squeezenet1.1-fp32.latency-aware.onnx']);
    // The latency-aware model written is what the choice says: its INT8 convs read int8 weights.
    const la = decodeModel(new Uint8Array(await readFile(join(out, 'squeezenet1.1-fp32.latency-aware.onnx'))));
    const index = indexGraph(la.graph!);
    const int8Convs = la.graph!.node.filter((n) => n.opType === 'Conv' && index.producer.get(n.input[1])?.node.opType === 'DequantizeLinear').map((n) => n.name);
    const chosenConvs = r.int8Units.filter((u) => u.startsWith('Conv'));
    expect(int8Convs.sort()).toEqual(chosenConvs.sort());
    if (r.isFp32) expect(la.graph!.node.some((n) => n.opType === 'QuantizeLinear')).toBe(false);
  }, 320_000);

  for (const [args, message] of [
    [['--provider', 'webgpu'], /^zeropoint: Unknown --provider "webgpu"; use wasm .* or cpu .*WebGPU is profiled in the workbench's Compare step\.$/m],
    [['--threads', '0'], /^zeropoint: --threads '0' must be a whole number from 1 to 64\.$/m],
    [['--out-dir', '/nonexistent/folder'], /^zeropoint: --out-dir '\/nonexistent\/folder' is not a folder; create it first\.$/m],
  ] as const) {
    it(`refuses ${args.join(' ')} in one line`, async () => {
      const run = await runZeropoint(['bench', model('squeezenet1.1-fp32.onnx'), '--calib', `${IMAGES}/imagenet-calib`, '--preprocess', 'caffe', ...args]);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toMatch(message);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    });
  }
});
