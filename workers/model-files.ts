/**
 * Loading a model from File/Blob objects in a browser worker: the .onnx file plus, when its tensors
 * live in external data files, those files dropped or picked together with it (found by the location
 * the model records, compared by relative path or base name). It goes through the same intake as the
 * CLI (core/intake/files.ts: sizes, the model check, declared external sizes); here the only files
 * that exist are the ones the person gave, so nothing else can be read.
 */
import { ZeropointError } from './core/errors';
import { openModel, type FileHost } from './core/intake/files';
import type { IntakeLimits } from './core/intake/limits';
import { quote } from './core/intake/names';
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

function normalize(path: string): string {
  const parts: string[] = [];
  for (const part of path.replace(/\\/g, '/').split('/')) {
    if (part === '..') parts.pop();
    else if (part !== '' && part !== '.') parts.push(part);
  }
  return parts.join('/');
}

/** The dropped files as a FileHost: every path is one of them (or the folder of one), nothing else exists. */
export function blobHost(files: readonly NamedBlob[]): FileHost {
  const byPath = new Map<string, Blob>();
  const byBase = new Map<string, string>();
  for (const f of files) {
    const path = normalize(f.name);
    byPath.set(path, f.blob);
    if (!byBase.has(baseName(path))) byBase.set(baseName(path), path);
  }
  const folders = new Set<string>(['']);
  for (const path of byPath.keys()) for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) folders.add(path.slice(0, i));
  const find = (path: string): string | undefined => {
    const p = normalize(path);
    // A flat drop loses the folders: a data file is then found by its base name.
    return byPath.has(p) ? p : byBase.get(baseName(p));
  };
  return {
    absolute: normalize,
    dirname: (path) => normalize(path).split('/').slice(0, -1).join('/'),
    join: (dir, rel) => normalize(dir ? `${dir}/${rel}` : rel),
    // Every file here was given by the person: none is outside what they gave.
    isInside: () => true,
    async realpath(path) {
      return find(path) ?? (folders.has(normalize(path)) ? normalize(path) : undefined);
    },
    async stat(path) {
      const found = find(path);
      if (found !== undefined) return { kind: 'file', size: byPath.get(found)!.size, id: found };
      return folders.has(normalize(path)) ? { kind: 'directory', size: 0, id: `folder:${normalize(path)}` } : undefined;
    },
    async read(path, length) {
      const found = find(path);
      if (found === undefined) throw new ZeropointError('io', `${quote(path)} was not among the dropped files; drop it together with the model.`, { subject: path });
      const blob = byPath.get(found)!;
      return new Uint8Array(await (length === undefined ? blob : blob.slice(0, length)).arrayBuffer());
    },
  };
}

export async function loadModelFromBlobs(files: readonly NamedBlob[], options: { limits?: Partial<IntakeLimits> } = {}): Promise<LoadedBrowserModel> {
  const onnx = files.filter((f) => f.name.toLowerCase().endsWith('.onnx'));
  if (onnx.length === 0) {
    const names = files.map((f) => quote(baseName(f.name))).slice(0, 3).join(', ');
    throw new ZeropointError('not-onnx', `No .onnx file among ${names || 'the dropped files'}. Drop an ONNX model (.onnx), with its external data files if it has any.`);
  }
  if (onnx.length > 1) {
    throw new ZeropointError('bad-option', `${onnx.length} .onnx files were dropped together (${onnx.map((f) => quote(baseName(f.name))).join(', ')}). Drop one model at a time.`);
  }
  const main = onnx[0];
  const name = baseName(main.name);
  const opened = await openModel(blobHost(files), main.name, { source: name, limits: options.limits });
  return { model: opened.model, name, fileBytes: opened.bytes.length, externalFiles: opened.externalFiles };
}
