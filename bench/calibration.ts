/**
 * npm run bench, calibration cost (issue 11 item 4, issue 9 item 7): per shared model, calibration /
 * plain FP32 inference per image, MinMax and histograms, before (calibrate's `reference` forms:
 * ReduceMin/ReduceMax/Shape per tensor; every tensor exposed and binned in two passes) and after (the
 * packed in-graph reductions of minmax-graph.ts; one-pass binning of every value, implied Concats; the
 * default sampled histograms of sample-graph.ts), and the
 * throughput of 2 calibration workers against 1.
 *
 * Ratios within one run, on one input set (images decoded and preprocessed once). Each calibration is
 * the engine's calibrate() on onnxruntime-node with 1 intra-op thread (a workbench pool worker's
 * session), given the quantize defaults as its plan, as the CLI does. Per image = the loop over images
 * 2..N (image 1 allocates; session creation is left out). Two clocks:
 *  - CPU: this process's CPU time (process.cpuUsage) over the loop: onnxruntime and JS together. On a
 *    shared, loaded machine it is what the work costs, whatever the other processes take;
 *  - wall: elapsed time, which also holds the waits for a core (noisy under load).
 * The variants of a model run in rotation (plain, MinMax before, MinMax after, histograms before,
 * histograms of every value, sampled histograms; reversed in the next round) and the best of BENCH_CALIB_REPEATS rounds is kept.
 *
 * Workers: N images split between K child processes (bench/calibration-worker.ts), each a 1-thread
 * calibrate() of its share; timed from when every worker has run its first image to the merged
 * statistics (mergeCalibrationStats). 2 workers / 1 worker is the throughput ratio (2.0 = perfect).
 *
 * Env: BENCH_CALIB_MODELS (ids, comma-separated), BENCH_CALIB_BUDGET_MS (timed work per model and
 * round, 20000; sets the images, 4..12), BENCH_CALIB_REPEATS (2; 1 for a model whose plain run takes
 * over 300 ms), BENCH_CALIB_WORKERS=0 to skip the workers.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { calibrate, type CalibrationResult, type CalibrationSource } from '../workers/core/calibration/calibrate';
import { mergeCalibrationStats, type CalibrationStats } from '../workers/core/calibration/collector';
import { calibrationCandidates } from '../workers/core/calibration/augment';
import { jitteredReadings } from '../workers/core/calibration/minmax-derive';
import { minMaxGraph } from '../workers/core/calibration/minmax-graph';
import { computeRange, medianRangeMove, type RangeMethod } from '../workers/core/calibration/ranges';
import { defaultHistogramSample } from '../workers/core/calibration/sample-graph';
import { encodeModel } from '../workers/core/onnx/encode';
import type { Model } from '../workers/core/onnx/types';
import { DEFAULT_QUANTIZE_OPTIONS } from '../workers/core/quant/quantize';
import type { Feeds } from '../workers/core/runner';
import { createNodeRunner } from '../cli/runner-node';
import { CALIBRATION_CASES, loadCase, type CalibrationCase } from './calibration-cases';
import type { WorkerJob, WorkerReply } from './calibration-worker';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function envInt(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name}='${v}' must be a whole number.`);
  return n;
}
const BUDGET_MS = envInt('BENCH_CALIB_BUDGET_MS', 20000);
const REPEATS = envInt('BENCH_CALIB_REPEATS', 2);
const WORKERS = process.env.BENCH_CALIB_WORKERS !== '0';
const MIN_IMAGES = 6;
const MAX_IMAGES = 12;

const log = (line: string) => process.stderr.write(`${line}\n`);
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

interface Loop {
  /** Per image over images 2..N. */
  readonly wall: number;
  readonly cpu: number;
}

const better = (a: Loop | undefined, b: Loop): Loop => (a === undefined ? b : { wall: Math.min(a.wall, b.wall), cpu: Math.min(a.cpu, b.cpu) });

