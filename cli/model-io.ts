/**
 * Loading a model from disk in Node (CLI, bench, tests): the .onnx plus the external data files it
 * refers to, found relative to the model's folder.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ZeropointError } from '../workers/core/errors';
import { decodeModel } from '../workers/core/onnx/decode';
import { attachExternalData, externalDataFiles } from '../workers/core/onnx/external';
import type { Model } from '../workers/core/onnx/types';

export interface LoadedModel {
  /** Decoded and self-contained: external data, if any, is attached as raw_data views into the data files. */
  readonly model: Model;
  /**
   * The .onnx file exactly as read. When the model has external data these bytes still refer to it;
   * pass encodeModel(model) to a runner instead.
   */
  readonly bytes: Uint8Array;
  /** The path as given. */
  readonly path: string;
  /** Absolute paths of the external data files that were attached (empty for most models). */
  readonly externalFiles: readonly string[];
}

function reason(e: unknown): string {
  switch ((e as { code?: unknown }).code) {
    case 'ENOENT':
      return 'there is no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a folder, not a file';
    case 'ERR_FS_FILE_TOO_LARGE':
      return 'it is larger than Node can read into memory (2 GiB)';
    default:
      return e instanceof Error ? e.message : String(e);
  }
}

/** What to do about it, after the reason. */
function hint(e: unknown, what: string): string {
  switch ((e as { code?: unknown }).code) {
    case 'ENOENT':
      return '; check the path';
    case 'EACCES':
    case 'EPERM':
      return '; check its permissions';
    case 'EISDIR':
      return what === 'model file' ? '; pass the .onnx file inside it' : '';
    default:
      return '';
  }
}

function ioError(e: unknown, path: string, what: string): ZeropointError {
  return new ZeropointError('io', `Cannot read ${what} '${path}': ${reason(e)}${hint(e, what)}.`, { subject: path, cause: e });
}

async function readBytes(path: string): Promise<Uint8Array> {
  const b = await readFile(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * Reads and decodes an ONNX model, then reads the external data files it refers to from the model's
 * folder and attaches them. Errors: 'io' when the model file (or a data file that exists) cannot be
 * read, 'not-onnx' / 'truncated' from the decoder, 'external-data' for a missing data file, a bad
 * offset/length, or a location outside the model's folder.
 */
export async function readModelFile(path: string): Promise<LoadedModel> {
  let bytes: Uint8Array;
  try {
    bytes = await readBytes(path);
  } catch (e) {
    throw ioError(e, path, 'model file');
  }
  const model = decodeModel(bytes, { source: path });
  const locations = externalDataFiles(model, { source: path });
  const externalFiles: string[] = [];
  if (locations.length > 0) {
    const dir = dirname(resolve(path));
    const files = new Map<string, Uint8Array>();
    for (const location of locations) {
      const file = join(dir, location);
      try {
        files.set(location, await readBytes(file));
        externalFiles.push(file);
      } catch (e) {
        // A missing file is reported by attachExternalData, which names the tensor that needs it.
        if ((e as { code?: unknown }).code !== 'ENOENT') throw ioError(e, file, `external data file of '${path}'`);
      }
    }
    attachExternalData(model, files, { source: path });
  }
  return { model, bytes, path, externalFiles };
}
