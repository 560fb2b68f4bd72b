/**
 * The one place that turns what the user gave into bytes. A host says what is on its disk (Node's
 * fs in the CLI; in the browser, only the files the person dropped); the rules are here, the same
 * for both:
 *
 * - Only regular files are read: a device (/dev/zero), a FIFO or a socket is refused before it is
 *   opened for reading, and re-checked once open (hosts open without blocking).
 * - Sizes are checked before reading: against the limit for the kind of file, and for external
 *   data against what the model declares (only the declared bytes are read).
 * - Every link is resolved: an external data file must be a regular file inside the model's folder
 *   AFTER resolving links (a `w.bin` that links to /etc/passwd is refused, so is a linked folder).
 * - Outputs are checked before any work: never an input (by identity, so `./x/../m.onnx` and hard
 *   links count), never the other output, never anything but a regular file or a new path in an
 *   existing folder.
 */
import { ZeropointError } from '../errors';
import { decodeModel } from '../onnx/decode';
import { attachExternalData, externalDataExtents } from '../onnx/external';
import type { Model } from '../onnx/types';
import { withLimits, type IntakeLimits } from './limits';
import { checkModel } from './model-check';
import { quote } from './names';

export type EntryKind = 'file' | 'directory' | 'character device' | 'block device' | 'FIFO' | 'socket' | 'unknown';

export interface Entry {
  readonly kind: EntryKind;
  readonly size: number;
  /** Equal for the same file reached by different paths (device and inode in Node). */
  readonly id: string;
}

export interface FileHost {
  /** Absolute and normalized; links are not resolved. */
  absolute(path: string): string;
  dirname(path: string): string;
  /** `relative` joined under `dir` ('/' separated). */
  join(dir: string, relative: string): string;
  /** True when `path` is `dir` or below it (both already resolved). */
  isInside(dir: string, path: string): boolean;
  /** Every link resolved; undefined when nothing is there (or a link dangles). */
  realpath(path: string): Promise<string | undefined>;
  /** What is at `path` after following links; undefined when nothing is there. */
  stat(path: string): Promise<Entry | undefined>;
  /**
   * The first `length` bytes of a regular file (all of it when omitted). Opens without blocking,
   * refuses anything that is not a regular file once open, and never reads past `length`.
   */
  read(path: string, length?: number): Promise<Uint8Array>;
}

/** What a file is for, in messages: "model file", "image", "spec file"... */
export interface ReadInputOptions {
  readonly what: string;
  readonly maxBytes: number;
  /** How the user raises the limit, when they can (a CLI flag). */
  readonly raise?: string;
}

function article(kind: EntryKind): string {
  return kind === 'unknown' ? 'not a regular file' : `a ${kind}, not a regular file`;
}

/** Reads a file the user named, after checking it is a regular file within the size limit. */
export async function readInputFile(host: FileHost, path: string, options: ReadInputOptions): Promise<Uint8Array> {
  const entry = await host.stat(path);
  const Name = `${options.what.charAt(0).toUpperCase()}${options.what.slice(1)}`;
  if (!entry) throw new ZeropointError('io', `Cannot read ${options.what} ${quote(path)}: there is no such file; check the path.`, { subject: path });
  if (entry.kind === 'directory') {
    throw new ZeropointError('io', `Cannot read ${options.what} ${quote(path)}: it is a folder, not a file${options.what === 'model file' ? '; pass the .onnx file inside it' : ''}.`, { subject: path });
  }
  if (entry.kind !== 'file') {
    throw new ZeropointError('refused-file', `${Name} ${quote(path)} is ${article(entry.kind)}; Zeropoint reads only regular files: pass the file itself.`, { subject: path });
  }
  if (entry.size > options.maxBytes) {
    throw new ZeropointError('too-large', `${Name} ${quote(path)} is ${formatBytes(entry.size)}, more than the ${formatBytes(options.maxBytes)} Zeropoint reads for one ${options.what}${options.raise ? `; raise the limit with ${options.raise}` : ''}.`, { subject: path });
  }
  return host.read(path);
}

