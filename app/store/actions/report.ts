/**
 * The HTML report from the workbench: everything on the page that describes the INT8 model (summary,
 * options, the graph as drawn with the chosen overlay, comparison, latency, ranges, decisions, how to
 * reproduce it) gathered as plain data and written by the graph worker (workers/core/report/html.ts,
 * the same builder as `zeropoint quantize --report out.html`).
 */
import type { ReportInput } from '../../../workers/contracts';
import { cliCommand, inputValue, type ReproducePlan } from '../../../workers/core/report/reproduce';
import { fidelityText } from '../../../workers/core/report/verdict';
import { problemOf } from '../../../workers/transfer';
import { overlayData } from '../../features/graph/overlay-data';
import { saveFile } from '../../lib/download';
import { graphWorker } from '../../workers';
import { get } from './shared';

export function reportInput(): ReportInput | string {
  const s = get();
  const info = s.model.info;
  const outcome = s.quantize.outcome;
  const spec = s.data.spec;
  const layout = s.graph.layout;
  if (!info || !outcome) return 'Build the INT8 model first: the report describes it.';
  if (!outcome.report) return 'The report describes an INT8 model; build the INT8 format (FP16 and weight-only models have their own report in the download).';
  const report = outcome.report;
  if (!spec) return 'Fix the preprocessing settings in the Data step first.';
  const providerLabel = (id: string) => s.comparison.providers.find((p) => p.config.id === id)?.config.label ?? id;
  const images = s.calibration.result?.images ?? 0;
  const geometry = info.geometry;
  const plan: ReproducePlan = {
    model: info.name,
    calibration: { images, source: 'images dropped in the workbench' },
    preprocess: spec,
    options: report.options,
    ...(geometry?.constants?.length ? { inputs: Object.fromEntries(geometry.constants.map((c) => [c.name, inputValue(c)])) } : {}),
    ...(geometry && info.summary.inputs.length > 1 ? { imageInput: geometry.name } : {}),
  };
  const { command, unsupported } = cliCommand(plan, { modelPath: info.name, calibPath: 'CALIBRATION_IMAGES/', preprocess: 'spec.json', out: outcome.int8Name });
  const compare = s.comparison.compare.result;
  const fidelity = s.quantize.fidelity.result;
  return {
    tool: 'Zeropoint workbench',
    createdAt: new Date().toISOString(),
    model: { name: info.name, summary: info.summary },
    preprocess: spec,
    calibration: { images, source: 'the workbench\u2019s calibration set' },
    options: report.options,
    decisions: report.nodes,
    ranges: s.ranges.table?.rows ?? [],
    sizes: { fp32: outcome.sizes.prepared, int8: outcome.sizes.int8 },
    comparison: compare ? { provider: providerLabel(compare.provider), images: compare.images, outputs: compare.outputs, agreement: compare.agreement, layers: compare.perLayer ? compare.layers : [] } : null,
    latency: s.comparison.latency.rows.map((r) => ({ provider: providerLabel(r.provider), model: r.role, medianMs: r.medianMs, p90Ms: r.p90Ms, runs: r.samplesMs.length })),
    fidelity: fidelity ? { pass: fidelity.verdict.pass, text: fidelityText(fidelity, `${fidelity.images} ${s.quantize.fidelity.heldOut ? 'held-out' : 'calibration'} image(s)`) } : null,
    graph: layout ? { layout, overlay: s.graph.overlay, thresholds: s.graph.overlay ? s.graph.thresholds[s.graph.overlay] : undefined, data: overlayData(s) } : null,
    reproduce: {
      command: `${command}\n# spec.json: the "preprocess" object of the plan below; CALIBRATION_IMAGES/: the ${images} calibration image(s)${unsupported.length ? `\n# not a CLI flag (the plan has it): ${unsupported.join(', ')}` : ''}`,
      plan,
    },
  };
}

export async function downloadHtmlReport(): Promise<void> {
  const { patchGraph } = get();
  const input = reportInput();
  if (typeof input === 'string') {
    patchGraph({ reportError: { code: 'bad-option', message: input } });
    return;
  }
  patchGraph({ reporting: true, reportError: null });
  try {
    saveFile(await graphWorker.report(input));
  } catch (e) {
    patchGraph({ reportError: problemOf(e) });
  } finally {
    patchGraph({ reporting: false });
  }
}
