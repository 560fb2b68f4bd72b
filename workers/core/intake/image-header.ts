/**
 * An image's pixel size read from its header, before anything is decoded: a 16000x16000 PNG of a
 * few kilobytes would otherwise decode to a gigabyte. Both hosts (sharp in Node, createImageBitmap
 * in the browser) check this first, so the same file is refused the same way everywhere; in the
 * browser checkImageBlob reads the header from a Blob (and checks its size) before any decoding.
 */
import { ZeropointError } from '../errors';
import { formatBytes } from './files';
import { DEFAULT_LIMITS } from './limits';
import { quote } from './names';

export interface ImageHeader {
  readonly format: 'png' | 'jpeg' | 'gif' | 'bmp' | 'webp';
  readonly width: number;
  readonly height: number;
}

const u16be = (b: Uint8Array, i: number) => (b[i] << 8) | b[i + 1];
const u16le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8);
const u24le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);
const u32be = (b: Uint8Array, i: number) => ((b[i] << 24) >>> 0) + ((b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]);
const i32le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);

/**
 * Walks a JPEG's segments to its start-of-frame: the header, 'more' when the bytes end before it
 * (large EXIF/APP segments come first), undefined when the segments are not a JPEG's.
 */
function jpegScan(b: Uint8Array): ImageHeader | 'more' | undefined {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return undefined;
    const marker = b[i + 1];
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    // Start-of-frame markers (baseline, progressive, lossless, arithmetic...), not DHT/JPG/DAC.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { format: 'jpeg', height: u16be(b, i + 5), width: u16be(b, i + 7) };
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2;
      continue;
    }
    i += 2 + u16be(b, i + 2);
  }
  return 'more';
}

function jpegSize(b: Uint8Array): ImageHeader | undefined {
  const found = jpegScan(b);
  return found === 'more' ? undefined : found;
}

/** The format and size from the first bytes of an image file; undefined when the header is not one of these. */
export function readImageHeader(bytes: Uint8Array): ImageHeader | undefined {
  const b = bytes;
  if (b.length >= 24 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) {
    return { format: 'png', width: u32be(b, 16), height: u32be(b, 20) };
  }
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) return jpegSize(b);
  if (b.length >= 10 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) return { format: 'gif', width: u16le(b, 6), height: u16le(b, 8) };
  if (b.length >= 26 && b[0] === 0x42 && b[1] === 0x4d) return { format: 'bmp', width: Math.abs(i32le(b, 18)), height: Math.abs(i32le(b, 22)) };
  if (b.length >= 30 && String.fromCharCode(...b.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...b.subarray(8, 12)) === 'WEBP') {
    const chunk = String.fromCharCode(...b.subarray(12, 16));
    if (chunk === 'VP8 ') return { format: 'webp', width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
    if (chunk === 'VP8L') {
      const bits = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24);
      return { format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    if (chunk === 'VP8X') return { format: 'webp', width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
  }
  return undefined;
}

/**
 * Throws 'too-large' when the header declares more pixels than the limit. A file whose header is
 * not recognised passes: the decoder's own pixel limit (sharp's limitInputPixels) is the backstop.
 */
export function checkImagePixels(bytes: Uint8Array, options: { source: string; maxPixels?: number; flag?: string }): ImageHeader | undefined {
  const header = readImageHeader(bytes);
  const max = options.maxPixels ?? DEFAULT_LIMITS.maxImagePixels;
  if (header && header.width * header.height > max) {
    const mp = (n: number) => `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} MP`;
    throw new ZeropointError(
      'too-large',
      `Image ${quote(options.source)} is ${header.width}x${header.height} (${mp(header.width * header.height)}), more than the ${mp(max)} Zeropoint decodes; shrink it${options.flag ? `, or raise the limit with ${options.flag}` : ''}.`,
      { subject: options.source },
    );
  }
  return header;
}

/** The first read for the header; JPEG's frame header may sit after EXIF/APP segments, so more is read when it is not there yet. */
const HEADER_BYTES = 256 * 2 ** 10;

/** What checkImageBlob needs of a Blob (or File): the engine has no DOM types. */
export interface BlobLike {
  readonly size: number;
  slice(start?: number, end?: number): { arrayBuffer(): Promise<ArrayBuffer> };
}

export interface ImageLimits {
  readonly maxImageBytes: number;
  readonly maxImagePixels: number;
}

/**
 * Refuses an image before it is decoded: more bytes than the limit, or a header that declares more
 * pixels than the limit (a 16000x16000 PNG of a few kilobytes would decode to a gigabyte). Reads only
 * the first bytes: 256 KiB, then four times more while a JPEG's frame header is still past them.
 */
export async function checkImageBlob(blob: BlobLike, name: string, limits: ImageLimits = DEFAULT_LIMITS): Promise<void> {
  if (blob.size > limits.maxImageBytes) {
    throw new ZeropointError('too-large', `Image ${quote(name)} is ${formatBytes(blob.size)}, more than the ${formatBytes(limits.maxImageBytes)} Zeropoint reads for one image; shrink it or save it as a JPEG.`, { subject: name });
  }
  for (let length = HEADER_BYTES; ; length *= 4) {
    const head = new Uint8Array(await blob.slice(0, length).arrayBuffer());
    if (checkImagePixels(head, { source: name, maxPixels: limits.maxImagePixels })) return;
    // Read on only for a JPEG whose segments run past what was read (other formats declare their
    // size in the first 30 bytes; a broken JPEG is the decoder's to report).
    const jpeg = head[0] === 0xff && head[1] === 0xd8;
    if (jpeg && length < blob.size && jpegScan(head) === 'more') continue;
    if (jpeg) return; // a broken JPEG is the decoder's to report
    // Only the formats whose size can be read first, as in the CLI: an AVIF, TIFF or SVG (whatever its
    // name) never reaches a decoder that would skip the pixel check.
    throw new ZeropointError('bad-image', `Cannot decode image ${quote(name)}: it is not a JPEG, PNG, WebP, BMP or GIF file. Remove it or replace it with a JPEG or PNG.`, { subject: name });
  }
}
