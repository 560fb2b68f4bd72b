/**
 * The intake's Node host on real files in a temporary folder: kinds, bounded reads that never block,
 * links resolved, fs errors as one sentence, and outputs written all or none.
 */
import { mkdtempSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkOutputs, readInputFile } from '../workers/core/intake/files';
import { mkfifo } from '../test/hostile-fixtures';
import { fsError, nodeFileHost, writeOutputs } from './fs-host';

const dir = mkdtempSync(join(tmpdir(), 'zeropoint-fs-host-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('nodeFileHost', () => {
  it('tells regular files, folders, FIFOs and devices apart (following links)', async () => {
    await writeFile(join(dir, 'a.bin'), new Uint8Array(10));
    mkfifo(join(dir, 'pipe'));
    await symlink('/dev/null', join(dir, 'null'));
    expect(await nodeFileHost.stat(join(dir, 'a.bin'))).toMatchObject({ kind: 'file', size: 10 });
    expect(await nodeFileHost.stat(dir)).toMatchObject({ kind: 'directory' });
    expect(await nodeFileHost.stat(join(dir, 'pipe'))).toMatchObject({ kind: 'FIFO' });
    expect(await nodeFileHost.stat(join(dir, 'null'))).toMatchObject({ kind: 'character device' });
    expect(await nodeFileHost.stat(join(dir, 'missing'))).toBeUndefined();
  });

  it('reads only the bytes asked for, and refuses a FIFO once open without waiting for a writer', async () => {
    await writeFile(join(dir, 'ten.bin'), Uint8Array.from({ length: 10 }, (_, i) => i));
    expect(Array.from(await nodeFileHost.read(join(dir, 'ten.bin'), 4))).toEqual([0, 1, 2, 3]);
    expect((await nodeFileHost.read(join(dir, 'ten.bin'))).length).toBe(10);
    await expect(nodeFileHost.read(join(dir, 'pipe'))).rejects.toMatchObject({ code: 'refused-file', message: expect.stringContaining('is a FIFO, not a regular file') });
  });

  it('resolves links, and says whether a path stays inside a folder', async () => {
    await mkdir(join(dir, 'inner'));
    await symlink('..', join(dir, 'inner/up'));
    const real = (await nodeFileHost.realpath(join(dir, 'inner/up/a.bin')))!;
    expect(real.endsWith('/a.bin')).toBe(true);
    const inner = (await nodeFileHost.realpath(join(dir, 'inner')))!;
    expect(nodeFileHost.isInside(inner, real)).toBe(false);
    expect(nodeFileHost.isInside(inner, join(inner, 'x/y'))).toBe(true);
    expect(nodeFileHost.isInside(inner, `${inner}-sibling/x`)).toBe(false);
  });

  it('turns fs errors into one sentence naming the path and what to do', () => {
    expect(fsError(Object.assign(new Error('EACCES: permission denied, scandir'), { code: 'EACCES' }), '/data/calib', 'read image folder').message).toBe(
      "Cannot read image folder '/data/calib': permission denied; check its permissions.",
    );
    expect(fsError(Object.assign(new Error('x'), { code: 'ELOOP' }), '/m.onnx', 'read').message).toBe("Cannot read '/m.onnx': it is a loop of links; point it at a real file.");
    expect(fsError(Object.assign(new Error('x'), { code: 'ENOSPC' }), '/o.onnx', 'write').message).toBe("Cannot write '/o.onnx': the disk is full; free some space.");
  });

  it('readInputFile refuses a file over the limit before reading it', async () => {
    await expect(readInputFile(nodeFileHost, join(dir, 'ten.bin'), { what: 'image', maxBytes: 5, raise: '--max-bytes N' })).rejects.toMatchObject({
      code: 'too-large',
      message: `Image '${join(dir, 'ten.bin')}' is 10 bytes, more than the 5 bytes Zeropoint reads for one image; raise the limit with --max-bytes N.`,
    });
  });
});

describe('writeOutputs: all or none', () => {
  it('writes every file, replacing an existing one', async () => {
    const out = join(dir, 'out-ok');
    await mkdir(out);
    await writeFile(join(out, 'm.onnx'), 'old');
    await writeOutputs([
      { path: join(out, 'm.onnx'), bytes: new Uint8Array([1, 2, 3]) },
      { path: join(out, 'r.json'), bytes: '{}' },
    ]);
    expect(Array.from(await readFile(join(out, 'm.onnx')))).toEqual([1, 2, 3]);
    expect(await readFile(join(out, 'r.json'), 'utf8')).toBe('{}');
    expect((await readdir(out)).sort()).toEqual(['m.onnx', 'r.json']);
  });

  it('when one cannot be written, none is, and no temporary file is left', async () => {
    const out = join(dir, 'out-fail');
    await mkdir(out);
    await writeFile(join(out, 'm.onnx'), 'old');
    await expect(
      writeOutputs([
        { path: join(out, 'm.onnx'), bytes: new Uint8Array([1, 2, 3]) },
        { path: join(dir, 'no-such-folder', 'r.json'), bytes: '{}' },
      ]),
    ).rejects.toMatchObject({ code: 'io', message: expect.stringContaining(`Cannot write '${join(dir, 'no-such-folder', 'r.json')}'`) });
    expect(await readFile(join(out, 'm.onnx'), 'utf8')).toBe('old');
    expect(await readdir(out)).toEqual(['m.onnx']);
  });

  it('checkOutputs compares by identity: a link to an input is the input', async () => {
    await symlink(join(dir, 'ten.bin'), join(dir, 'ten-link.bin'));
    await expect(checkOutputs(nodeFileHost, [{ flag: '--out', path: join(dir, 'ten-link.bin') }], [join(dir, 'ten.bin')])).rejects.toMatchObject({
      code: 'refused-output',
      message: `--out '${join(dir, 'ten-link.bin')}' is the input '${join(dir, 'ten.bin')}': writing there would destroy it; choose another path.`,
    });
  });
});
