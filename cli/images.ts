/**
 * Image files on disk -> RGBA pixels (Node host; the browser twin is workers/decode-image.ts).
 *
 * Decoding rules, the same on both hosts so a tensor does not depend on where it was made:
 * - EXIF orientation IS applied (sharp autoOrient; the browser uses imageOrientation 'from-image'): the
 *   model sees the image upright, as every browser and viewer shows it, and boxes mapped back with
 *   ImageTransform line up with the picture the UI draws. (Pillow's Image.open does not rotate; ImageNet
 *   and COCO files carry no rotating orientation tags, so accuracy figures are unaffected.)
 * - Embedded ICC profiles are IGNORED (sharp ignoreIcc; the browser uses colorSpaceConversion 'none'):
 *   the stored 8-bit values are used as they are, which is also what Pillow/torchvision training
 *   pipelines feed a model.
 * - Output is always 8-bit sRGB + alpha (gray and 16-bit files are expanded/reduced), not premultiplied.
 */
import { readFile, readdir, stat, mkdir } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import sharp from 'sharp';
import { ZeropointError } from '../workers/core/errors';
import type { RgbaImage } from '../workers/core/preprocess/image';

export type { RgbaImage };

/** A one-channel 8-bit image (an MNIST digit). */
export interface GrayImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray;
}

export const IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png', '.bmp', '.webp'];

function reason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.trim().split('\n')[0].replace(/[.\s]+$/, '');
}

/** Decodes a JPEG/PNG/WebP/... file to RGBA 8-bit. Throws 'io' when it cannot be read, 'bad-image' when it cannot be decoded. */
export async function decodeImageFile(path: string): Promise<RgbaImage> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new ZeropointError('io', `Cannot read image '${path}': ${reason(e)}; check the path.`, { subject: path, cause: e });
  }
  try {
    const { data, info } = await sharp(bytes, { ignoreIcc: true, autoOrient: true })
      .toColourspace('srgb')
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 4 || data.length !== info.width * info.height * 4) {
      throw new Error(`unexpected ${info.channels}-channel ${data.length}-byte output for ${info.width}x${info.height}`);
    }
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (e) {
    throw new ZeropointError('bad-image', `Cannot decode image '${path}': ${reason(e)}. Remove it or replace it with a JPEG or PNG.`, {
      subject: path,
      cause: e,
    });
  }
}

/**
 * Image files under `dir` (recursively; hidden files and folders skipped), sorted by path with a plain
 * code-point comparison so the order is the same on every machine. `limit` keeps the first N.
 * Throws 'io' when the folder cannot be read and 'no-images' when it holds no image.
 */
export async function listImages(dir: string, options: { limit?: number } = {}): Promise<string[]> {
  let info;
  try {
    info = await stat(dir);
  } catch (e) {
    throw new ZeropointError('io', `Cannot read image folder '${dir}': ${reason(e)}; check the path.`, { subject: dir, cause: e });
  }
  if (!info.isDirectory()) {
    throw new ZeropointError('io', `'${dir}' is a file, not a folder of images; pass the folder that holds the images.`, { subject: dir });
  }
  const found: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    const entries = await readdir(folder, { withFileTypes: true });
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = join(folder, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if ((entry.isFile() || entry.isSymbolicLink()) && IMAGE_EXTENSIONS.includes(extname(entry.name).toLowerCase())) found.push(full);
    }
  };
  await walk(dir);
  found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (found.length === 0) {
    throw new ZeropointError('no-images', `No images in '${dir}'; add ${IMAGE_EXTENSIONS.join(', ')} files to it or pick another folder.`, { subject: dir });
  }
  const limit = options.limit;
  return limit !== undefined && limit >= 0 ? found.slice(0, limit) : found;
}

/** Writes gray (width*height bytes) or RGBA (width*height*4 bytes) pixels as a PNG, creating the folder. */
export async function writePng(path: string, image: GrayImage | RgbaImage): Promise<void> {
  const { width, height, data } = image;
  const channels = data.length === width * height ? 1 : data.length === width * height * 4 ? 4 : 0;
  if (channels === 0) {
    throw new ZeropointError('bad-option', `Cannot write '${path}': ${data.length} bytes is neither gray nor RGBA ${width}x${height}; pass width*height or width*height*4 bytes.`);
  }
  await mkdir(dirname(path), { recursive: true });
  const pixels = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  await sharp(pixels, { raw: { width, height, channels } }).png().toFile(path);
}
