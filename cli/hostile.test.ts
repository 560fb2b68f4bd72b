/**
 * Hostile inputs, as a table (like Netron's table of broken files with their expected errors): each
 * row runs the real CLI (`node cli/bin.mjs`) and asserts the exit code, ONE `zeropoint:` line that
 * names the subject and says what to do, that nothing was written, and that every input's bytes are
 * unchanged. Links, devices and FIFOs are made in a temporary folder at test time; the real
 * /dev/null is only ever the target of a link, never an output.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { link, lstat, mkdir, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bent, encode, externalWeightModel, mkfifo, mknodNull, nestedJson, tinyConvModel, unpackedFloatModel, unpackedInt32Model } from '../test/hostile-fixtures';
import { blackPng, BROKEN_MODELS, nestedIfBytes, slowLoopModel } from '../test/hostile-models';
import { runZeropoint } from '../test/cli-run';
import { writePng } from './images';

const zeropoint = (args: readonly string[], timeoutMs = 60_000) => runZeropoint(args, { timeoutMs });

// Made when the file is collected: the table's expected messages name fixture paths.
const tmp = mkdtempSync(join(tmpdir(), 'zeropoint-hostile-'));
const fx = join(tmp, 'fx');
const f = (name: string) => join(fx, name);
const isRoot = process.getuid?.() === 0;
let haveDevice = false;

const MODEL = () => f('model.onnx');
const CALIB = () => f('calib');
const IMAGE = () => f('calib/a.png');
const quantize = (model: string, ...rest: string[]) => ['quantize', model, '--calib', CALIB(), '--preprocess', 'unit', ...rest];

beforeAll(async () => {
  await mkdir(fx);
  await writeFile(MODEL(), encode(tinyConvModel()));
  await mkdir(CALIB());
  for (const [i, name] of ['a.png', 'b.png'].entries()) {
    await writePng(f(`calib/${name}`), { width: 8, height: 8, data: Uint8Array.from({ length: 256 }, (_, k) => (k * (7 + i)) % 256) });
  }
  await writeFile(f('spec.json'), JSON.stringify({ preset: 'unit' }));
  await mkdir(f('sub'));
  await link(MODEL(), f('model-hardlink.onnx'));

  // External data that leads out of the model's folder, or is not a regular file.
  const ext = async (dir: string, location: string, make: (path: string) => Promise<void>) => {
    await mkdir(f(dir), { recursive: true });
    const { model } = externalWeightModel(location);
    await writeFile(f(`${dir}/model.onnx`), model);
    await make(f(`${dir}/${location}`));
  };
  await ext('ext-passwd', 'w.bin', (p) => symlink('/etc/passwd', p));
  await ext('ext-zero', 'w.bin', (p) => symlink('/dev/zero', p));
  await ext('ext-urandom', 'w.bin', (p) => symlink('/dev/urandom', p));
  await ext('ext-fifo', 'w.bin', async (p) => mkfifo(p));
  await mkdir(f('outside'));
  await writeFile(f('outside/w.bin'), externalWeightModel('w.bin').data);
  await ext('ext-folderlink', 'data/w.bin', async () => {
    await symlink('../outside', f('ext-folderlink/data'));
  });

  // Models, images and specs that are streams, devices or bombs.
  await symlink('/dev/zero', f('zero.onnx'));
  await symlink('/dev/urandom', f('urandom.onnx'));
  mkfifo(f('fifo.onnx'));
  await symlink('/dev/zero', f('zero-spec.json'));
  await mkdir(f('calib-big'));
  await writeFile(f('calib-big/huge.png'), blackPng(16000, 16000));
  await writeFile(f('slow-loop.onnx'), slowLoopModel());
  await writeFile(f('nested.json'), nestedJson(100_000));

  // Names that would forge a line or colour the terminal (the bytes are not an image).
  for (const [dir, name] of [
    ['calib-newline', 'a\nzeropoint: all is well.png'],
    ['calib-ansi', '\x1b[31mred\x1b[0m.png'],
  ]) {
    await mkdir(f(dir));
    await writeFile(join(f(dir), name), 'not an image');
  }

  // An SVG renamed .png that points at a local file: never handed to a decoder.
  await mkdir(f('calib-svg'));
  await writeFile(f('calib-svg/x.png'), '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="8" height="8"><image xlink:href="file:///etc/passwd"/></svg>');

  // Outputs that are not regular files.
  await symlink('/dev/null', f('null-link.onnx'));
  mkfifo(f('out-fifo.onnx'));
  haveDevice = isRoot && mknodNull(f('null-device'));

  // Broken models, one field each.
  const bad: Record<string, Uint8Array> = {
    'opset-0.onnx': bent((m) => (m.opsetImport[0].version = 0)),
    'opset-minus-1.onnx': bent((m) => (m.opsetImport[0].version = -1)),
    'opset-1.onnx': bent((m) => (m.opsetImport[0].version = 1)),
    'ir-0.onnx': bent((m) => (m.irVersion = 0)),
    'ir-max.onnx': bent((m) => (m.irVersion = -1)), // 2^64-1 on the wire
    'nan-weight.onnx': bent((m) => {
      const w = m.graph!.initializer[0];
      const values = new Float32Array(w.rawData!.slice().buffer);
      values[40] = NaN;
      w.rawData = new Uint8Array(values.buffer);
    }),
  };
  for (const [name, bytes] of Object.entries(bad)) await writeFile(f(name), bytes);
  // The models the workbench refuses in its Model step (test/hostile-models.ts), refused the same way here.
  for (const b of BROKEN_MODELS) await writeFile(f(b.file), b.bytes());
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** sha256 of every regular file under the fixture folder (links and special files recorded by kind, never read). */
async function snapshot(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isSymbolicLink()) out[p] = `link -> ${await readlink(p)}`;
      else if (e.isFile()) out[p] = createHash('sha256').update(await readFile(p)).digest('hex');
      else out[p] = e.isFIFO() ? 'fifo' : 'special';
    }
  };
  await walk(fx);
  return out;
}

