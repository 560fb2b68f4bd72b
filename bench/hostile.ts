/**
 * npm run bench (second part): what hostile inputs cost before they are refused. Each bounded case
 * runs the real CLI (`node cli/bin.mjs`), and its peak resident memory (VmHWM, polled from /proc
 * every 10 ms) and wall time until the one-line refusal are reported; decode times of models with
 * unpacked repeated fields are measured in-process. Results go to stdout and bench/hostile-results.md.
 * Linux only (/proc). The fixtures are made in a temporary folder and removed afterwards.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { writePng } from '../cli/images';
import { encode, externalWeightModel, mkfifo, tinyConvModel, unpackedFloatModel, unpackedInt32Model } from '../test/hostile-fixtures';
import { blackPng, nestedIfBytes, slowLoopModel } from '../test/hostile-models';
import { decodeModel } from '../workers/core/onnx/decode';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'cli/bin.mjs');

interface Measured {
  readonly code: number | null;
  readonly seconds: number;
  readonly peakMiB: number;
  readonly line: string;
}

function peakOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+) kB/.exec(status);
    return kb ? Number(kb[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

function measure(args: string[]): Promise<Measured> {
  return new Promise((done) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 });
    let peak = 0;
    let err = '';
    const poll = setInterval(() => (peak = Math.max(peak, peakOf(child.pid!))), 10);
    child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
    child.on('close', (code) => {
      clearInterval(poll);
      const line = err.split('\n').filter((l) => l.startsWith('zeropoint: ')).at(-1) ?? err.trim().split('\n').at(-1) ?? '';
      done({ code, seconds: (performance.now() - t0) / 1000, peakMiB: peak, line });
    });
  });
}

function timeDecode(bytes: Uint8Array): number {
  let best = Infinity;
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    decodeModel(bytes);
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

async function main(): Promise<void> {
  const tmp = await mkdtemp(join(tmpdir(), 'zeropoint-bench-hostile-'));
  try {
    const model = join(tmp, 'model.onnx');
    await writeFile(model, encode(tinyConvModel()));
    const calib = join(tmp, 'calib');
    await mkdir(calib);
    await writePng(join(calib, 'a.png'), { width: 8, height: 8, data: new Uint8Array(256).fill(100) });
    for (const target of ['/dev/zero', '/dev/urandom']) {
      const dir = join(tmp, `ext-${target.split('/').pop()}`);
      await mkdir(dir);
      await writeFile(join(dir, 'model.onnx'), externalWeightModel('w.bin').model);
      await symlink(target, join(dir, 'w.bin'));
    }
    await symlink('/dev/zero', join(tmp, 'zero.onnx'));
    mkfifo(join(tmp, 'fifo.onnx'));
    await mkdir(join(tmp, 'calib-header'));
    await writeFile(join(tmp, 'calib-header/huge.png'), blackPng(16000, 16000));
    await mkdir(join(tmp, 'calib-real'));
    process.stderr.write('encoding a real 16000x16000 PNG...\n');
    await sharp({ create: { width: 16000, height: 16000, channels: 3, background: { r: 30, g: 90, b: 160 } }, limitInputPixels: false }).png({ compressionLevel: 1 }).toFile(join(tmp, 'calib-real/huge.png'));
    await writeFile(join(tmp, 'slow-loop.onnx'), slowLoopModel());
    await writeFile(join(tmp, 'nested-if.onnx'), nestedIfBytes(5000));

    const out = ['--out', join(tmp, 'out.onnx')];
    const q = (m: string, dir = calib) => ['quantize', m, '--calib', dir, '--preprocess', 'unit', ...out];
    const cases: Array<{ name: string; args: string[] }> = [
      { name: 'external data -> /dev/zero', args: q(join(tmp, 'ext-zero/model.onnx')) },
      { name: 'external data -> /dev/urandom', args: q(join(tmp, 'ext-urandom/model.onnx')) },
      { name: 'model -> /dev/zero', args: q(join(tmp, 'zero.onnx')) },
      { name: 'model is a FIFO', args: q(join(tmp, 'fifo.onnx')) },
      { name: '16000x16000 black PNG (250 KB)', args: q(model, join(tmp, 'calib-header')) },
      { name: '16000x16000 colour PNG (sharp-encoded)', args: q(model, join(tmp, 'calib-real')) },
      { name: '5,000 nested If subgraphs', args: q(join(tmp, 'nested-if.onnx')) },
      { name: 'Loop of 1e12 iterations, --run-timeout 2', args: [...q(join(tmp, 'slow-loop.onnx')), '--run-timeout', '2'] },
      { name: 'a good model (for scale)', args: q(model) },
    ];
    const rows: string[] = [];
    for (const c of cases) {
      process.stderr.write(`${c.name}...\n`);
      const m = await measure(c.args);
      rows.push(`| ${c.name} | ${m.code} | ${m.seconds.toFixed(2)} | ${m.peakMiB.toFixed(0)} | ${m.line.replace(/\|/g, '\\|').slice(0, 160)} |`);
    }
    const decodes = [
      { name: '200k int32 values, unpacked (400 KB)', bytes: unpackedInt32Model(200_000) },
      { name: '200k floats, unpacked (1 MB)', bytes: unpackedFloatModel(200_000) },
    ].map((d) => `| ${d.name} | ${(d.bytes.length / 1e3).toFixed(0)} | ${timeDecode(d.bytes).toFixed(1)} |`);
    const md = [
      '## Hostile inputs: cost until refused (node cli/bin.mjs quantize, one run each)',
      '',
      'Peak memory is the CLI process\'s VmHWM (the node process with tsx; a good tiny model needs about the same).',
      '',
      '| case | exit | seconds | peak MiB | the line |',
      '|---|---:|---:|---:|---|',
      ...rows,
      '',
      '## Decoding unpacked repeated fields (decodeModel, best of 3)',
      '',
      '| model | KB | ms |',
      '|---|---:|---:|',
      ...decodes,
      '',
    ].join('\n');
    process.stdout.write(md);
    await writeFile(join(ROOT, 'bench', 'hostile-results.md'), `# Zeropoint bench: hostile inputs\n\n${md}`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();
