/**
 * Bias correction in the workbench, on the embedded sample: the switch in Quantize, what the build
 * reports, that the downloaded model's int32 biases really moved by the reported shift (read in Node
 * with the engine's decoder), and the per-layer offset Compare shows. Learn mode's lesson 7 links to
 * the switch (learn.spec.ts).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { decodeModel } from '../workers/core/onnx/decode';
import { tensorToArray } from '../workers/core/onnx/tensor';
import type { Model, TensorProto } from '../workers/core/onnx/types';
import { expect, note, ROOT, test } from './fixtures';

interface Report {
  options: { biasCorrection?: boolean };
  biasCorrection: { corrected: number; added: number; skipped: unknown[] } | null;
  biases: Array<{ name: string; node: string; shift?: number[] }>;
}

function initializers(model: Model): Map<string, TensorProto> {
  return new Map(model.graph!.initializer.map((t) => [t.name ?? '', t]));
}

test('bias correction: switch, report, corrected int32 biases in the download, offsets in Compare', async ({ workbench, page }) => {
  const manifest = JSON.parse(await readFile(resolve(ROOT, 'public/samples/manifest.json'), 'utf8')) as { model: string };
  const fp32 = decodeModel(new Uint8Array(await readFile(resolve(ROOT, 'public/samples', manifest.model))));
  // Every Conv of the sample has a constant bias: each one is corrected.
  const convsWithBias = fp32.graph!.node.filter((n) => n.opType === 'Conv' && n.input[2]).length;
  expect(convsWithBias).toBeGreaterThan(20);

  await workbench.goto();
  await workbench.openSample();
  await workbench.calibrate();
  const quantize = workbench.step('quantize');

  await workbench.buildInt8();
  await expect(quantize.getByTestId('bias-correction-result')).toHaveCount(0);
  const plain = decodeModel(new Uint8Array((await workbench.download('download-int8')).bytes));

  // The switch makes the built model stale; the next build is corrected.
  await workbench.setBiasCorrection(true);
  await expect(page.getByTestId('quantize-result')).toHaveCount(0);
  await workbench.buildInt8();
  await expect(quantize.getByTestId('quantize-summary')).toContainText('bias correction');
  await expect(quantize.getByTestId('bias-correction-summary')).toContainText(`Bias correction: ${convsWithBias} bias(es) corrected`);
  await expect(quantize.getByTestId('bias-shift-chart').locator('.recharts-bar-rectangle')).toHaveCount(convsWithBias);
  await workbench.screenshot('quantize-bias-correction', 'quantize');

  const report = JSON.parse((await workbench.download('download-report')).bytes.toString('utf8')) as Report;
  expect(report.options.biasCorrection).toBe(true);
  expect(report.biasCorrection).toEqual({ corrected: convsWithBias, added: 0, skipped: [] });
  const corrected = decodeModel(new Uint8Array((await workbench.download('download-int8')).bytes));

  // int32 bias = round((b - shift) / s) against round(b / s): they differ by -shift/s, give or take one
  // rounding step each, in every channel of every corrected layer.
  const before = initializers(plain);
  const after = initializers(corrected);
  let moved = 0;
  let channels = 0;
  for (const b of report.biases) {
    const qa = tensorToArray(after.get(`${b.name}_quantized`)!) as Int32Array;
    const qb = tensorToArray(before.get(`${b.name}_quantized`)!) as Int32Array;
    const scales = tensorToArray(after.get(`${b.name}_scale`)!) as Float32Array;
    expect(b.shift!.length).toBe(qa.length);
    for (let c = 0; c < qa.length; c++) {
      const s = scales.length === 1 ? scales[0] : scales[c];
      expect(Math.abs((qa[c] - qb[c]) * s + b.shift![c])).toBeLessThanOrEqual(1.0001 * s);
      if (qa[c] !== qb[c]) moved++;
      channels++;
    }
  }
  note('int32 bias values moved by bias correction', `${moved} of ${channels}`);
  expect(moved).toBeGreaterThan(channels / 10);

  // Compare: each layer's offset share (the error bias correction targets).
  await workbench.compare();
  const table = workbench.step('compare').getByTestId('layer-errors');
  await expect(table.locator('tbody tr:not(.spacer)').first().locator('td').nth(7)).toHaveText(/^\d+(\.\d+)?%$/);
  await expect(page.getByTestId('layer-detail').getByTestId('layer-offset')).toHaveText(/^\d+(\.\d+)?%$/);
  await expect(workbench.alerts()).toHaveCount(0);
});