interface HostileCase {
  readonly name: string;
  /** CLI arguments; `out` is a fresh empty folder for this case's outputs. */
  readonly args: (out: string) => string[];
  readonly code?: number;
  /** What the one line must contain: the subject, and what to do. */
  readonly says: ReadonlyArray<string | RegExp>;
  readonly skip?: () => boolean;
}

const O = (out: string) => ['--out', join(out, 'm.int8.onnx')];
const R = (out: string) => ['--report', join(out, 'report.json')];

const CASES: HostileCase[] = [
  // 1. External data that escapes the model's folder or is not a regular file.
  { name: 'external data: a link to /etc/passwd', args: (o) => [...quantize(f('ext-passwd/model.onnx')), ...O(o)], says: ["External data file 'w.bin'", "leads to '/etc/passwd', outside the model's folder", /copy the data file next to the model\.$/] },
  { name: 'external data: a folder link out of the model folder', args: (o) => [...quantize(f('ext-folderlink/model.onnx')), ...O(o)], says: ["External data file 'data/w.bin'", `leads to '${f('outside/w.bin')}', outside the model's folder`] },
  { name: 'external data: a link to /dev/zero', args: (o) => [...quantize(f('ext-zero/model.onnx')), ...O(o)], says: ["External data file 'w.bin'", "leads to '/dev/zero', outside the model's folder"] },
  { name: 'external data: a link to /dev/urandom', args: (o) => [...quantize(f('ext-urandom/model.onnx')), ...O(o)], says: ["leads to '/dev/urandom', outside the model's folder"] },
  { name: 'external data: a FIFO inside the folder', args: (o) => [...quantize(f('ext-fifo/model.onnx')), ...O(o)], says: ["External data file 'w.bin'", 'is a FIFO, not a regular file', /must be a regular file next to the model\.$/] },
  // 2. Outputs that are inputs, or each other.
  { name: '--out is the model', args: () => [...quantize(MODEL()), '--out', MODEL()], says: [`--out '${MODEL()}' is the input '${MODEL()}'`, /choose another path\.$/] },
  { name: '--out is the model through ./sub/../', args: () => [...quantize(MODEL()), '--out', `${fx}/sub/../model.onnx`], says: [`--out '${fx}/sub/../model.onnx' is the input`] },
  { name: '--out is a hard link to the model', args: () => [...quantize(MODEL()), '--out', f('model-hardlink.onnx')], says: [`--out '${f('model-hardlink.onnx')}' is the input '${MODEL()}'`] },
  { name: '--out is a calibration image', args: () => [...quantize(MODEL()), '--out', IMAGE()], says: [`--out '${IMAGE()}' is the input '${IMAGE()}'`] },
  { name: '--out is the spec file', args: () => ['quantize', MODEL(), '--calib', CALIB(), '--preprocess', f('spec.json'), '--out', f('spec.json')], says: [`--out '${f('spec.json')}' is the input`] },
  { name: '--report is the model', args: (o) => [...quantize(MODEL()), ...O(o), '--report', MODEL()], says: [`--report '${MODEL()}' is the input`] },
  { name: '--report is a calibration image', args: (o) => [...quantize(MODEL()), ...O(o), '--report', IMAGE()], says: [`--report '${IMAGE()}' is the input`] },
  { name: '--report is --out', args: (o) => [...quantize(MODEL()), ...O(o), '--report', join(o, 'm.int8.onnx')], says: [`--report '`, "is the same file as --out", /give each output its own path\.$/] },
  // 3. Outputs that are devices or FIFOs.
  { name: '--out is a link to /dev/null', args: () => [...quantize(MODEL()), '--out', f('null-link.onnx')], says: [`--out '${f('null-link.onnx')}' is a character device, not a regular file`, /choose a file name\.$/] },
  { name: '--out is a device node (made in the temp folder)', args: () => [...quantize(MODEL()), '--out', f('null-device')], says: ['is a character device, not a regular file'], skip: () => !haveDevice },
  { name: '--out is a FIFO', args: () => [...quantize(MODEL()), '--out', f('out-fifo.onnx')], says: [`--out '${f('out-fifo.onnx')}' is a FIFO, not a regular file`] },
  { name: '--out is a folder', args: () => [...quantize(MODEL()), '--out', f('sub')], says: [`--out '${f('sub')}' is a directory, not a regular file`] },
  // 4. An output that cannot be written fails before any work.
  { name: '--report in a missing folder', args: (o) => [...quantize(MODEL()), ...O(o), '--report', join(tmp, 'missing/dir/r.json')], says: [`--report '${join(tmp, 'missing/dir/r.json')}' is in folder '${join(tmp, 'missing/dir')}', which does not exist; create it first.`] },
  // 5. Streams, devices, huge images, endless runs.
  { name: 'the model is a link to /dev/zero', args: (o) => [...quantize(f('zero.onnx')), ...O(o)], says: [`Model file '${f('zero.onnx')}' is a character device, not a regular file`] },
  { name: 'the model is a link to /dev/urandom', args: (o) => [...quantize(f('urandom.onnx')), ...O(o)], says: [`Model file '${f('urandom.onnx')}' is a character device`] },
  { name: 'the model is a FIFO', args: (o) => [...quantize(f('fifo.onnx')), ...O(o)], says: [`Model file '${f('fifo.onnx')}' is a FIFO, not a regular file`] },
  { name: 'the spec file is a link to /dev/zero', args: (o) => ['quantize', MODEL(), '--calib', CALIB(), '--preprocess', f('zero-spec.json'), ...O(o)], says: [`Spec file '${f('zero-spec.json')}' is a character device`] },
  { name: 'a 16000x16000 PNG', args: (o) => ['quantize', MODEL(), '--calib', f('calib-big'), '--preprocess', 'unit', ...O(o)], says: [`Image '${f('calib-big/huge.png')}' is 16000x16000 (256 MP), more than the 50 MP Zeropoint decodes`, /raise the limit with --max-image-pixels N\.$/] },
  { name: 'a Loop of 1e12 iterations with a computed condition (the run budget stops it)', args: (o) => [...quantize(f('slow-loop.onnx')), ...O(o), '--run-timeout', '2'], says: [`Calibrating on image '${IMAGE()}' took longer than 2 s, the budget for one run`, /raise the budget with --run-timeout SECONDS\.$/] },
  // 7. Depth.
  { name: 'a spec of 100k nested brackets', args: (o) => ['quantize', MODEL(), '--calib', CALIB(), '--preprocess', f('nested.json'), ...O(o)], says: [`'${f('nested.json')}' nests JSON arrays and objects 100000 deep, more than the 64`] },
  // 8. Names that would forge lines or reach the terminal raw.
  { name: 'an image name with a newline', args: (o) => ['quantize', MODEL(), '--calib', f('calib-newline'), '--preprocess', 'unit', ...O(o)], says: ["Cannot decode image '", 'a\\nzeropoint: all is well.png'] },
  { name: 'an image name with ANSI escapes', args: (o) => ['quantize', MODEL(), '--calib', f('calib-ansi'), '--preprocess', 'unit', ...O(o)], says: ['\\x1b[31mred\\x1b[0m.png'] },
  // 9. Messages that name the weight, node, input or flag.
  { name: 'a NaN in a Conv weight', args: (o) => [...quantize(f('nan-weight.onnx')), ...O(o)], says: ["Weight 'W' of node 'conv': channel 1 (axis 0) of the weight holds a non-finite value", /keep the node in FP32\.$/] },
  { name: '--limit -1', args: (o) => [...quantize(MODEL()), ...O(o), '--limit', '-1'], says: ["--limit '-1' must be a positive whole number."] },
  // 10. Fields no valid model has.
  { name: 'opset 0', args: (o) => [...quantize(f('opset-0.onnx')), ...O(o)], says: ["declares opset 0 for domain 'ai.onnx'", /export the model again with opset 13 or later\.$/] },
  { name: 'opset -1', args: (o) => [...quantize(f('opset-minus-1.onnx')), ...O(o)], says: ["declares opset -1 for domain 'ai.onnx'"] },
  { name: 'opset 1', args: (o) => [...quantize(f('opset-1.onnx')), ...O(o)], says: ["declares opset 1 for domain 'ai.onnx', outside the opsets 7 to 24"] },
  { name: 'ir_version 0', args: (o) => [...quantize(f('ir-0.onnx')), ...O(o)], says: ['declares IR version 0, which is not an ONNX IR version'] },
  { name: 'ir_version 2^64-1', args: (o) => [...quantize(f('ir-max.onnx')), ...O(o)], says: ['declares IR version -1, which is not an ONNX IR version'] },
  // 11. What the tab showed as a normal model (or a bare 'Something went wrong'), from the workbench's own table.
  ...BROKEN_MODELS.map(
    (b): HostileCase => ({
      name: b.what,
      args: (o) => [...quantize(f(b.file)), ...O(o)],
      // The CLI names the file by the path it was given, the workbench by its name.
      says: b.says.map((s) => (typeof s === 'string' ? s.replace(`'${b.file}'`, `${b.file}'`) : s)),
    }),
  ),
  // Our own.
  { name: 'the model path is a folder', args: (o) => [...quantize(f('sub')), ...O(o)], says: [`Cannot read model file '${f('sub')}': it is a folder, not a file; pass the .onnx file inside it.`] },
  { name: 'an SVG renamed .png that links a local file', args: (o) => ['quantize', MODEL(), '--calib', f('calib-svg'), '--preprocess', 'unit', ...O(o)], says: [`Cannot decode image '${f('calib-svg/x.png')}': it is not a JPEG, PNG, WebP, BMP or GIF file.`] },
  { name: 'the calibration folder is a FIFO', args: (o) => ['quantize', MODEL(), '--calib', f('fifo.onnx'), '--preprocess', 'unit', ...O(o)], says: [`'${f('fifo.onnx')}' is a file, not a folder of images`] },
];

