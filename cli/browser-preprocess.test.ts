/**
 * Browser vs Node agreement: "Same image and spec: browser and Node tensors agree within 2/255 mean
 * absolute difference per element".
 *
 * The browser side is the real thing: workers/decode-image.ts + workers/core/preprocess/* bundled by
 * esbuild, run inside a module Worker of headless Chromium (Debian's /usr/bin/chromium); the Node side
 * is cli/images.ts (sharp) + the same imageToTensor. Differences come only from the two JPEG/PNG
 * decoders (chroma upsampling, IDCT), since the preprocessing code is literally the same.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataType } from '../workers/core/onnx/types';
import { imageToTensor } from '../workers/core/preprocess/image';
import { resolveSpec, type InputGeometry, type PresetName } from '../workers/core/preprocess/spec';
import { decodeImageFile } from './images';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = resolve(import.meta.dirname, '..');
const IMAGES = resolve(ROOT, '../shared/assets/images');
const LIMIT = 2 / 255;

const REAL_IMAGES = [
  join(IMAGES, 'classic/bus.jpg'), // 810x1080, ICC profile
  join(IMAGES, 'classic/street.png'), // RGBA PNG, 1441x731
  join(IMAGES, 'classic/ort_n01440764_3198_tench.png'),
  join(IMAGES, 'classic/wonnx_mnist_digit_5.jpg'), // grayscale JPEG
  join(IMAGES, 'imagenet-calib/n01440764_tench.JPEG'),
  join(IMAGES, 'imagenet-calib/n01532829_house_finch.JPEG'), // ICC profile
  join(IMAGES, 'imagenet-calib/n02676566_acoustic_guitar.JPEG'), // grayscale JPEG with an ICC profile
];

const GEOMETRIES: Record<'imagenet' | 'yolo', InputGeometry> = {
  imagenet: { name: 'input', layout: 'nchw', channels: 3, height: 224, width: 224, batch: 1, elemType: DataType.FLOAT },
  yolo: { name: 'images', layout: 'nchw', channels: 3, height: 640, width: 640, batch: 1, elemType: DataType.FLOAT },
};

/** The worker: fetch, decode, preprocess, and POST the raw bytes back (exact floats, no JSON). */
const WORKER_SOURCE = `
import { decodeImageBlob } from './workers/decode-image';
import { imageToTensor } from './workers/core/preprocess/image';
import { resolveSpec } from './workers/core/preprocess/spec';

self.onmessage = async (event) => {
  const { id, url, name, presets, geometries } = event.data;
  try {
    const blob = await (await fetch(url)).blob();
    const image = await decodeImageBlob(blob, name);
    await fetch('/result/' + id + '/rgba', { method: 'POST', body: image.data });
    const results = {};
    for (const preset of presets) {
      const geometry = geometries[preset];
      const spec = resolveSpec(preset, { channels: geometry.channels, layout: geometry.layout });
      const tensor = imageToTensor(image, spec, geometry);
      await fetch('/result/' + id + '/' + preset, { method: 'POST', body: tensor.data });
      results[preset] = { dims: tensor.dims, transform: tensor.transform };
    }
    self.postMessage({ id, ok: true, width: image.width, height: image.height, inWorker: typeof document === 'undefined', results });
  } catch (error) {
    self.postMessage({ id, ok: false, code: error.code, message: String(error.message) });
  }
};
`;

const PAGE = `<!doctype html><meta charset="utf-8"><title>preprocess</title>
<script type="module">
  const worker = new Worker('/worker.js', { type: 'module' });
  const pending = new Map();
  let next = 0;
  worker.onmessage = (e) => { pending.get(e.data.id)(e.data); pending.delete(e.data.id); };
  worker.onerror = (e) => { for (const r of pending.values()) r({ ok: false, message: 'worker error: ' + e.message }); pending.clear(); };
  window.preprocess = (args) => new Promise((resolve) => { const id = next++; pending.set(id, resolve); worker.postMessage({ ...args, id }); });
  window.ready = true;
</script>`;

interface BrowserResult {
  ok: boolean;
  code?: string;
  message?: string;
  width: number;
  height: number;
  inWorker: boolean;
  results: Record<string, { dims: number[]; transform: Record<string, number> }>;
}

const haveChromium = existsSync(CHROMIUM);
const title = haveChromium
  ? 'browser (Chromium worker) vs Node (sharp) preprocessing'
  : `browser vs Node preprocessing SKIPPED: ${CHROMIUM} is missing (apt-get install -y chromium)`;

