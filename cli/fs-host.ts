/**
 * The intake's FileHost on Node's fs (workers/core/intake/files.ts has the rules), and the one
 * writer of output files: every output is written to a fresh temporary file beside it first, and
 * only when all of them are written are they renamed into place, so a run writes all its outputs
 * or none.
 */
import { constants, type Stats } from 'node:fs';
import { open, realpath, rename, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { ZeropointError } from '../workers/core/errors';
import type { Entry, EntryKind, FileHost } from '../workers/core/intake/files';
import { quote } from '../workers/core/intake/names';

function kindOf(s: Stats): EntryKind {
  if (s.isFile()) return 'file';
  if (s.isDirectory()) return 'directory';
  if (s.isCharacterDevice()) return 'character device';
  if (s.isBlockDevice()) return 'block device';
  if (s.isFIFO()) return 'FIFO';
  if (s.isSocket()) return 'socket';
  return 'unknown';
}

const entryOf = (s: Stats): Entry => ({ kind: kindOf(s), size: s.size, id: `${s.dev}:${s.ino}` });

const errno = (e: unknown) => (e as { code?: unknown }).code;

/** A failure of fs as one sentence naming the path and what to do. */
export function fsError(e: unknown, path: string, doing: string): ZeropointError {
  const code = errno(e);
  const why =
    code === 'EACCES' || code === 'EPERM'
      ? 'permission denied; check its permissions'
      : code === 'ENOENT'
        ? 'there is no such file or folder; check the path'
        : code === 'ELOOP'
          ? 'it is a loop of links; point it at a real file'
          : code === 'ENOSPC'
            ? 'the disk is full; free some space'
            : code === 'EROFS'
              ? 'the file system is read-only; choose another folder'
              : `${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
  return new ZeropointError('io', `Cannot ${doing} ${quote(path)}: ${why}.`, { subject: path, cause: e });
}

export const nodeFileHost: FileHost = {
  absolute: (path) => resolve(path),
  dirname: (path) => dirname(path),
  join: (dir, rel) => join(dir, ...rel.split('/')),
  isInside(dir, path) {
    const rel = relative(dir, path);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  },
  async realpath(path) {
    try {
      return await realpath(path);
    } catch (e) {
      if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR' || errno(e) === 'ELOOP') return undefined;
      throw fsError(e, path, 'resolve');
    }
  },
  async stat(path) {
    try {
      return entryOf(await stat(path));
    } catch (e) {
      if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return undefined;
      throw fsError(e, path, 'read');
    }
  },
  async read(path, length) {
    let handle;
    try {
      // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
      handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (e) {
      throw fsError(e, path, 'read');
    }
    try {
      const s = await handle.stat();
      if (!s.isFile()) throw new ZeropointError('refused-file', `${quote(path)} is a ${kindOf(s)}, not a regular file; Zeropoint reads only regular files.`, { subject: path });
      // Never more than the size it had when opened (a file that grows is not followed), nor than asked.
      const n = Math.min(length ?? s.size, s.size);
      const buffer = new Uint8Array(n);
      let done = 0;
      while (done < n) {
        const { bytesRead } = await handle.read(buffer, done, n - done, done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done === n ? buffer : buffer.subarray(0, done);
    } catch (e) {
      if (e instanceof ZeropointError) throw e;
      throw fsError(e, path, 'read');
    } finally {
      await handle.close();
    }
  },
};

export interface OutputFile {
  readonly path: string;
  readonly bytes: Uint8Array | string;
}

/**
 * Writes every file or none: each to `<path>.tmp-<pid>-<n>` (created exclusively, so an existing
 * file or link of that name is never followed), then all are renamed into place. Check the paths
 * with checkOutputs (intake/files.ts) before the work that produces the bytes.
 */
export async function writeOutputs(files: readonly OutputFile[]): Promise<void> {
  const temps: string[] = [];
  try {
    for (const [i, file] of files.entries()) {
      const tmp = `${file.path}.tmp-${process.pid}-${i}`;
      let handle;
      try {
        handle = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
      } catch (e) {
        throw fsError(e, file.path, 'write');
      }
      temps.push(tmp);
      try {
        await handle.writeFile(file.bytes);
      } catch (e) {
        throw fsError(e, file.path, 'write');
      } finally {
        await handle.close();
      }
    }
    for (const [i, file] of files.entries()) {
      try {
        await rename(temps[i], file.path);
      } catch (e) {
        throw fsError(e, file.path, 'write');
      }
    }
  } catch (e) {
    for (const tmp of temps) await rm(tmp, { force: true });
    throw e;
  }
}
