/**
 * `zeropoint quantize --report out.html`: the same self-contained HTML report as the workbench's
 * (workers/core/report/html.ts). The CLI adds what the report shows beyond the JSON: the graph laid
 * out by dagre (workers/layout-dagre.ts, as in the graph worker) and coloured by an overlay, and the
 * per-layer comparison of FP32 and INT8 on the fidelity gate's held-out images.
 */
import { basename } from 'node:path';
import type { CalibrationSource } from '../workers/core/calibration/calibrate';
import { indexGraph, nodeLabel } from '../workers/core/graph/graph';
import type { ModelSummary } from '../workers/core/graph/inspect';
import { graphView } from '../workers/core/graph/view';
import { layoutGraph, repeatedBlocks } from '../workers/core/layout/layered';
import { compareModels } from '../workers/core/metrics/compare';
import type { Model } from '../workers/core/onnx/types';
import type { PreprocessSpec } from '../workers/core/preprocess/spec';
import type { QuantizeResult } from '../workers/core/quant/quantize';
import { renderReport } from '../workers/core/report/html';
import { OVERLAYS } from '../workers/core/report/overlays';
import { cliCommand, type ReproduceArgs, type ReproducePlan } from '../workers/core/report/reproduce';
import type { ReportInput, ReportRangeRow } from '../workers/core/report/types';
import { fidelityText } from '../workers/core/report/verdict';
import type { Runner, RunBudget } from '../workers/core/runner';
import { dagreEngine } from '../workers/layout-dagre';
import type { CliFidelity } from './fidelity';

/** Graphs with more nodes than this start with their repeated blocks collapsed. */
const COLLAPSE_ABOVE = 600;

export const REPORT_OVERLAYS = OVERLAYS.map((o) => o.id).filter((id) => ['sqnr', 'cosine', 'precision', 'clipped', 'range-method'].includes(id));

export interface HtmlReportJob {
  readonly modelPath: string;
  readonly summary: ModelSummary;
  readonly prepared: Model;
  readonly quantized: QuantizeResult;
  readonly sizes: { readonly fp32: number; readonly int8: number };
  readonly spec: PreprocessSpec;
  readonly calibration: { readonly images: number; readonly folder: string };
  readonly fidelity: CliFidelity;
  readonly runner: Runner;
  /** Feeds for the held-out images (the fidelity gate's). */
  readonly source: (files: readonly string[]) => CalibrationSource;
  readonly runBudget?: RunBudget;
  readonly overlay: string;
  readonly plan: Omit<ReproducePlan, 'model' | 'calibration' | 'preprocess' | 'options'>;
  readonly args: ReproduceArgs;
}

export async function htmlReport(job: HtmlReportJob): Promise<string> {
  const { quantized: q, prepared } = job;
  const files = job.fidelity.files;
  const compared = await compareModels(prepared, q.model, job.runner, job.source(files), { mapping: q.mapping, runBudget: job.runBudget });
  const index = indexGraph(prepared.graph!);
  const ranges: ReportRangeRow[] = q.report.activations.map((a) => {
    const p = index.producer.get(a.name);
    return {
      tensor: a.name,
      node: p ? nodeLabel(p.node, p.index) : '',
      opType: p ? (p.node.opType ?? '') : 'graph input',
      observed: a.observed,
      range: a.range,
      scale: a.scale,
      zeroPoint: a.zeroPoint,
      type: a.type,
      clippedFraction: a.clippedFraction,
      rangeSource: a.rangeSource,
    };
  });
  const view = graphView(prepared.graph!);
  const layout = layoutGraph(view, dagreEngine, { collapsed: view.nodes.length > COLLAPSE_ABOVE ? repeatedBlocks(view) : [] });
  const plan: ReproducePlan = {
    model: basename(job.modelPath),
    calibration: { images: job.calibration.images, source: job.calibration.folder },
    preprocess: job.spec,
    options: q.report.options,
    ...job.plan,
  };
  const fidelity = job.fidelity;
  const input: ReportInput = {
    tool: 'zeropoint CLI',
    createdAt: new Date().toISOString(),
    model: { name: basename(job.modelPath), summary: job.summary },
    preprocess: job.spec,
    calibration: { images: job.calibration.images, source: job.calibration.folder },
    options: q.report.options,
    decisions: q.report.nodes,
    ranges,
    sizes: job.sizes,
    comparison: { provider: 'onnxruntime-node, CPU', images: compared.images, outputs: compared.outputs, agreement: compared.agreement, layers: compared.layers },
    latency: [],
    fidelity: { pass: fidelity.result.verdict.pass, text: fidelityText(fidelity.result, `${fidelity.files.length} ${fidelity.heldOut ? 'held-out' : 'calibration'} image(s)`) },
    graph: {
      layout,
      overlay: job.overlay,
      data: { layers: compared.layers, decisions: q.report.nodes, ranges: { method: q.report.options.method, rows: ranges } },
    },
    reproduce: { command: cliCommand(plan, job.args).command, plan },
  };
  return renderReport(input);
}
