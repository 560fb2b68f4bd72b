/**
 * Image file bytes -> RGBA pixels in a Web Worker (the browser twin of cli/images.ts; runs on the main
 * thread too). Same decoding rules as the CLI, so both hosts give the same tensor for the same file:
 * - EXIF orientation applied: imageOrientation 'from-image' (the CLI uses sharp autoOrient);
 * - embedded ICC profiles ignored: colorSpaceConversion 'none' (the CLI uses sharp ignoreIcc);
 * - premultiplyAlpha 'none'. The canvas still stores premultiplied colour, so a transparent pixel's
 *   colour is lost; preprocess/image.ts composites over black, which both hosts agree on.
 */
import { ZeropointError } from './core/errors';
import { checkImageBlob, type ImageLimits } from './core/intake/image-header';
import { DEFAULT_LIMITS } from './core/intake/limits';
import { quote } from './core/intake/names';
import type { RgbaImage } from './core/preprocess/image';

export type { RgbaImage };

function reason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.trim().split('\n')[0].replace(/[.\s]+$/, '') || 'the browser could not decode it';
}

/**
 * Decodes an image file (JPEG, PNG, WebP, BMP, GIF's first frame...) to RGBA 8-bit. Throws 'too-large'
 * (checkImageBlob, before decoding) or 'bad-image', naming `name`.
 */
export async function decodeImageBlob(blob: Blob, name: string, limits: ImageLimits = DEFAULT_LIMITS): Promise<RgbaImage> {
  await checkImageBlob(blob, name, limits);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none', imageOrientation: 'from-image' });
  } catch (e) {
    throw new ZeropointError('bad-image', `Cannot decode image ${quote(name)}: ${reason(e)}. Remove it or replace it with a JPEG or PNG.`, {
      subject: name,
      cause: e,
    });
  }
  try {
    const { width, height } = bitmap;
    if (width === 0 || height === 0) {
      throw new ZeropointError('bad-image', `Cannot decode image ${quote(name)}: it has no pixels (${width}x${height}). Remove it or replace it with a JPEG or PNG.`, {
        subject: name,
      });
    }
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) {
      throw new ZeropointError('runtime', `Cannot decode image ${quote(name)}: this browser gives no 2D canvas in a worker; use a current Chrome, Edge, Firefox or Safari.`, {
        subject: name,
      });
    }
    context.globalCompositeOperation = 'copy';
    context.drawImage(bitmap, 0, 0);
    const pixels = context.getImageData(0, 0, width, height);
    return { width, height, data: pixels.data };
  } finally {
    bitmap.close();
  }
}
