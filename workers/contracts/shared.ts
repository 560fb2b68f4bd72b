import type { ZeropointErrorCode } from '../core/errors';

// -------------------------------------------------------------------------------------------------
// Shared

export type ProblemCode = ZeropointErrorCode | 'unexpected';

/** A problem as plain data: what the UI shows in a role="alert" (message says what to do). */
export interface Problem {
  readonly code: ProblemCode;
  readonly message: string;
  /** The file, node or tensor it is about. */
  readonly subject?: string;
}

/** A progress callback; the app passes `Comlink.proxy(fn)`. */
export type OnProgress<P> = (progress: P) => void;

/** Sent once after a worker starts. */
export interface WorkerInit {
  /** Absolute URL of the folder serving onnxruntime-web's glue (.mjs) and binary (.wasm), ending in '/'. */
  readonly wasmPaths: string;
}

/** An image that could not be used: skipped, as data. */
export interface SkippedImage {
  readonly name: string;
  readonly reason: string;
}

/** RGBA 8-bit pixels, row-major (what a canvas putImageData takes). */
export interface RgbaPixels {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray;
}

/**
 * A histogram reduced for a chart: `counts.length` equal bins starting at `lo`, each `binWidth` wide,
 * covering the observed [min, max]. `zeroCount` of the values are exactly 0 (inside their bin).
 */
export interface HistogramView {
  readonly lo: number;
  readonly binWidth: number;
  readonly counts: readonly number[];
  readonly count: number;
  readonly zeroCount: number;
  readonly min: number;
  readonly max: number;
}
