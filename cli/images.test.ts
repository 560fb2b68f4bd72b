import { mkdtemp, readFile, rm, writeFile, mkdir, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isZeropointError, type ZeropointError } from '../workers/core/errors';
import { decodeImageFile, listImages, writePng } from './images';
import { MNIST_LABELS_FILE, readMnist } from './mnist';

const IMAGES = '../shared/assets/images';
const CLASSIC = join(IMAGES, 'classic');
const CALIB = join(IMAGES, 'imagenet-calib');

async function rejection(p: Promise<unknown>): Promise<ZeropointError> {
  try {
    await p;
  } catch (e) {
    expect(isZeropointError(e)).toBe(true);
    return e as ZeropointError;
  }
  throw new Error('expected a rejection');
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'zeropoint-images-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('decodeImageFile', () => {
  const files: [string, number, number][] = [
    [join(CLASSIC, 'bus.jpg'), 810, 1080],
    [join(CLASSIC, 'ort_n01440764_3198_tench.png'), 0, 0],
    [join(CLASSIC, 'wonnx_mnist_digit_3.jpg'), 28, 28], // grayscale JPEG
    [join(CALIB, 'n01440764_tench.JPEG'), 0, 0],
    [join(CALIB, 'n02676566_acoustic_guitar.JPEG'), 700, 467], // grayscale JPEG with an ICC profile
  ];
  for (const [file, width, height] of files) {
    it(`decodes ${file} to RGBA`, async () => {
      const img = await decodeImageFile(file);
      if (width) expect([img.width, img.height]).toEqual([width, height]);
      expect(img.data).toBeInstanceOf(Uint8Array);
      expect(img.data.length).toBe(img.width * img.height * 4);
      let alpha = 0;
      for (let i = 3; i < img.data.length; i += 4) alpha += img.data[i];
      expect(alpha).toBe(255 * img.width * img.height);
    });
  }

  it('expands gray to R = G = B', async () => {
    const img = await decodeImageFile(join(CLASSIC, 'wonnx_mnist_digit_3.jpg'));
    let ink = 0;
    for (let i = 0; i < img.data.length; i += 4) {
      expect(img.data[i + 1]).toBe(img.data[i]);
      expect(img.data[i + 2]).toBe(img.data[i]);
      ink = Math.max(ink, img.data[i]);
    }
    expect(ink).toBeGreaterThan(200);
  });

  it('applies EXIF orientation', async () => {
    // 40x20, left half red, right half blue, tagged "rotate 90 clockwise" (orientation 6).
    const raw = Buffer.alloc(40 * 20 * 3);
    for (let p = 0; p < 40 * 20; p++) raw[p * 3 + ((p % 40) < 20 ? 0 : 2)] = 255;
    const file = join(tmp, 'rotated.jpg');
    await sharp(raw, { raw: { width: 40, height: 20, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toFile(file);
    const img = await decodeImageFile(file);
    expect([img.width, img.height]).toEqual([20, 40]);
    expect(img.data[0]).toBeGreaterThan(200); // top: red
    expect(img.data[(39 * 20) * 4 + 2]).toBeGreaterThan(200); // bottom: blue
  });

  it('names a truncated JPEG and says what to do', async () => {
    const bytes = await readFile(join(CLASSIC, 'zidane.jpg'));
    const broken = join(tmp, 'broken.jpg');
    await writeFile(broken, bytes.subarray(0, Math.floor(bytes.length / 3)));
    const e = await rejection(decodeImageFile(broken));
    expect(e.code).toBe('bad-image');
    expect(e.subject).toBe(broken);
    expect(e.message).toMatch(new RegExp(`^Cannot decode image '${broken.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}': .+\\. Remove it or replace it with a JPEG or PNG\\.$`));
  });

  it('names a file that is not an image', async () => {
    const text = join(tmp, 'notes.png');
    await writeFile(text, 'hello');
    const e = await rejection(decodeImageFile(text));
    expect(e.code).toBe('bad-image');
    expect(e.message).toContain(`'${text}'`);
  });

  it('says when the file is missing', async () => {
    const e = await rejection(decodeImageFile(join(tmp, 'nope.jpg')));
    expect(e.code).toBe('io');
    expect(e.message).toContain('nope.jpg');
  });
});

describe('listImages', () => {
  it('lists image files recursively, sorted, with a limit', async () => {
    const dir = join(tmp, 'set');
    await mkdir(join(dir, 'b', 'deep'), { recursive: true });
    await mkdir(join(dir, '.hidden'), { recursive: true });
    for (const f of ['z.JPG', 'a.png', 'b/c.jpeg', 'b/deep/d.webp', 'b/e.bmp', 'notes.txt', '.hidden/x.jpg', 'b/.y.png']) {
      await writeFile(join(dir, f), 'x');
    }
    expect(await listImages(dir)).toEqual(['a.png', 'b/c.jpeg', 'b/deep/d.webp', 'b/e.bmp', 'z.JPG'].map((f) => join(dir, f)));
    expect(await listImages(dir, { limit: 2 })).toEqual([join(dir, 'a.png'), join(dir, 'b/c.jpeg')]);
  });

  it('finds the calibration set', async () => {
    const files = await listImages(CALIB);
    expect(files.length).toBe(334);
    expect(files[0]).toBe(join(CALIB, 'n01440764_tench.JPEG'));
  });

  it('names an empty folder', async () => {
    const empty = join(tmp, 'empty');
    await mkdir(join(empty, 'sub'), { recursive: true });
    await writeFile(join(empty, 'readme.txt'), 'no images here');
    const e = await rejection(listImages(empty));
    expect(e.code).toBe('no-images');
    expect(e.message).toBe(`No images in '${empty}'; add .jpg, .jpeg, .png, .bmp, .webp files to it or pick another folder.`);
  });

  it('says when the folder is missing or a file', async () => {
    expect((await rejection(listImages(join(tmp, 'missing')))).code).toBe('io');
    const file = join(tmp, 'file.png');
    await copyFile(join(CLASSIC, 'wonnx_mnist_digit_0.jpg'), file);
    expect((await rejection(listImages(file))).message).toMatch(/is a file, not a folder/);
  });
});

describe('writePng', () => {
  it('writes gray and RGBA pixels that decode back exactly', async () => {
    const gray = new Uint8Array(28 * 28).map((_, i) => (i * 7) % 256);
    const grayFile = join(tmp, 'out', 'digit.png');
    await writePng(grayFile, { width: 28, height: 28, data: gray });
    const back = await decodeImageFile(grayFile);
    expect(back.width).toBe(28);
    for (let p = 0; p < 28 * 28; p++) expect(back.data[p * 4]).toBe(gray[p]);

    const rgba = new Uint8Array(5 * 3 * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 13) % 256));
    const rgbaFile = join(tmp, 'out', 'rgba.png');
    await writePng(rgbaFile, { width: 5, height: 3, data: rgba });
    expect(Array.from((await decodeImageFile(rgbaFile)).data)).toEqual(Array.from(rgba));
    await expect(writePng(join(tmp, 'bad.png'), { width: 5, height: 3, data: new Uint8Array(7) })).rejects.toThrow(/neither gray nor RGBA 5x3/);
  });
});

