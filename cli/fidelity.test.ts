/** The CLI's fidelity gate: held-out image choice, the warning lines and --strict. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detector, randomSource } from '../workers/core/analysis/fidelity-fixtures';
import type { CalibrationSource } from '../workers/core/calibration/calibrate';
import { checkFidelity, formatFidelity, type CliFidelityOptions } from './fidelity';
import { createNodeRunner } from './runner-node';

let folder = '';
const runner = createNodeRunner({ source: 'fidelity cli test' });
const hint = { fp32: 'det.onnx', int8: 'det int8.onnx', images: 'calib', preprocess: 'yolo' };

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'zp-fidelity-'));
  // The files are listed, never decoded: the source below makes the feeds.
  for (let i = 0; i < 6; i++) await writeFile(join(folder, `img${i}.png`), '');
});
afterAll(() => rm(folder, { recursive: true, force: true }));

function options(patch: Partial<CliFidelityOptions>): CliFidelityOptions & { seen: string[][] } {
  const seen: string[][] = [];
  const source = (files: readonly string[]): CalibrationSource => {
    seen.push(files.map((f) => f.slice(folder.length + 1)));
    const random = randomSource(files.length);
    return { ...random, label: (i) => files[i] };
  };
  return { fp32: detector({ scoreGain: 1 }), int8: detector({ scoreGain: 1 }), runner, folder, used: 2, source, hint, seen, ...patch };
}

describe('cli checkFidelity', () => {
  it('runs the images after the used ones and prints a pass line per output', async () => {
    const o = options({});
    const c = await checkFidelity(o);
    expect(o.seen).toEqual([['img2.png', 'img3.png', 'img4.png', 'img5.png']]);
    expect(c.heldOut).toBe(true);
    const lines = formatFidelity(c);
    expect(lines[0]).toBe("fidelity: FP32 vs INT8 on 4 images held out of calibration ('img2.png', 'img3.png', 'img4.png', 'img5.png'), threshold cosine 0.98");
    expect(lines[1]).toBe("fidelity: output 'out' cosine 1.0000, SQNR inf dB, worst column 0 (of 7) cosine 1.000: ok");
    expect(lines.at(-1)).toBe('fidelity: passed');
  });

  it('warns loudly, naming the output and the column, when the scores are zeroed', async () => {
    const c = await checkFidelity(options({ int8: detector({ scoreGain: 0 }) }));
    expect(c.result.outputs[0].cosine).toBeGreaterThan(0.999);
    const lines = formatFidelity(c);
    expect(lines[1]).toMatch(/^fidelity: WARNING output 'out' cosine 1\.0000, SQNR \d+\.\d dB, worst column [456] \(of 7\) cosine 0\.000, 3 columns below 0\.98: the INT8 model is NOT faithful; see per-layer errors with 'zeropoint compare det\.onnx "det int8\.onnx" --images calib --preprocess yolo'$/);
    expect(lines.at(-1)).toBe("fidelity: FAILED for 'out'; the INT8 model was written anyway (--strict makes this an error)");
  });

  it('says when no image was held out and the last ones were reused', async () => {
    const o = options({ used: 6, images: 2 });
    const c = await checkFidelity(o);
    expect(o.seen).toEqual([['img4.png', 'img5.png']]);
    expect(formatFidelity(c)[0]).toMatch(/^fidelity: FP32 vs INT8 on the last 2 images of the calibration set \(calibration used all of them\) .*the check is optimistic/);
  });

  it('--strict: an unfaithful model is an error naming the output and column', async () => {
    await expect(checkFidelity(options({ int8: detector({ scoreGain: 0 }), strict: true }))).rejects.toMatchObject({
      code: 'unfaithful',
      subject: 'out',
      message: expect.stringMatching(/^The INT8 model is not faithful to FP32 \(--strict\): output 'out' column [456] \(of 7\) cosine 0\.000 below 0\.98 \(3 columns below\) on 4 images held out of calibration; nothing was written\. See per-layer errors with 'zeropoint compare /),
    });
    await expect(checkFidelity(options({ strict: true }))).resolves.toMatchObject({ result: { verdict: { pass: true } } });
  });
});
