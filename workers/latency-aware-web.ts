/**
 * The bench worker's latency-aware search (bench.worker.ts latencyAware): the engine's
 * workers/core/profile/latency-aware.ts with onnxruntime-web as its host on the worker's provider.
 * Profiles come from enableProfiling sessions, whose events onnxruntime-web prints on the console
 * when the profile ends (captured by the worker's console hook); timing is the bench's interleaved
 * method with performance.now. The result is plain data for the Compare step: the per-node profile of
 * FP32 beside INT8, the choice in words, the variants side by side and their bytes for download.
 */
import * as Comlink from 'comlink';
import type { LatencyAwareJob, LatencyAwareProgress, LatencyAwareSummary, NodeProfile, OnProgress, ProfileNodeRow, ProviderConfig, VariantDownload } from './contracts';
import { buildReference } from './core/analysis/fidelity';
import type { CalibrationSource } from './core/calibration/calibrate';
import { ZeropointError } from './core/errors';
import { convertToFloat16 } from './core/export/fp16';
import { fp16InputHints } from './core/export/fp16-inputs';
import { exportWeightOnly } from './core/export/weight-only';
import { decodeModel } from './core/onnx/decode';
import { encodeModel } from './core/onnx/encode';
import { kernelTimes, parseProfile } from './core/profile/events';
import type { ProviderInfo } from './core/profile/explain';
import { nodeKinds } from './core/profile/kinds';
import { latencyAware, type LatencyHost, type TargetVerdict } from './core/profile/latency-aware';
import type { MappedProfile } from './core/profile/map';
import { targetJudge } from './core/profile/target';
import { DEFAULT_INTERLEAVED, timeInterleaved, warmUntilStable } from './core/profile/timing';
import { variantRows, type VariantId } from './core/profile/variants';
import type { Runner } from './core/runner';
import { decodableImages, imageFeeds } from './image-source';
import { createProfilingSession, createWebRunner } from './ort';

const PROFILE_WARMUP = 3;
const PROFILE_RUNS = 5;
/** The most time spent waiting for the round time to settle before profiling. */
const SETTLE_MS = 90_000;
/** Held-out images the accuracy target is judged on. */
const JUDGE_IMAGES = 4;

export interface WebHostDeps {
  readonly config: ProviderConfig;
  readonly wasmPaths?: string;
  readonly software: boolean;
  /** Runs body and returns the console lines it printed (the worker's hook). */
  captureConsole<T>(body: () => Promise<T>): Promise<{ value: T; lines: string[] }>;
}

function webHost(deps: WebHostDeps, feeds: Awaited<ReturnType<typeof imageFeeds>>, signal: AbortSignal): LatencyHost {
  const options = { provider: deps.config.provider, threads: deps.config.threads, wasmPaths: deps.wasmPaths, source: 'latency-aware' } as const;
  return {
    async profile(models) {
      const sessions: Array<Awaited<ReturnType<typeof createProfilingSession>>> = [];
      try {
        for (const m of models) sessions.push(await createProfilingSession(m.bytes, { ...options, source: m.id }));
        const round = async () => {
          for (const s of sessions) await s.run(feeds);
        };
        // Until the round time settles (V8 optimizing onnxruntime-web's WASM in the background), then the profiled runs.
        const warmup = await warmUntilStable(round, { minRounds: PROFILE_WARMUP, maxMs: SETTLE_MS, now: () => performance.now(), signal });
        for (let i = 0; i < PROFILE_RUNS; i++) {
          signal.throwIfAborted();
          await round();
        }
        const out = [];
        for (const [k, s] of sessions.entries()) {
          const { lines } = await deps.captureConsole(async () => s.endProfiling());
          const events = parseProfile(lines);
          if (events.length === 0) throw new ZeropointError('runtime', `onnxruntime-web printed no profile for the ${models[k].id} model on ${deps.config.label}; this build of the browser or of onnxruntime-web may not support profiling there.`);
          out.push(kernelTimes(events, { warmup, source: models[k].id }));
        }
        return out;
      } finally {
        for (const s of sessions) await s.release();
      }
    },
    async time(models) {
      const runner: Runner = createWebRunner(options);
      const sessions = [];
      try {
        for (const m of models) sessions.push(await runner.createSession(m.bytes, { optimization: 'all' }));
        return await timeInterleaved(
          sessions.map((s) => () => s.run(feeds, { signal })),
          { ...DEFAULT_INTERLEAVED, budgetMs: 6000, minRounds: 5, maxRounds: 20, now: () => performance.now(), signal },
        );
      } finally {
        for (const s of sessions) await s.release();
      }
    },
  };
}

function overlayProfile(p: MappedProfile, variant: 'fp32' | 'int8', provider: ProviderInfo): NodeProfile {
  return {
    provider: provider.id,
    label: provider.label,
    variant,
    totalMs: p.totalMs,
    nodes: p.nodes.filter((n) => n.ms > 0).map((n) => ({ node: n.node, ms: n.ms, ...(n.kernels.length ? { kernel: n.kernels.join('+') } : {}) })),
  };
}