describe.skipIf(!haveChromium)(title, () => {
  let server: Server;
  let browser: Browser;
  let page: Page;
  let base: string;
  let tmp: string;
  const files: string[] = [...REAL_IMAGES];
  const posted = new Map<string, Buffer>();
  const pageErrors: string[] = [];

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'zeropoint-browser-'));
    // A photo tagged with EXIF orientation 6 (both hosts must rotate it) and a half-transparent PNG.
    const rotated = join(tmp, 'rotated-exif6.jpg');
    await sharp(join(IMAGES, 'classic/zidane.jpg')).resize(320).jpeg({ quality: 90 }).withMetadata({ orientation: 6 }).toFile(rotated);
    const alpha = join(tmp, 'translucent.png');
    const { data, info } = await sharp(join(IMAGES, 'classic/person.jpg')).resize(300).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    for (let p = 0; p < info.width * info.height; p++) data[p * 4 + 3] = Math.round((255 * (p % info.width)) / (info.width - 1));
    await sharp(data, { raw: { width: info.width, height: info.height, channels: 4 } }).png().toFile(alpha);
    files.push(rotated, alpha);

    const bundle = await build({
      stdin: { contents: WORKER_SOURCE, resolveDir: ROOT, loader: 'ts', sourcefile: 'preprocess-worker.ts' },
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'chrome120',
      logLevel: 'silent',
    });
    const workerJs = bundle.outputFiles[0].text;

    server = createServer((req, res) => {
      const url = req.url ?? '/';
      if (req.method === 'POST' && url.startsWith('/result/')) {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          posted.set(url.slice('/result/'.length), Buffer.concat(chunks));
          res.writeHead(204).end();
        });
        return;
      }
      if (url === '/favicon.ico') {
        res.writeHead(204).end();
      } else if (url === '/' || url === '/index.html') {
        res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
      } else if (url === '/worker.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(workerJs);
      } else if (url.startsWith('/img/')) {
        const file = files[Number(url.slice(5))];
        if (!file) {
          res.writeHead(404).end();
          return;
        }
        readFile(file).then(
          (bytes) => res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(bytes),
          () => res.writeHead(500).end(),
        );
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    page = await browser.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    await page.goto(`${base}/`);
    await page.waitForFunction(() => (globalThis as unknown as { ready?: boolean }).ready === true);
  });

  afterAll(async () => {
    await page?.close().catch(() => {});
    await browser?.close().catch(() => {});
    await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('gives the same tensors for imagenet and yolo within 2/255 mean abs difference', async () => {
    const presets: PresetName[] = ['imagenet', 'yolo'];
    const report: string[] = [];
    for (let i = 0; i < files.length; i++) {
      const file = files[i];
      const name = basename(file);
      const result = (await page.evaluate((args) => (globalThis as unknown as { preprocess(a: unknown): Promise<unknown> }).preprocess(args), {
        url: `/img/${i}`,
        name,
        presets,
        geometries: GEOMETRIES,
      })) as BrowserResult;
      expect(result.ok, `${name}: ${result.code} ${result.message} ${pageErrors.join(' | ')}`).toBe(true);
      expect(result.inWorker).toBe(true);

      const node = await decodeImageFile(file);
      expect([result.width, result.height], `${name}: decoded size (EXIF orientation)`).toEqual([node.width, node.height]);
      const browserRgba = posted.get(`${i}/rgba`)!;
      expect(browserRgba.length).toBe(node.data.length);
      let decodeDiff = 0;
      let same = 0;
      for (let p = 0; p < node.data.length; p++) {
        if (p % 4 === 3) continue;
        const d = Math.abs(node.data[p] - browserRgba[p]);
        decodeDiff += d;
        if (d === 0) same++;
      }
      const channels = (node.data.length / 4) * 3;
      decodeDiff /= channels * 255;

      const line = [
        `${name} ${node.width}x${node.height}: decoded RGB ${(decodeDiff * 255).toFixed(3)}/255 (${((100 * same) / channels).toFixed(1)}% identical)`,
      ];
      for (const preset of presets) {
        const geometry = GEOMETRIES[preset as 'imagenet' | 'yolo'];
        const spec = resolveSpec(preset, { channels: geometry.channels, layout: geometry.layout });
        const mine = imageToTensor(node, spec, geometry);
        const bytes = posted.get(`${i}/${preset}`)!;
        const theirs = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
        expect(result.results[preset].dims).toEqual(mine.dims);
        expect(result.results[preset].transform).toEqual(mine.transform);
        expect(theirs.length).toBe(mine.data.length);
        // Back to 0..1 pixel units: |d tensor| * std / (scale * 255).
        const plane = geometry.width * geometry.height;
        let sum = 0;
        let max = 0;
        for (let k = 0; k < theirs.length; k++) {
          const c = Math.floor(k / plane);
          const d = (Math.abs(theirs[k] - mine.data[k]) * spec.std[c]) / (spec.scale * 255);
          sum += d;
          if (d > max) max = d;
        }
        const mean = sum / theirs.length;
        line.push(`${preset} mean ${(mean * 255).toFixed(3)}/255 max ${(max * 255).toFixed(1)}/255`);
        expect(mean, `${name} ${preset}: mean abs difference ${(mean * 255).toFixed(3)}/255`).toBeLessThanOrEqual(LIMIT);
      }
      report.push(line.join(', '));
    }
    console.log(`browser vs Node (0..1 pixel units, shown x255):\n  ${report.join('\n  ')}`);
    expect(pageErrors).toEqual([]);
  });

  it('names a file the browser cannot decode', async () => {
    files.push(join(ROOT, 'package.json'));
    const result = (await page.evaluate((args) => (globalThis as unknown as { preprocess(a: unknown): Promise<unknown> }).preprocess(args), {
      url: `/img/${files.length - 1}`,
      name: 'package.json',
      presets: ['imagenet'],
      geometries: GEOMETRIES,
    })) as BrowserResult;
    expect(result.ok).toBe(false);
    expect(result.code).toBe('bad-image');
    expect(result.message).toMatch(/^Cannot decode image 'package\.json': .+\. Remove it or replace it with a JPEG or PNG\.$/);
  });
});