async function plainLoop(model: Uint8Array, feeds: readonly Feeds[]): Promise<Loop> {
  const session = await createNodeRunner({ source: 'plain' }).createSession(model, { optimization: 'all', threads: 1 });
  try {
    await session.run(feeds[0]);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 1; i < feeds.length; i++) await session.run(feeds[i]);
    return { wall: (performance.now() - t0) / (feeds.length - 1), cpu: cpuMs(process.cpuUsage(c0)) / (feeds.length - 1) };
  } finally {
    await session.release();
  }
}

async function calibrationLoop(model: Model, feeds: readonly Feeds[], options: { histograms: boolean; reference: boolean; histogramSample?: number }): Promise<{ loop: Loop; result: CalibrationResult }> {
  let c0: NodeJS.CpuUsage | undefined;
  let t0 = NaN;
  let loop: Loop | undefined;
  const source: CalibrationSource = {
    count: feeds.length,
    feeds: async (i) => {
      if (i === 1) {
        c0 = process.cpuUsage();
        t0 = performance.now();
      }
      return feeds[i];
    },
  };
  const result = await calibrate(model, createNodeRunner({ source: 'calibration' }), source, {
    threads: 1,
    plan: DEFAULT_QUANTIZE_OPTIONS,
    collector: { histograms: options.histograms },
    reference: options.reference,
    histogramSample: options.histogramSample,
    onProgress: (p) => {
      if (p.done === p.total && c0) loop = { wall: (performance.now() - t0) / (feeds.length - 1), cpu: cpuMs(process.cpuUsage(c0)) / (feeds.length - 1) };
    },
  });
  return { loop: loop!, result };
}

/**
 * Whether two calibrations give every method's range exactly (MinMax and moving average; the histogram
 * methods too with histograms). `jittered`: tensors the packed MinMax derives through a kernel that is
 * monotone only to a few ulps (minmax-derive.ts KERNEL_JITTER), allowed to differ by 1e-6 relative and
 * counted in `near`.
 */
function sameRanges(a: CalibrationStats, b: CalibrationStats, methods: readonly RangeMethod[], jittered: ReadonlySet<string> = new Set()): { equal: boolean; tensors: number; differ: string[]; near: number } {
  const differ: string[] = [];
  let near = 0;
  const names = Object.keys(a.tensors);
  if (names.length !== Object.keys(b.tensors).length) differ.push(`${names.length} vs ${Object.keys(b.tensors).length} tensors`);
  for (const name of names) {
    const x = a.tensors[name];
    const y = b.tensors[name];
    if (!y) {
      differ.push(name);
      continue;
    }
    if (x.count === 0 && y.count === 0) continue;
    let inexact = false;
    for (const method of methods) {
      const r = computeRange(x, { method });
      const s = computeRange(y, { method });
      if (r.min === s.min && r.max === s.max) continue;
      const close = (p: number, q: number) => Math.abs(p - q) <= 1e-6 * Math.max(1, Math.abs(p), Math.abs(q));
      if (jittered.has(name) && close(r.min, s.min) && close(r.max, s.max)) inexact = true;
      else differ.push(`${name} (${method})`);
    }
    if (inexact) near++;
  }
  return { equal: differ.length === 0, tensors: names.length, differ, near };
}

// ---------------------------------------------------------------------------------------------
// Workers

class Pool {
  private readonly children: ChildProcess[] = [];