export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} bytes`;
}

export interface OpenedModel {
  readonly model: Model;
  /** The .onnx file exactly as read (still refers to external data, if any). */
  readonly bytes: Uint8Array;
  /** Resolved paths of the external data files attached (empty for most models). */
  readonly externalFiles: readonly string[];
}

export interface OpenModelOptions {
  readonly limits?: Partial<IntakeLimits>;
  /** How the file is named in messages (defaults to the path as given). */
  readonly source?: string;
}

/**
 * Reads, decodes and checks a model, then reads the external data files it declares from its
 * folder (resolved, regular, inside the folder, only the declared bytes) and attaches them.
 */
export async function openModel(host: FileHost, path: string, options: OpenModelOptions = {}): Promise<OpenedModel> {
  const limits = withLimits(options.limits);
  const source = options.source ?? path;
  const bytes = await readInputFile(host, path, { what: 'model file', maxBytes: limits.maxModelBytes });
  const model = decodeModel(bytes, { source, maxGraphDepth: limits.maxGraphDepth });
  checkModel(model, { source, limits });
  const extents = externalDataExtents(model, { source });
  const externalFiles: string[] = [];
  if (extents.size > 0) {
    const folder = (await host.realpath(host.dirname(host.absolute(path)))) ?? host.dirname(host.absolute(path));
    const files = new Map<string, Uint8Array>();
    for (const [location, needed] of extents) {
      const candidate = host.join(folder, location);
      const real = await host.realpath(candidate);
      // A missing file is reported by attachExternalData, which names the tensor that needs it.
      if (real === undefined) continue;
      if (!host.isInside(folder, real)) {
        throw new ZeropointError('refused-file', `External data file ${quote(location)} of ${quote(source)} leads to ${quote(real)}, outside the model's folder (through a link); Zeropoint reads external data only from files inside the model's folder: copy the data file next to the model.`, { subject: location });
      }
      const entry = await host.stat(real);
      if (!entry || entry.kind !== 'file') {
        throw new ZeropointError('refused-file', `External data file ${quote(location)} of ${quote(source)} is ${entry ? article(entry.kind) : 'missing'}; external data must be a regular file next to the model.`, { subject: location });
      }
      // Only what the model declares is read; attachExternalData reports a file shorter than that.
      files.set(location, await host.read(real, Math.min(needed, entry.size)));
      externalFiles.push(real);
    }
    attachExternalData(model, files, { source });
    // The attached data are checked like inline data (sizes against shapes).
    checkModel(model, { source, limits });
  }
  return { model, bytes, externalFiles };
}

export interface OutputPath {
  /** The flag that names it, for messages: '--out', '--report'. */
  readonly flag: string;
  readonly path: string;
}

/**
 * Throws 'refused-output' (naming the flag and the path) unless every output is a regular file or a
 * new name in an existing folder, none is an input and no two are the same file. Run it before any
 * work: a run that would fail to write fails first.
 */
export async function checkOutputs(host: FileHost, outputs: readonly OutputPath[], inputs: readonly string[]): Promise<void> {
  const inputIds = new Map<string, string>();
  for (const input of inputs) {
    const entry = await host.stat(input);
    if (entry) inputIds.set(entry.id, input);
  }
  const seen = new Map<string, OutputPath>();
  for (const out of outputs) {
    const entry = await host.stat(out.path);
    const refuse = (why: string) => new ZeropointError('refused-output', `${out.flag} ${quote(out.path)} ${why}`, { subject: out.path });
    let key: string;
    if (entry) {
      if (entry.kind !== 'file') throw refuse(`is ${article(entry.kind)}; Zeropoint writes only to a regular file or a new path: choose a file name.`);
      const input = inputIds.get(entry.id);
      if (input !== undefined) throw refuse(`is the input ${quote(input)}: writing there would destroy it; choose another path.`);
      key = `id:${entry.id}`;
    } else {
      const folder = host.dirname(host.absolute(out.path));
      const folderEntry = await host.stat(folder);
      if (!folderEntry) throw refuse(`is in folder ${quote(folder)}, which does not exist; create it first.`);
      if (folderEntry.kind !== 'directory') throw refuse(`is in ${quote(folder)}, which is not a folder; choose a path in a folder.`);
      const real = (await host.realpath(folder)) ?? folder;
      key = `path:${host.join(real, host.absolute(out.path).slice(folder.length + 1))}`;
    }
    const other = seen.get(key);
    if (other) throw refuse(`is the same file as ${other.flag} ${quote(other.path)}; give each output its own path.`);
    seen.set(key, out);
  }
}
