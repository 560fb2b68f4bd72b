/**
 * Child process of bench/calibration.ts: one calibration worker (onnxruntime-node, 1 thread), as the
 * workbench's pool runs one 1-thread session per worker. It calibrates its share of the images and
 * returns the statistics for the parent to merge. After its first image it says 'ready' and waits for
 * 'go', so the parent times all workers' remaining images together, session creation left out.
 */
import { calibrate, type CalibrationSource } from '../workers/core/calibration/calibrate';
import { decodeModel } from '../workers/core/onnx/decode';
import { DEFAULT_QUANTIZE_OPTIONS } from '../workers/core/quant/quantize';
import type { Feeds } from '../workers/core/runner';
import { createNodeRunner } from '../cli/runner-node';

export interface WorkerJob {
  readonly kind: 'job';
  readonly model: Uint8Array;
  readonly feeds: Feeds[];
  readonly histograms: boolean;
}

export type WorkerReply = { kind: 'ready' } | { kind: 'done'; stats: unknown; images: number } | { kind: 'error'; message: string };

const send = (m: WorkerReply) => process.send!(m);
let go: (() => void) | undefined;

process.on('message', (m: WorkerJob | { kind: 'go' } | { kind: 'exit' }) => {
  if (m.kind === 'go') go?.();
  else if (m.kind === 'exit') process.exit(0);
  else void run(m);
});

async function run(job: WorkerJob): Promise<void> {
  try {
    const model = decodeModel(job.model, { source: 'bench' });
    const source: CalibrationSource = {
      count: job.feeds.length,
      feeds: async (i) => {
        if (i === 1) {
          const started = new Promise<void>((resolve) => (go = resolve));
          send({ kind: 'ready' });
          await started;
        }
        return job.feeds[i];
      },
    };
    const result = await calibrate(model, createNodeRunner({ source: 'bench worker' }), source, { threads: 1, plan: DEFAULT_QUANTIZE_OPTIONS, collector: { histograms: job.histograms } });
    send({ kind: 'done', stats: result.stats, images: result.images });
  } catch (e) {
    send({ kind: 'error', message: e instanceof Error ? e.message : String(e) });
  }
}
