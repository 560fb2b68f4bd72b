/**
 * `zeropoint quantize --report out.html` writes the self-contained HTML report: its own CSP that
 * blocks every request, nothing that could load (no script, no external URL), and the same numbers
 * as the JSON report of the same run (sizes, quantized nodes, the options, the ranges) with the
 * per-layer comparison, the graph coloured by the chosen overlay and the exact command.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBytes, formatPercent } from '../workers/core/report/format';
import { REPORT_CSP } from '../workers/core/report/html';
import { runZeropoint } from '../test/cli-run';

const SQUEEZENET = '../shared/assets/models/squeezenet1.1-fp32.onnx';
const CALIB = '../shared/assets/images/imagenet-calib';

describe('quantize --report out.html', () => {
  let dir: string;
  let html: string;
  let json: { sizes: { fp32: number; int8: number }; quantizedNodes: number; nodes: unknown[]; activations: Array<{ name: string; scale: number }> };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zeropoint-html-'));
    const common = ['quantize', SQUEEZENET, '--calib', CALIB, '--limit', '12', '--preprocess', 'caffe', '--keep-fp32', 'Conv_0'];
    const a = await runZeropoint([...common, '--out', join(dir, 'a.onnx'), '--report', join(dir, 'a.json')]);
    const b = await runZeropoint([...common, '--out', join(dir, 'b.onnx'), '--report', join(dir, 'b.html'), '--report-overlay', 'precision']);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    json = JSON.parse(await readFile(join(dir, 'a.json'), 'utf8'));
    html = await readFile(join(dir, 'b.html'), 'utf8');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('is one self-contained file that loads nothing', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">`);
    expect(REPORT_CSP).toMatch(/^default-src 'none';/);
    expect(html).not.toMatch(/<script|<link|<iframe|<img|@import|url\(/i);
    expect(html).not.toMatch(/(src|href)=/i);
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('shows the numbers of the JSON report of the same run', () => {
    expect(html).toContain(`<td data-testid="report-fp32-size">${formatBytes(json.sizes.fp32)}</td>`);
    expect(html).toContain(`<td data-testid="report-int8-size">${formatBytes(json.sizes.int8)} (${formatPercent(json.sizes.int8 / json.sizes.fp32)} of FP32)</td>`);
    expect(html).toContain(`<td data-testid="report-quantized-nodes">${json.quantizedNodes} of ${json.nodes.length}</td>`);
    const rows = html.match(/<table data-testid="report-ranges">.*?<\/table>/s)![0].match(/<tr>/g)!.length - 1;
    expect(rows).toBe(json.activations.length);
  });

  it('has the per-layer comparison, the graph under the chosen overlay, and the command to reproduce it', () => {
    expect(html).toMatch(/the worst quantized layer is <code data-testid="report-worst-layer">[^<]+<\/code> \(tensor [^)]+\) at <span data-testid="report-worst-sqnr">\d+\.\d dB<\/span>/);
    expect(html).toContain('<span data-testid="report-overlay">Precision</span>');
    // Conv_0 was kept in FP32: its box is amber (FP32), the other Convs blue (INT8).
    expect(html).toMatch(/<g data-node="Conv_0"><title>Conv_0 \(Conv\): FP32 · kept in FP32 by name<\/title><rect [^>]*fill="#f2b134"/);
    expect(html).toMatch(/<g data-node="Conv_3"><title>[^<]*INT8[^<]*<\/title><rect [^>]*fill="#7fb3e6"/);
    expect((html.match(/<g data-node=/g) ?? []).length).toBe(67);
    expect(html).toContain(`npx zeropoint quantize ${SQUEEZENET} --calib ${CALIB} --preprocess caffe --out ${join(dir, 'b.onnx')} --limit 12 --keep-fp32 Conv_0`);
    expect(html).toMatch(/&quot;keepNodes&quot;: \[\s*&quot;Conv_0&quot;\s*\]/);
  });

  it('refuses an unknown overlay by name before any work', async () => {
    const run = await runZeropoint(['quantize', SQUEEZENET, '--calib', CALIB, '--preprocess', 'caffe', '--out', join(dir, 'c.onnx'), '--report', join(dir, 'c.html'), '--report-overlay', 'heat']);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe("zeropoint: Unknown --report-overlay 'heat'; use one of sqnr, cosine, precision, clipped, range-method.");
  });
});