describe('hostile inputs: refused with one line naming the subject; nothing written; inputs unchanged', () => {
  CASES.forEach((c, i) => {
    it.skipIf(c.skip?.() ?? false)(c.name, async () => {
      const out = join(tmp, `out-${i}`);
      await mkdir(out);
      const before = await snapshot();
      const run = await zeropoint(c.args(out));
      expect(run.code, run.stderr).toBe(c.code ?? 1);
      expect(run.stdout).toBe('');
      const lines = run.stderr.split('\n').filter((l) => l !== '' && !/^calibrating \d+\/\d+ images/.test(l));
      expect(lines, run.stderr).toHaveLength(1);
      const [line] = lines;
      expect(line.startsWith('zeropoint: ')).toBe(true);
      expect(line).not.toMatch(/unexpected error|\[E:onnxruntime/);
      // Nothing a name or a model carries reaches the terminal raw.
      expect(run.stderr).not.toMatch(/\x1b/);
      for (const s of c.says) {
        if (typeof s === 'string') expect(line).toContain(s);
        else expect(line).toMatch(s);
      }
      expect(await readdir(out)).toEqual([]);
      expect(await snapshot()).toEqual(before);
    });
  });

  it('the real /dev/null is still a character device', async () => {
    expect((await stat('/dev/null')).isCharacterDevice()).toBe(true);
    expect((await lstat(f('null-link.onnx'))).isSymbolicLink()).toBe(true);
  });

  it.skipIf(isRoot)('an image folder that cannot be read names it (permissions do not apply to root)', async () => {
    const locked = f('locked');
    await mkdir(locked, { mode: 0o000 });
    const run = await zeropoint(['quantize', MODEL(), '--calib', locked, '--preprocess', 'unit', '--out', join(tmp, 'locked.onnx')]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(`zeropoint: Cannot read image folder '${locked}': permission denied; check its permissions.`);
  });
});

describe('hostile but harmless: the run goes on', () => {
  it('an image folder with a FIFO, a device link and a link out of the folder: skipped and named in a note, the rest calibrates', async () => {
    const dir = f('calib-mixed');
    await mkdir(dir);
    await writePng(join(dir, 'good.png'), { width: 8, height: 8, data: new Uint8Array(256).fill(90) });
    await symlink(join(dir, 'good.png'), join(dir, 'good-link.png'));
    await symlink('/etc/passwd', join(dir, 'passwd.jpg'));
    await symlink('/dev/zero', join(dir, 'zero.png'));
    mkfifo(join(dir, 'fifo.jpg'));
    const out = join(tmp, 'mixed.int8.onnx');
    const run = await zeropoint(['quantize', MODEL(), '--calib', dir, '--preprocess', 'unit', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    const note = run.stderr.split('\n').find((l) => l.startsWith('note: skipped'));
    expect(note).toBe(
      `note: skipped 3 entries of '${dir}' that are not regular image files inside it: '${join(dir, 'fifo.jpg')}' (a FIFO, not a file), '${join(dir, 'passwd.jpg')}' (a link to '/etc/passwd', outside the folder), '${join(dir, 'zero.png')}' (a link to '/dev/zero', outside the folder)`,
    );
    expect(run.stderr).toMatch(/ 2 images in /);
    expect((await stat(out)).isFile()).toBe(true);
  });

  it('200k unpacked int32 values and 1 MB of unpacked floats decode (linear time): inspect answers', async () => {
    await writeFile(f('unpacked-int32.onnx'), unpackedInt32Model(200_000));
    await writeFile(f('unpacked-float.onnx'), unpackedFloatModel(200_000));
    for (const name of ['unpacked-int32.onnx', 'unpacked-float.onnx']) {
      // The spawn timeout only stops a hang; the decode time itself is measured in bench/hostile.ts.
      const run = await zeropoint(['inspect', f(name), '--json'], 30_000);
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout).parameters).toBeGreaterThan(200_000);
    }
  });
});
