/**
 * `zeropoint quantize --format fp16|int8-weights` as a user runs it (the real CLI, spawned): data-free
 * (no --calib), the report says what was kept in FP32 and why, the fidelity gate runs on --calib
 * images when given, and mistakes are one `zeropoint:` line with nothing written.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGES, model } from '../test/assets';
import { runZeropoint } from '../test/cli-run';
import { decodeModel } from '../workers/core/onnx/decode';
import { DataType } from '../workers/core/onnx/types';
import { formatOfModel } from '../workers/core/export/formats';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zeropoint-format-cli-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('zeropoint quantize --format', () => {
  it('fp16 needs no calibration images: writes a float16 model with float32 I/O and a report of what stayed FP32 and why', async () => {
    const out = join(dir, 'sq.fp16.onnx');
    const report = join(dir, 'sq.fp16.json');
    const r = await runZeropoint(['quantize', model('squeezenet1.1-fp32.onnx'), '--format', 'fp16', '--preprocess', 'caffe', '--out', out, '--report', report]);
    expect(r.stderr).toMatch(/wrote .*sq\.fp16\.onnx: 2\.4\d MB \(50\.\d% of FP32\); FP16: 61\/65 nodes compute in float16/);
    expect(r.stderr).toMatch(/kept FP32: 1 x Softmax: Softmax: its input logits/);
    expect(r.stderr).toMatch(/kept FP32: 1 x Conv: first layer on an input of range \[-123, 151\]/);
    expect(r.stderr).toContain('inputs and outputs of the FP16 model: data_0 float32 -> softmaxout_1 float32');
    expect(r.code).toBe(0);
    const m = decodeModel(new Uint8Array(await readFile(out)));
    expect(formatOfModel(m)).toBe('fp16');
    expect(m.graph!.initializer.filter((t) => t.dataType === DataType.FLOAT16).length).toBeGreaterThan(40);
    const json = JSON.parse(await readFile(report, 'utf8'));
    expect(json.format).toBe('fp16');
    expect(json.sizes.fp16 / json.sizes.fp32).toBeLessThan(0.51);
    const kept = json.nodes.filter((n: { converted: boolean }) => !n.converted);
    expect(kept.every((n: { reason?: string }) => typeof n.reason === 'string' && n.reason.length > 10)).toBe(true);
    expect(json.keptByReason.map((k: { opTypes: string[] }) => k.opTypes.join('/'))).toContain('Softmax');
    expect(json.mapping.length).toBeGreaterThan(60);
  });

  it('int8-weights with --calib runs the fidelity gate on those images and passes', async () => {
    const out = join(dir, 'yunet.w.onnx');
    const spec = join(dir, 'yunet.json');
    await (await import('node:fs/promises')).writeFile(spec, '{"color":"rgb","scale":1,"mean":[0,0,0],"std":[1,1,1],"resize":"stretch","layout":"nchw"}');
    const r = await runZeropoint(['quantize', model('yunet-120x160.onnx'), '--format', 'int8-weights', '--calib', `${IMAGES}/coco-train/images`, '--preprocess', spec, '--out', out]);
    expect(r.stderr).toMatch(/INT8 weights: 43 layers with int8 weights per output channel behind DequantizeLinear/);
    expect(r.stderr).toMatch(/fidelity: FP32 vs INT8 weights on 4 images of the folder/);
    expect(r.stderr).toContain('fidelity: passed');
    expect(r.code).toBe(0);
    const m = decodeModel(new Uint8Array(await readFile(out)));
    expect(formatOfModel(m)).toBe('int8-weights');
    expect(m.graph!.node.filter((n) => n.opType === 'QuantizeLinear')).toHaveLength(0);
  });

  const refusals: ReadonlyArray<{ args: string[]; line: string }> = [
    { args: ['--format', 'fp8'], line: "zeropoint: Unknown --format 'fp8'; use int8, fp16 or int8-weights." },
    { args: ['--format', 'fp16', '--method', 'entropy', '--bias-correction'], line: 'zeropoint: --method, --bias-correction apply to --format int8 only; --format fp16 needs no calibration.' },
    { args: ['--format', 'fp16', '--per-tensor'], line: 'zeropoint: --per-tensor applies to --format int8 and int8-weights (weight scales); fp16 has none.' },
    { args: ['--format', 'int8-weights', '--calib', 'x'], line: 'zeropoint: --calib with --format int8-weights runs the fidelity gate on those images, which needs --preprocess PRESET|SPEC.json.' },
    { args: [], line: "zeropoint: quantize needs --calib DIR (a folder of calibration images); --format fp16 and int8-weights need none." },
  ];
  for (const { args, line } of refusals) {
    it(`refuses ${args.join(' ') || 'int8 without --calib'} in one line, writing nothing`, async () => {
      const out = join(dir, 'refused.onnx');
      const r = await runZeropoint(['quantize', model('mnist.onnx'), ...args, '--out', out]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(line);
      expect(existsSync(out)).toBe(false);
    });
  }
});