describe('readMnist', () => {
  const dir = join(IMAGES, 'mnist');
  it('reads the 10,000 test digits and their labels', async () => {
    const set = await readMnist(dir);
    expect(set.images.length).toBe(10_000);
    expect(set.labels.length).toBe(10_000);
    expect([set.width, set.height]).toEqual([28, 28]);
    expect(set.images[0].length).toBe(784);
    const idx = gunzipSync(await readFile(join(dir, MNIST_LABELS_FILE)));
    expect(set.labels[0]).toBe(idx[8]);
    expect(set.labels[0]).toBe(7); // the first MNIST test digit is a 7
    expect(set.labels.every((l) => l >= 0 && l <= 9)).toBe(true);
    expect(Math.max(...set.images[0])).toBe(255);
    expect((await readMnist(dir, { limit: 5 })).images.length).toBe(5);
  });

  it('rejects a file that is not IDX', async () => {
    const bad = join(tmp, 'mnist-bad');
    await mkdir(bad, { recursive: true });
    await writeFile(join(bad, 't10k-images-idx3-ubyte.gz'), 'not idx at all');
    await copyFile(join(dir, MNIST_LABELS_FILE), join(bad, MNIST_LABELS_FILE));
    const e = await rejection(readMnist(bad));
    expect(e.code).toBe('bad-image');
    expect(e.message).toMatch(/is not an IDX file with magic 0x00000803/);
  });
});
