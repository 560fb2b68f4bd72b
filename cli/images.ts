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
import { readdir, realpath, stat, mkdir } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import sharp from 'sharp';
import { ZeropointError } from '../workers/core/errors';
import { readInputFile } from '../workers/core/intake/files';
import { checkImagePixels } from '../workers/core/intake/image-header';
import { DEFAULT_LIMITS } from '../workers/core/intake/limits';
import { quote } from '../workers/core/intake/names';
import type { RgbaImage } from '../workers/core/preprocess/image';
import { fsError, nodeFileHost } from './fs-host';

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

export interface DecodeImageOptions {
  /** Decoded pixels allowed (DEFAULT_LIMITS.maxImagePixels); the header is checked before decoding. */
  readonly maxPixels?: number;
  readonly maxBytes?: number;
  /** How the user raises the pixel limit, for the message ('--max-image-pixels N'). */
  readonly raise?: string;
}

/**
 * Decodes a JPEG/PNG/WebP/... file to RGBA 8-bit. Throws 'io' when it cannot be read, 'refused-file'
 * for anything but a regular file, 'too-large' past the byte or pixel limit, 'bad-image' when it
 * cannot be decoded.
 */
export async function decodeImageFile(path: string, options: DecodeImageOptions = {}): Promise<RgbaImage> {
  const maxPixels = options.maxPixels ?? DEFAULT_LIMITS.maxImagePixels;
  const bytes = await readInputFile(nodeFileHost, path, { what: 'image', maxBytes: options.maxBytes ?? DEFAULT_LIMITS.maxImageBytes });
  const header = checkImagePixels(bytes, { source: path, maxPixels, flag: options.raise });
  // Only the formats whose size the header check reads: an SVG or TIFF renamed .png never reaches a
  // decoder that could fetch what the file points at or skip the pixel check.
  if (!header) {
    throw new ZeropointError('bad-image', `Cannot decode image ${quote(path)}: it is not a JPEG, PNG, WebP, BMP or GIF file. Remove it or replace it with a JPEG or PNG.`, { subject: path });
  }
  try {
    const { data, info } = await sharp(bytes, { ignoreIcc: true, autoOrient: true, limitInputPixels: maxPixels })
      .toColourspace('srgb')
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 4 || data.length !== info.width * info.height * 4) {
      throw new Error(`unexpected ${info.channels}-channel ${data.length}-byte output for ${info.width}x${info.height}`);
    }
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (e) {
    throw new ZeropointError('bad-image', `Cannot decode image ${quote(path)}: ${reason(e)}. Remove it or replace it with a JPEG or PNG.`, {
      subject: path,
      cause: e,
    });
  }
}

/** An entry of an image folder that was not used, and why (per-item skips are data). */
export interface SkippedEntry {
  readonly path: string;
  readonly reason: string;
}

export interface ImageListing {
  readonly files: string[];
  readonly skipped: SkippedEntry[];
}

/** Folders below the image folder that are walked; deeper ones are skipped. */
const MAX_FOLDER_DEPTH = 16;
/** Entries looked at in all; a folder past it is not a folder of calibration images (say, '/'). */
const MAX_ENTRIES = 200_000;

/**
 * Image files under `dir` (recursively; hidden files and folders skipped), sorted by path with a plain
 * code-point comparison so the order is the same on every machine. `limit` keeps the first N.
 * Only regular files are taken: a link is followed only when it leads to a regular file inside the
 * folder; devices, FIFOs, sockets and links that lead elsewhere are skipped and listed with the reason.
 * Throws 'io' when a folder cannot be read and 'no-images' when it holds no image.
 */
export async function scanImages(dir: string, options: { limit?: number } = {}): Promise<ImageListing> {
  let info;
  try {
    info = await stat(dir);
  } catch (e) {
    throw new ZeropointError('io', `Cannot read image folder ${quote(dir)}: ${reason(e)}; check the path.`, { subject: dir, cause: e });
  }
  if (!info.isDirectory()) {
    throw new ZeropointError('io', `${quote(dir)} is a file, not a folder of images; pass the folder that holds the images.`, { subject: dir });
  }
  const root = await realpath(dir);
  const found: string[] = [];
  const skipped: SkippedEntry[] = [];
  let seen = 0;
  const walk = async (folder: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (e) {
      throw fsError(e, folder, folder === dir ? 'read image folder' : `read folder (inside image folder ${quote(dir)})`);
    }
    seen += entries.length;
    if (seen > MAX_ENTRIES) {
      throw new ZeropointError('too-large', `Image folder ${quote(dir)} holds more than ${MAX_ENTRIES.toLocaleString('en-US')} files and folders; pick the folder that holds the images.`, { subject: dir });
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (depth < MAX_FOLDER_DEPTH) await walk(full, depth + 1);
        else skipped.push({ path: full, reason: `a folder more than ${MAX_FOLDER_DEPTH} levels deep` });
        continue;
      }
      if (!IMAGE_EXTENSIONS.includes(extname(entry.name).toLowerCase())) continue;
      if (entry.isFile()) found.push(full);
      else if (entry.isSymbolicLink()) {
        const target = await nodeFileHost.realpath(full);
        const kind = target === undefined ? undefined : (await nodeFileHost.stat(target))?.kind;
        if (target === undefined) skipped.push({ path: full, reason: 'a link that leads nowhere' });
        else if (!nodeFileHost.isInside(root, target)) skipped.push({ path: full, reason: `a link to ${quote(target)}, outside the folder` });
        else if (kind !== 'file') skipped.push({ path: full, reason: `a link to a ${kind ?? 'missing file'}` });
        else found.push(full);
      } else skipped.push({ path: full, reason: entry.isFIFO() ? 'a FIFO, not a file' : entry.isCharacterDevice() || entry.isBlockDevice() ? 'a device, not a file' : 'not a regular file' });
    }
  };
  await walk(dir, 0);
  found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (found.length === 0) {
    throw new ZeropointError('no-images', `No images in ${quote(dir)}; add ${IMAGE_EXTENSIONS.join(', ')} files to it or pick another folder.`, { subject: dir });
  }
  const limit = options.limit;
  return { files: limit !== undefined && limit >= 0 ? found.slice(0, limit) : found, skipped };
}

/** The image files of scanImages (the skipped entries dropped). */
export async function listImages(dir: string, options: { limit?: number } = {}): Promise<string[]> {
  return (await scanImages(dir, options)).files;
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
