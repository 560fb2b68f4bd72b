/**
 * `zeropoint compare --labels DIR`: a folder of YOLO label files scores detectors, FP32 and INT8 side by
 * side, as a user runs it (node cli/bin.mjs spawned from the repository root). The lead's protocol:
 * lw-person-det-192 calibrated on the first 64 coco-train images (by name) and scored on the other 64
 * (copied to a temporary folder, since an image folder is taken whole). ../shared is only read.
 */
import { mkdtempSync } from 'node:fs';
import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runZeropoint, type Run } from '../test/cli-run';

const MODELS = '../shared/assets/models';
const COCO = '../shared/assets/images/coco-train';
const LW = `${MODELS}/lw-person-det-192.onnx`;
const LW_SPEC = JSON.stringify({ color: 'bgr', scale: 1, mean: [0, 0, 0], std: [1, 1, 1], resize: 'letterbox', pad: 114, align: 'top-left', layout: 'nchw' });

const tmp = mkdtempSync(join(tmpdir(), 'zeropoint-detect-'));
const evalDir = join(tmp, 'eval');
const spec = join(tmp, 'lw.json');
const int8 = join(tmp, 'lw.int8.onnx');
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const zeropoint = (...args: string[]) => runZeropoint(args, { timeoutMs: 300_000 });
/** compare on 64 images computes every layer's error too: about 50 s on a busy two-core machine. */
const SLOW = 300_000;
const errorLine = (run: Run) => run.stderr.split('\n').find((l) => l.startsWith('zeropoint: '));