export async function runLatencyAware(deps: WebHostDeps, job: LatencyAwareJob, onProgress: OnProgress<LatencyAwareProgress>, signal: AbortSignal): Promise<LatencyAwareSummary> {
  const prepared = decodeModel(job.prepared, { source: job.modelName });
  const { ok } = await decodableImages(job.images, signal);
  if (ok.length === 0) throw new ZeropointError('no-images', 'None of the images for the latency-aware search could be decoded. Add JPEG or PNG images.');
  const images = ok.map((i) => job.images[i]);
  const source: CalibrationSource = { count: images.length, label: (i) => images[i].name, feeds: (i) => imageFeeds(images[i], job.spec, job.geometry) };
  const feeds = await source.feeds(0);
  const provider: ProviderInfo = { id: deps.config.id, label: deps.config.label };
  // The accuracy target is judged on WASM whatever is timed (WebGPU's numbers match it; SwiftShader is slow).
  const judgeRunner = createWebRunner({ provider: deps.config.provider, threads: deps.config.threads, wasmPaths: deps.wasmPaths, source: job.modelName });
  void onProgress({ phase: 'profile', message: 'running FP32 on the held-out images for the accuracy target' });
  const reference = await buildReference(prepared, judgeRunner, source, { images: Math.min(JUDGE_IMAGES, images.length), signal });
  const judge = targetJudge({ reference, runner: judgeRunner, target: { kind: 'agreement', cosine: job.targetCosine }, signal });

  void onProgress({ phase: 'variants', message: 'building the FP16 and weight-only INT8 variants' });
  // The data-free formats beside them (one that cannot be built for this model is left out).
  const attempt = (make: () => Uint8Array): Uint8Array | undefined => {
    try {
      return make();
    } catch {
      return undefined;
    }
  };
  const fp16 = attempt(() => encodeModel(convertToFloat16(prepared, fp16InputHints(job.geometry, job.spec)).model));
  const weights = attempt(() => encodeModel(exportWeightOnly(prepared).model));
  // A software WebGPU adapter has no shader-f16: onnxruntime-web refuses float16 sessions there.
  const extra = [
    ...(fp16 && !(deps.config.provider === 'webgpu' && deps.software) ? [{ id: 'fp16', bytes: fp16 }] : []),
    ...(weights ? [{ id: 'int8-weights', bytes: weights }] : []),
  ];
  const result = await latencyAware({
    prepared,
    stats: job.stats,
    options: job.options,
    provider,
    host: webHost(deps, feeds, signal),
    judge,
    extra,
    signal,
    onProgress: (p) => void onProgress(p),
  });
  const verdicts = new Map<string, TargetVerdict>();
  for (const e of extra) verdicts.set(e.id, await judge(decodeModel(e.bytes)));

  const kinds = nodeKinds(prepared);
  const int8Nodes = new Map(result.int8.nodes.map((n) => [n.node, n]));
  const onUnits = new Set(result.units.filter((u) => result.int8Units.includes(u.id)).flatMap((u) => u.nodes));
  const nodes: ProfileNodeRow[] = result.fp32.nodes
    .map((f) => {
      const q = int8Nodes.get(f.node);
      return {
        node: f.node,
        opType: f.opType,
        kind: kinds.get(f.node) ?? 'other',
        fp32Ms: f.ms,
        int8Ms: q?.ms ?? 0,
        int8Kernels: q?.kernels ?? [],
        execution: q?.execution ?? null,
        qdqMs: q?.qdqMs ?? 0,
        layoutMs: q?.layoutMs ?? 0,
        latencyAwareInt8: onUnits.has(f.node),
      };
    })
    .filter((n) => n.fp32Ms > 0 || n.int8Ms > 0);
  const stem = job.modelName.replace(/\.onnx$/i, '');
  const bytesOf: Partial<Record<VariantId, Uint8Array>> = {
    fp32: job.prepared,
    int8: result.int8Bytes,
    'latency-aware': encodeModel(result.model),
    fp16,
    'int8-weights': weights,
  };
  const suffix: Record<VariantId, string> = { fp32: 'prepared', int8: 'int8', 'latency-aware': 'latency-aware', fp16: 'fp16', 'int8-weights': 'int8w' };
  const downloads: VariantDownload[] = (Object.keys(bytesOf) as VariantId[]).filter((id) => bytesOf[id] !== undefined).map((id) => ({ id, name: `${stem}.${suffix[id]}.onnx`, bytes: bytesOf[id]! }));
  const summary: LatencyAwareSummary = {
    provider: deps.config.id,
    providerLabel: deps.config.label,
    summary: result.summary,
    notes: result.notes,
    isFp32: result.isFp32,
    int8Units: result.int8Units,
    unitCount: result.units.length,
    kinds: result.kinds,
    totals: { fp32Ms: result.fp32.totalMs, int8Ms: result.int8.totalMs },
    nodes,
    boundaries: result.int8.boundaries.map((b) => ({ tensor: b.tensor, kind: b.kind, ms: b.ms })),
    variants: variantRows(result, verdicts),
    profiles: [overlayProfile(result.fp32, 'fp32', provider), overlayProfile(result.int8, 'int8', provider)],
    downloads,
    caveat: deps.software ? 'This WebGPU adapter is software (SwiftShader): the profile and ratios check correctness, they are no speed claim.' : null,
  };
  return Comlink.transfer(summary, [...new Set(downloads.map((d) => d.bytes.buffer as ArrayBuffer))]);
}