  child(i: number): ChildProcess {
    if (!this.children[i]) {
      this.children[i] = fork(fileURLToPath(new URL('./calibration-worker.ts', import.meta.url)), [], {
        execArgv: ['--import', 'tsx'],
        serialization: 'advanced',
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
    }
    return this.children[i];
  }

  close(): void {
    for (const c of this.children) c.send({ kind: 'exit' });
  }
}

/** Images per second of K workers on the images after each one's first, merge included. */
async function poolThroughput(pool: Pool, model: Uint8Array, feeds: readonly Feeds[], k: number, histograms: boolean): Promise<number> {
  const shares = Array.from({ length: k }, (_, w) => feeds.slice(Math.floor((w * feeds.length) / k), Math.floor(((w + 1) * feeds.length) / k)));
  let ready = 0;
  let t0 = NaN;
  const children = shares.map((_, w) => pool.child(w));
  const results = await new Promise<{ stats: CalibrationStats; images: number }[]>((resolve, reject) => {
    const out: { stats: CalibrationStats; images: number }[] = [];
    const listeners = children.map((child, w) => {
      const onMessage = (m: WorkerReply) => {
        if (m.kind === 'ready' && ++ready === k) {
          t0 = performance.now();
          for (const c of children) c.send({ kind: 'go' });
        } else if (m.kind === 'done') {
          out[w] = { stats: m.stats as CalibrationStats, images: m.images };
          if (out.filter(Boolean).length === k) {
            children.forEach((c, i) => c.off('message', listeners[i]));
            resolve(out);
          }
        } else if (m.kind === 'error') {
          children.forEach((c, i) => c.off('message', listeners[i]));
          reject(new Error(m.message));
        }
      };
      child.on('message', onMessage);
      return onMessage;
    });
    shares.forEach((share, w) => children[w].send({ kind: 'job', model, feeds: share, histograms } satisfies WorkerJob));
  });
  let merged = results[0].stats;
  for (let w = 1; w < k; w++) merged = mergeCalibrationStats(merged, results[w].stats);
  const seconds = (performance.now() - t0) / 1000;
  return shares.reduce((n, s) => n + s.length - 1, 0) / seconds;
}

// ---------------------------------------------------------------------------------------------

interface Row {
  readonly id: string;
  images?: number;
  tensors?: number;
  plain?: Loop;
  minmaxBefore?: Loop;
  minmaxAfter?: Loop;
  histBefore?: Loop;
  histAfter?: Loop;
  /** Every value binned (histogramSample 0): the one-pass binning without sampling. */
  histExact?: Loop;
  /** Sampled as for a 100-image calibration set (fewer values per image). */
  hist100?: Loop;
  /** Sampled against every value binned: the median over tensors of the largest move of a range end, per method, as a share of the range. */
  sampledMove?: Record<'percentile' | 'entropy' | 'mse', number>;
  sampledTensors?: number;
  minmaxEqual?: ReturnType<typeof sameRanges>;
  histEqual?: ReturnType<typeof sameRanges>;
  workers?: { minmax?: number; hist?: number };
  error?: string;
}

async function benchCase(c: CalibrationCase, pool: Pool | undefined): Promise<Row> {
  const row: Row = { id: c.id };
  const probe = await loadCase(c, 2);
  const bytes = encodeModel(probe.model);
  // One plain run, warm, sets how many images fit the budget.
  const first = await plainLoop(bytes, probe.feeds);
  // On CPU time: wall time on a loaded machine says more about the other processes.
  const perRound = first.cpu * 26; // plain + MinMax x2 + histograms x4, about
  const images = Math.max(MIN_IMAGES, Math.min(MAX_IMAGES, Math.round(BUDGET_MS / perRound)));
  const repeats = first.cpu > 300 ? 1 : REPEATS;
  const { model, feeds } = await loadCase(c, images);
  row.images = feeds.length;
  log(`[${c.id}] ${feeds.length} images, ${repeats} round(s); plain ${first.wall.toFixed(1)} ms`);
  let refMinMax: CalibrationResult | undefined;
  let fastMinMax: CalibrationResult | undefined;
  let refHist: CalibrationResult | undefined;
  let fastHist: CalibrationResult | undefined;
  let exactHist: CalibrationResult | undefined;
  const order = ['plain', 'minmax-before', 'minmax-after', 'hist-before', 'hist-exact', 'hist-after', 'hist-100'] as const;
  for (let r = 0; r < repeats; r++) {
    for (const what of r % 2 === 0 ? order : [...order].reverse()) {
      if (what === 'plain') row.plain = better(row.plain, await plainLoop(bytes, feeds));
      else {
        const histograms = what.startsWith('hist');
        const reference = what.endsWith('before');
        const sample = what === 'hist-exact' ? { histogramSample: 0 } : what === 'hist-100' ? { histogramSample: defaultHistogramSample(100) } : {};
        const { loop, result } = await calibrationLoop(model, feeds, { histograms, reference, ...sample });
        if (what === 'hist-100') row.hist100 = better(row.hist100, loop);
        if (what === 'hist-exact') [row.histExact, exactHist] = [better(row.histExact, loop), result];
        if (what === 'minmax-before') [row.minmaxBefore, refMinMax] = [better(row.minmaxBefore, loop), result];
        if (what === 'minmax-after') [row.minmaxAfter, fastMinMax] = [better(row.minmaxAfter, loop), result];
        if (what === 'hist-before') [row.histBefore, refHist] = [better(row.histBefore, loop), result];
        if (what === 'hist-after') [row.histAfter, fastHist] = [better(row.histAfter, loop), result];
      }
    }
  }
  row.tensors = Object.keys(fastMinMax!.stats.tensors).length;
  const inputDims = Object.fromEntries(Object.entries(feeds[0]).map(([n, t]) => [n, [...t.dims]]));
  const packed = minMaxGraph(model, calibrationCandidates(model, DEFAULT_QUANTIZE_OPTIONS), { inputDims });
  row.minmaxEqual = sameRanges(refMinMax!.stats, fastMinMax!.stats, ['minmax', 'moving-average'], jitteredReadings(packed.readings));
  row.histEqual = sameRanges(refHist!.stats, exactHist!.stats, ['minmax', 'moving-average', 'percentile', 'entropy', 'mse']);
  row.sampledMove = { percentile: medianRangeMove(exactHist!.stats, fastHist!.stats, 'percentile'), entropy: medianRangeMove(exactHist!.stats, fastHist!.stats, 'entropy'), mse: medianRangeMove(exactHist!.stats, fastHist!.stats, 'mse') };
  row.sampledTensors = Object.values(fastHist!.stats.tensors).filter((t) => t.sampledValues).length;
  if (pool) {
    row.workers = {};
    for (const histograms of [false, true]) {
      const one = await poolThroughput(pool, bytes, feeds, 1, histograms);
      const two = await poolThroughput(pool, bytes, feeds, 2, histograms);
      row.workers[histograms ? 'hist' : 'minmax'] = two / one;
    }
  }
  return row;
}

const x = (v: number | undefined, d = 2) => (v === undefined || !Number.isFinite(v) ? '–' : `${v.toFixed(d)}x`);
const mark = (v: number | undefined, target: number) => (v === undefined ? '' : v <= target ? ' ✓' : ' ✗');
const ratio = (a: Loop | undefined, b: Loop | undefined, clock: 'cpu' | 'wall') => (a && b ? a[clock] / b[clock] : undefined);

function render(rows: readonly Row[], meta: readonly string[]): string {
  const out: string[] = [];
  out.push(
    '| model | images | observed tensors | plain ms/img CPU (wall) | **MinMax / plain** CPU, before → after (target ≤ 1.5) | MinMax after, wall | **histograms / plain** CPU, before → every value → sampled (target ≤ 3) | sampled as in a 100-image set, CPU (wall) | ranges equal to before: MinMax; histograms of every value | sampled tensors; median range move vs every value: percentile, entropy, MSE | 2 workers / 1 worker: MinMax, histograms |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|---|---:|',
  );
  for (const r of rows) {
    if (r.error) {
      out.push(`| ${r.id} | error: ${r.error.replace(/\|/g, '\\|')} | | | | | | | | | |`);
      continue;
    }
    const mmB = ratio(r.minmaxBefore, r.plain, 'cpu');
    const mmA = ratio(r.minmaxAfter, r.plain, 'cpu');
    const hB = ratio(r.histBefore, r.plain, 'cpu');
    const hA = ratio(r.histAfter, r.plain, 'cpu');
    const hE = ratio(r.histExact, r.plain, 'cpu');
    const h100 = ratio(r.hist100, r.plain, 'cpu');
    const pct = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '–' : `${(100 * v).toFixed(1)}%`);
    const moves = r.sampledMove ? `${r.sampledTensors} of ${r.tensors}; ${pct(r.sampledMove.percentile)}, ${pct(r.sampledMove.entropy)}, ${pct(r.sampledMove.mse)}` : '–';
    const eq = (e: Row['minmaxEqual']) => (e ? (e.equal ? `yes (${e.tensors}${e.near ? `; ${e.near} within Sigmoid/Tanh ulps` : ''})` : `NO: ${e.differ.slice(0, 3).join(', ')}`) : '–');
    out.push(
      `| ${r.id} | ${r.images} | ${r.tensors} | ${r.plain!.cpu.toFixed(2)} (${r.plain!.wall.toFixed(2)}) | ${x(mmB)} → **${x(mmA)}**${mark(mmA, 1.5)} | ${x(ratio(r.minmaxAfter, r.plain, 'wall'))} | ${x(hB)} → ${x(hE)} → **${x(hA)}**${mark(hA, 3)} | **${x(h100)}**${mark(h100, 3)} (${x(ratio(r.hist100, r.plain, 'wall'))}) | ${eq(r.minmaxEqual)}; ${eq(r.histEqual)} | ${moves} | ${x(r.workers?.minmax)}, ${x(r.workers?.hist)} |`,
    );
  }
  out.push('', ...meta.map((m) => `- ${m}`), '');
  return out.join('\n');
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const load0 = loadavg();
  const only = (process.env.BENCH_CALIB_MODELS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const cases = only.length ? CALIBRATION_CASES.filter((c) => only.includes(c.id)) : CALIBRATION_CASES;
  const pool = WORKERS ? new Pool() : undefined;
  const rows: Row[] = [];
  try {
    for (const c of cases) {
      try {
        rows.push(await benchCase(c, pool));
      } catch (e) {
        const message = (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 200);
        log(`[${c.id}] ${message}`);
        rows.push({ id: c.id, error: message });
      }
    }
  } finally {
    pool?.close();
  }
  const meta = [
    `date ${new Date().toISOString()}; Node ${process.version}; CPU ${cpus()[0]?.model ?? 'unknown'} x ${cpus().length} logical cores`,
    `load average at the start ${load0.map((v) => v.toFixed(2)).join(' ')}, at the end ${loadavg().map((v) => v.toFixed(2)).join(' ')} (other processes share this machine: the CPU ratios are the robust ones)`,
    `onnxruntime-node, 1 intra-op thread everywhere; calibrate() given the quantize defaults (plan); images per model = clamp(${BUDGET_MS} ms / (14 x plain CPU), ${MIN_IMAGES}, ${MAX_IMAGES}); best of ${REPEATS} rounds (1 when a plain run takes over 300 ms)`,
    `before = calibrate({ reference: true }): ReduceMin/ReduceMax/Shape per tensor, three outputs each; every tensor exposed and binned in two passes. after (MinMax) = the default: packed reductions, implied minima and Concats (minmax-graph.ts). every value = histogramSample 0: every tensor exposed, one-pass binning, implied Concats (histogram.ts). sampled = the default: tensors (the image input too) over defaultHistogramSample(images) values (152,020 / images, within 1,024..65,536: ${defaultHistogramSample(12)} for 12 images) sampled in the graph (1x1 MaxPool with an odd stride, or a strided Slice) with exact extremes from the packed reductions, the sample binned with weights (sample-graph.ts, histogram-sample.ts); 100-image set = the sample a 100-image calibration set takes per image (${defaultHistogramSample(100)} values), timed on these images`,
    `ranges equal: every observed tensor's range by each method computed from the before and the after (MinMax) or every-value (histograms) statistics of the same images, compared exactly (===), but for tensors the packed MinMax derives through Sigmoid or Tanh, whose kernels are monotone only to a few ulps (within 1e-6 relative, counted)`,
    'median range move: per method, over the observed tensors, the largest move of a range end from every-value to sampled statistics, as a share of the every-value range (sample-graph.test.ts: sampled ranges move less than the ranges of another set of 8 images do, and the INT8 models agree with FP32 as well)',
    `2 workers / 1 worker: throughput of 2 child processes (1-thread calibrate() on half the images each, then mergeCalibrationStats) against 1 on all, on this machine's ${cpus().length} cores`,
    `total ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  ];
  const md = render(rows, meta);
  process.stdout.write(`${md}\n`);
  await writeFile(join(ROOT, 'bench', 'calibration-results.md'), `# Calibration cost (npm run bench: bench/calibration.ts)\n\n${md}`);
  log('wrote bench/calibration-results.md');
}

await main();
