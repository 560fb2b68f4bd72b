/**
 * Loading a model from disk in Node (CLI, bench, tests): the .onnx plus the external data files it
 * refers to, through the intake (workers/core/intake/files.ts) on Node's fs: regular files only,
 * sizes checked, links resolved, external data only from inside the model's folder.
 */
import type { IntakeLimits } from '../workers/core/intake/limits';
import { openModel } from '../workers/core/intake/files';
import type { Model } from '../workers/core/onnx/types';
import { nodeFileHost } from './fs-host';

export interface LoadedModel {
  /** Decoded, checked and self-contained: external data, if any, is attached as raw_data views into the data files. */
  readonly model: Model;
  /**
   * The .onnx file exactly as read. When the model has external data these bytes still refer to it;
   * pass encodeModel(model) to a runner instead.
   */
  readonly bytes: Uint8Array;
  /** The path as given. */
  readonly path: string;
  /** Resolved paths of the external data files that were attached (empty for most models). */
  readonly externalFiles: readonly string[];
}

/**
 * Reads, decodes and checks an ONNX model, then reads the external data files it refers to from the
 * model's folder and attaches them. Errors: 'io' when the model file cannot be read, 'refused-file'
 * for a device, FIFO or a data file that leads out of the folder, 'too-large', 'not-onnx' /
 * 'truncated' / 'bad-model' from the decoder and the check, 'external-data' for a missing data
 * file, a bad offset/length, or a location outside the model's folder.
 */
export async function readModelFile(path: string, options: { limits?: Partial<IntakeLimits> } = {}): Promise<LoadedModel> {
  const opened = await openModel(nodeFileHost, path, { limits: options.limits });
  return { ...opened, path };
}
