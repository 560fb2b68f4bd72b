/**
 * The browser's checks before decoding (checkImageBlob, run by decode-image.ts, decodableImages and
 * the Data step's thumbnails): the file's size against maxImageBytes and the header's pixels against
 * maxImagePixels, reading only the first bytes, with JPEG frame headers found behind large APP
 * segments. (Decoding itself needs createImageBitmap: e2e/bad-input.spec.ts.)
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { ZeropointError } from '../errors';
import { DEFAULT_LIMITS } from './limits';
import { checkImageBlob, type BlobLike } from './image-header';
import { blackPng } from '../../../test/hostile-models';
import { IMAGES } from '../../../test/assets';

async function refusal(blob: BlobLike, name: string): Promise<ZeropointError | undefined> {
  return checkImageBlob(blob, name).then(
    () => undefined,
    (e: unknown) => {
      expect(e).toBeInstanceOf(ZeropointError);
      return e as ZeropointError;
    },
  );
}

/** A blob that records how many bytes were read from it. */
function counted(bytes: Uint8Array): { blob: Blob; read: () => number } {
  const blob = new Blob([bytes as Uint8Array<ArrayBuffer>]);
  let read = 0;
  const wrapped = {
    size: blob.size,
    slice: (start?: number, end?: number) => {
      const part = blob.slice(start, end);
      read += part.size;
      return part;
    },
  } as Blob;
  return { blob: wrapped, read: () => read };
}

/** SOI, `apps` APP1 segments of 65533 bytes of payload each, then a baseline SOF0 of width x height. */
function jpegBehindExif(apps: number, width: number, height: number): Uint8Array {
  const parts: number[][] = [[0xff, 0xd8]];
  for (let k = 0; k < apps; k++) parts.push([0xff, 0xe1, 0xff, 0xff, ...new Array<number>(0xffff - 2).fill(0x45)]);
  parts.push([0xff, 0xc0, 0x00, 0x11, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
  parts.push([0xff, 0xd9]);
  return Uint8Array.from(parts.flat());
}

describe('checkImageBlob', () => {
  it('refuses a valid 16000x16000 PNG (about 250 KB) from its header, reading 256 KiB at most', async () => {
    const png = blackPng(16000, 16000);
    expect((await sharp(png, { limitInputPixels: false }).metadata()).width).toBe(16000);
    const { blob, read } = counted(png);
    const e = await refusal(blob, 'huge.png');
    expect(e?.code).toBe('too-large');
    expect(e?.message).toBe("Image 'huge.png' is 16000x16000 (256 MP), more than the 50 MP Zeropoint decodes; shrink it.");
    expect(read()).toBeLessThanOrEqual(256 * 2 ** 10);
  });

  it('the same builder makes a PNG that decodes (so the big one is real)', async () => {
    const { data, info } = await sharp(blackPng(300, 200)).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([300, 200]);
    expect(data.every((v) => v === 0)).toBe(true);
  });

  it("finds a JPEG's frame header behind 1.3 MB of EXIF segments", async () => {
    const jpeg = jpegBehindExif(20, 20000, 20000);
    expect(jpeg.length).toBeGreaterThan(1_300_000);
    const e = await refusal(new Blob([jpeg as Uint8Array<ArrayBuffer>]), 'camera.jpg');
    expect(e?.code).toBe('too-large');
    expect(e?.message).toContain("Image 'camera.jpg' is 20000x20000 (400 MP), more than the 50 MP Zeropoint decodes");
  });

  it('passes the same JPEG structure at 4000x3000', async () => {
    expect(await refusal(new Blob([jpegBehindExif(20, 4000, 3000) as Uint8Array<ArrayBuffer>]), 'camera.jpg')).toBeUndefined();
  });

  it('refuses a file over maxImageBytes without reading it', async () => {
    let read = false;
    const blob = { size: DEFAULT_LIMITS.maxImageBytes + 44 * 2 ** 20, slice: () => ((read = true), new Blob([])) } as unknown as Blob;
    const e = await refusal(blob, 'scan.tif');
    expect(e?.code).toBe('too-large');
    expect(e?.message).toBe("Image 'scan.tif' is 300.0 MiB, more than the 256.0 MiB Zeropoint reads for one image; shrink it or save it as a JPEG.");
    expect(read).toBe(false);
  });

  it('reads no further than 256 KiB into a broken JPEG (the decoder then says why)', async () => {
    const broken = new Uint8Array(3 * 2 ** 20).fill(0x20);
    broken.set([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]);
    const { blob, read } = counted(broken);
    expect(await refusal(blob, 'broken.jpg')).toBeUndefined();
    expect(read()).toBe(256 * 2 ** 10);
  });

  it('passes real images and broken JPEGs (the decoder then says why); refuses files of no format it reads', async () => {
    const jpeg = readFileSync(`${IMAGES}/imagenet-calib/n01440764_tench.JPEG`);
    expect(await refusal(new Blob([jpeg]), 'tench.jpg')).toBeUndefined();
    expect(await refusal(new Blob([jpeg.subarray(0, 3000)]), 'cut.jpg')).toBeUndefined();
    expect(await refusal(new Blob([Buffer.from('not an image')]), 'notes.jpg')).toMatchObject({
      code: 'bad-image',
      message: "Cannot decode image 'notes.jpg': it is not a JPEG, PNG, WebP, BMP or GIF file. Remove it or replace it with a JPEG or PNG.",
    });
    // An SVG named .png never reaches createImageBitmap (which would render it, links and all).
    expect(await refusal(new Blob(['<svg xmlns="http://www.w3.org/2000/svg" width="99999" height="99999"/>']), 'x.png')).toMatchObject({ code: 'bad-image' });
  });
});