describe('compare --labels DIR on the YOLOX-style person detector', () => {
  let quantized: Run;
  beforeAll(async () => {
    await writeFile(spec, LW_SPEC);
    await mkdir(evalDir);
    const names = (await readdir(`${COCO}/images`)).sort();
    for (const name of names.slice(names.length - 64)) await copyFile(`${COCO}/images/${name}`, join(evalDir, name));
    quantized = await zeropoint('quantize', LW, '--calib', `${COCO}/images`, '--limit', '64', '--preprocess', spec, '--out', int8);
  }, SLOW);

  it('prints FP32 and INT8 AP50 / AP50-95 and the drop, with the decoder and why', async () => {
    expect(quantized.code).toBe(0);
    const run = await zeropoint('compare', LW, int8, '--images', evalDir, '--labels', `${COCO}/labels`, '--preprocess', spec, '--classes', 'person');
    expect(errorLine(run)).toBeUndefined();
    expect(run.code).toBe(0);
    const out = run.stdout;
    console.log(out.slice(out.indexOf('detection:')));
    expect(out).toMatch(/^detection: decoder yolox \(from the outputs: 'output': 756 rows = 24x24 \+ 12x12 \+ 6x6 cells of strides 8\/16\/32 at 192x192/m);
    expect(out).toMatch(/^ {2}64 images, 115 labelled objects in 1 class; classes 0 -> person$/m);
    // The engine's own figure (models.test.ts): the CLI maps boxes through the same placement.
    expect(out).toMatch(/^ {2}FP32 {2}AP50 0\.493 {2}AP50-95 0\.286$/m);
    const int8Ap = Number(/^ {2}INT8 {2}AP50 ([\d.]+)/m.exec(out)![1]);
    const drop = Number(/^ {2}drop {2}AP50 (-?[\d.]+)/m.exec(out)![1]);
    expect(int8Ap).toBeGreaterThan(0.2);
    expect(drop).toBeCloseTo(0.493 - int8Ap, 2);
    // A detector's outputs are not class scores: no top-1 agreement line.
    expect(out).not.toMatch(/top-1 agreement/);
    expect(run.stderr).toMatch(/^note: 1 of 64 images? ha(s|ve) no label file in '\.\.\/shared\/assets\/images\/coco-train\/labels' and count as images with no objects/m);
  }, SLOW);

  it('--json carries both evaluations, the drop and the decoder; per class without the raw matches', async () => {
    const run = await zeropoint('compare', LW, int8, '--images', evalDir, '--labels', `${COCO}/labels`, '--preprocess', spec, '--classes', '0', '--decoder', 'yolox', '--json');
    expect(errorLine(run)).toBeUndefined();
    const r = JSON.parse(run.stdout);
    expect(r.agreement).toBeNull();
    expect(r.detection.decoder).toMatchObject({ decoder: 'yolox', chosenBy: 'name', classes: 1 });
    expect(r.detection.classMap).toEqual([0]);
    expect(r.detection.fp32).toMatchObject({ images: 64, truths: 115, perClass: [{ classId: 0, truths: 115 }] });
    expect(r.detection.fp32.ap50).toBeCloseTo(0.493, 3);
    expect(r.detection.fp32.stats).toBeUndefined();
    expect(r.detection.drop.ap50).toBeCloseTo(r.detection.fp32.ap50 - r.detection.int8.ap50, 12);
    expect(r.detection.drop.ap5095).toBeCloseTo(r.detection.fp32.ap5095 - r.detection.int8.ap5095, 12);
  }, SLOW);
});

describe('compare --labels DIR on a DETR-style model with two inputs', () => {
  it('DEIMv2 against itself: detr decoder, orig_target_sizes by default, zero drop', async () => {
    const run = await zeropoint('compare', `${MODELS}/deimv2-femto-416.onnx`, `${MODELS}/deimv2-femto-416.onnx`, '--images', `${COCO}/images`, '--labels', `${COCO}/labels`, '--preprocess', 'unit', '--limit', '6', '--json');
    expect(errorLine(run)).toBeUndefined();
    const r = JSON.parse(run.stdout);
    expect(r.detection.decoder.decoder).toBe('detr');
    expect(r.detection.fp32.images).toBe(6);
    expect(r.detection.fp32.ap50).toBeGreaterThan(0.3);
    expect(r.detection.drop).toEqual({ ap50: 0, ap5095: 0 });
  });
});

describe('compare --labels DIR: bad input gets one line naming the file and what to do', () => {
  const bad = join(tmp, 'bad-labels');
  const unrelated = join(tmp, 'unrelated-labels');
  beforeAll(async () => {
    await mkdir(bad, { recursive: true });
    await mkdir(unrelated, { recursive: true });
    await writeFile(join(bad, '000000000009.txt'), '45 0.5 0.5 0.2 0.2\n45 320 240 50 50\n');
    await writeFile(join(unrelated, 'cat.txt'), '15 0.5 0.5 0.2 0.2\n');
  });
  const lw = (...extra: string[]) => ['compare', LW, LW, '--images', `${COCO}/images`, '--preprocess', 'yolo', '--limit', '2', ...extra];
  const table: Array<[string, string[], string | RegExp]> = [
    ['a person-only model without --classes', lw('--labels', `${COCO}/labels`), "zeropoint: 'lw-person-det-192.onnx' scores 1 class (decoder 'yolox') but the labels number classes up to 50; say which label class each model class is with --classes (a COCO name or index per model class, such as --classes person)."],
    ['an unknown decoder', lw('--labels', `${COCO}/labels`, '--classes', 'person', '--decoder', 'yolo9000'), "zeropoint: Unknown decoder 'yolo9000'; use one of yolov5, yolox, yolov8, yolo-end2end, fastestdet, yolo-fastestv2, detr, rtdetr, ssd."],
    [
      'a decoder that cannot read the outputs',
      lw('--labels', `${COCO}/labels`, '--classes', 'person', '--decoder', 'yolo-fastestv2'),
      /^zeropoint: Decoder 'yolo-fastestv2' cannot read the outputs of 'lw-person-det-192\.onnx' \('output' \[1, 756, 6\]\): 'output' has 756 rows, not 12x12 \+ 6x6 = 180 cells of strides 16\/32 at 192x192; 'yolox' can \('output': 756 rows = 24x24 \+ 12x12 \+ 6x6 cells of strides 8\/16\/32 at 192x192, box centres are grid offsets \(-[\d.]+\.\.[\d.]+\), 5 \+ 1 columns\)\.$/,
    ],
    ['an unknown class name', lw('--labels', `${COCO}/labels`, '--classes', 'persn'), "zeropoint: Class 'persn' is not a COCO class name; use an index of the labels (0 is person) or a name such as 'person', 'car', 'dog'."],
    ['--classes with a labels CSV', lw('--labels', '../shared/assets/images/imagenet-val/labels.csv', '--classes', 'person'), 'zeropoint: --classes scores a detector and needs --labels DIR, a folder of YOLO label files (one NAME.txt per image).'],
    ['a label line in pixels', lw('--labels', bad, '--classes', 'person'), `zeropoint: Line 2 of '${join(bad, '000000000009.txt')}' is '45 320 240 50 50'; YOLO boxes are fractions of the image (0..1), and these values are not: convert pixel boxes by dividing by the image's width and height.`],
    [
      'a labels folder of other images',
      lw('--labels', unrelated, '--classes', 'person'),
      `zeropoint: No image of the 2 has a YOLO label file in '${unrelated}' (for '000000000009.jpg': '${join(unrelated, '000000000009.txt')}'); the folder's 1 .txt files are named after other images: pass the labels folder of these images (one 'class cx cy w h' file per image, named as the image).`,
    ],
  ];
  it.each(table)('%s', async (_what, args, line) => {
    const run = await zeropoint(...args);
    expect(run.code).toBe(1);
    if (typeof line === 'string') expect(errorLine(run)).toBe(line);
    else expect(errorLine(run)).toMatch(line);
    expect(run.stdout).toBe('');
  });

  it('a classifier given a labels folder: no decoder recognises its outputs', async () => {
    const sq = `${MODELS}/squeezenet1.1-fp32.onnx`;
    const run = await zeropoint('compare', sq, sq, '--images', `${COCO}/images`, '--preprocess', 'caffe', '--limit', '1', '--labels', `${COCO}/labels`);
    expect(run.code).toBe(1);
    expect(errorLine(run)).toMatch(/^zeropoint: No detection decoder recognises the outputs of 'squeezenet1\.1-fp32\.onnx' \('softmaxout_1' \[1, 1000, 1, 1\]\)\..*a labels CSV/);
  });
});
