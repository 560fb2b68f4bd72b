/**
 * Loading a model from File/Blob objects in a browser worker: the .onnx file plus, when its tensors
 * live in external data files, those files dropped or picked together with it (found by the location
 * the model records, compared by base name or relative path).
 */
import { ZeropointError } from './core/errors';
import { decodeModel } from './core/onnx/decode';
import { attachExternalData, externalDataFiles } from './core/onnx/external';
import type { Model } from './core/onnx/types';

export interface NamedBlob {
  /** File name, or the relative path from a dropped folder (webkitRelativePath). */
  readonly name: string;
  readonly blob: Blob;
}

export interface LoadedBrowserModel {
  readonly model: Model;
  readonly name: string;
  readonly fileBytes: number;
  readonly externalFiles: readonly string[];
}

const baseName = (path: string) => path.split(/[\\/]/).pop() ?? path;

export async function loadModelFromBlobs(files: readonly NamedBlob[]): Promise<LoadedBrowserModel> {
  const onnx = files.filter((f) => f.name.toLowerCase().endsWith('.onnx'));
  if (onnx.length === 0) {
    const names = files.map((f) => `'${baseName(f.name)}'`).slice(0, 3).join(', ');
    throw new ZeropointError('not-onnx', `No .onnx file among ${names || 'the dropped files'}. Drop an ONNX model (.onnx), with its external data files if it has any.`);
  }
  if (onnx.length > 1) {
    throw new ZeropointError('bad-option', `${onnx.length} .onnx files were dropped together (${onnx.map((f) => `'${baseName(f.name)}'`).join(', ')}). Drop one model at a time.`);
  }
  const main = onnx[0];
  const name = baseName(main.name);
  const bytes = new Uint8Array(await main.blob.arrayBuffer());
  let model = decodeModel(bytes, { source: name });
  const needed = externalDataFiles(model, { source: name });
  if (needed.length > 0) {
    const byName = new Map<string, Blob>();
    for (const f of files) {
      byName.set(f.name, f.blob);
      byName.set(baseName(f.name), f.blob);
    }
    const data = new Map<string, Uint8Array>();
    for (const location of needed) {
      const blob = byName.get(location) ?? byName.get(baseName(location));
      if (blob) data.set(location, new Uint8Array(await blob.arrayBuffer()));
    }
    model = attachExternalData(model, data, { source: name });
  }
  return { model, name, fileBytes: bytes.length, externalFiles: needed };
}
