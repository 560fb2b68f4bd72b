/**
 * Image Blobs as the engine's CalibrationSource, in a worker: decode (createImageBitmap +
 * OffscreenCanvas) and preprocess one image at a time, so memory holds one image whatever the count.
 *
 * An image that does not decode, or that is refused before decoding (too many bytes or pixels:
 * core/intake/image-header.ts checkImageBlob), is SKIPPED AS DATA, never a crash: `feeds(i)` returns no feeds and
 * records the name and reason, and `skippingRunner` answers a run with no feeds with no outputs, so
 * the engine's calibrate() loop simply adds nothing for that image. (The engine's CalibrationSource
 * has no "skip" of its own; this keeps the engine untouched.)
 */
import type { SkippedImage } from './contracts';
import type { CalibrationSource } from './core/calibration/calibrate';
import { isZeropointError } from './core/errors';
import { quote } from './core/intake/names';
import { constantFeeds } from './core/preprocess/feeds';
import { imageFeed } from './core/preprocess/image';
import type { InputGeometry, PreprocessSpec } from './core/preprocess/spec';
import type { Feeds, Runner, RunnerSession } from './core/runner';
import { checkImageBlob } from './core/intake/image-header';
import { decodeImageBlob } from './decode-image';
import type { NamedBlob } from './model-files';

export interface SkippingSource extends CalibrationSource {
  readonly skipped: SkippedImage[];
}

export function reasonOf(e: unknown): string {
  if (isZeropointError(e)) return (e as Error).message;
  return e instanceof Error ? e.message.split('\n')[0] : String(e);
}

/** One image's feeds: the image input (float32, or uint8 bytes for a uint8 input) and the geometry's constant inputs. */
export async function imageFeeds(image: NamedBlob, spec: PreprocessSpec, geometry: InputGeometry): Promise<Feeds> {
  const rgba = await decodeImageBlob(image.blob, image.name);
  return { ...constantFeeds(geometry.constants ?? []), [geometry.name]: imageFeed(rgba, spec, geometry) };
}

/** One image's feeds and the size it had as decoded (detection scoring maps boxes back to it). */
export async function imageFeedsSized(image: NamedBlob, spec: PreprocessSpec, geometry: InputGeometry): Promise<{ feeds: Feeds; size: { width: number; height: number } }> {
  const rgba = await decodeImageBlob(image.blob, image.name);
  return { feeds: { ...constantFeeds(geometry.constants ?? []), [geometry.name]: imageFeed(rgba, spec, geometry) }, size: { width: rgba.width, height: rgba.height } };
}

const SKIPPED_CODES = new Set(['bad-image', 'too-large']);

export function imageSource(images: readonly NamedBlob[], spec: PreprocessSpec, geometry: InputGeometry): SkippingSource {
  const skipped: SkippedImage[] = [];
  return {
    count: images.length,
    skipped,
    label: (i) => images[i].name,
    async feeds(i) {
      try {
        return await imageFeeds(images[i], spec, geometry);
      } catch (e) {
        // A broken image, or one too large to decode (refused from its header), is skipped as data.
        if (isZeropointError(e) && !SKIPPED_CODES.has((e as { code: string }).code)) throw e;
        skipped.push({ name: images[i].name, reason: reasonOf(e) });
        return {};
      }
    },
  };
}

/** A Runner whose sessions return no outputs for a run with no feeds (a skipped image). */
export function skippingRunner(runner: Runner): Runner {
  return {
    name: runner.name,
    async createSession(model, options) {
      const session = await runner.createSession(model, options);
      const wrapped: RunnerSession = {
        inputNames: session.inputNames,
        outputNames: session.outputNames,
        run: (feeds, runOptions) => (Object.keys(feeds).length === 0 ? Promise.resolve({}) : session.run(feeds, runOptions)),
        release: () => session.release(),
      };
      return wrapped;
    },
  };
}

/** Which images decode (createImageBitmap only, no canvas): for runs that cannot skip mid-way. */
export async function decodableImages(images: readonly NamedBlob[], signal?: AbortSignal): Promise<{ ok: number[]; skipped: SkippedImage[] }> {
  const ok: number[] = [];
  const skipped: SkippedImage[] = [];
  for (let i = 0; i < images.length; i++) {
    signal?.throwIfAborted();
    try {
      await checkImageBlob(images[i].blob, images[i].name);
    } catch (e) {
      if (!isZeropointError(e) || !SKIPPED_CODES.has((e as { code: string }).code)) throw e;
      skipped.push({ name: images[i].name, reason: reasonOf(e) });
      continue;
    }
    try {
      const bitmap = await createImageBitmap(images[i].blob);
      const empty = bitmap.width === 0 || bitmap.height === 0;
      bitmap.close();
      if (empty) skipped.push({ name: images[i].name, reason: `Cannot decode image ${quote(images[i].name)}: it has no pixels. Remove it or replace it with a JPEG or PNG.` });
      else ok.push(i);
    } catch (e) {
      skipped.push({ name: images[i].name, reason: `Cannot decode image ${quote(images[i].name)}: ${reasonOf(e)}. Remove it or replace it with a JPEG or PNG.` });
    }
  }
  return { ok, skipped };
}
