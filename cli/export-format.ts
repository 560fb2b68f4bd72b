/**
 * `zeropoint quantize --format fp16|int8-weights`: the data-free formats (workers/core/export). No
 * calibration: --calib is optional and, when given, its images (with --preprocess) run the fidelity
 * gate as for INT8; --preprocess alone gives the FP16 plan the input's range and size. The same all-or-
 * none writing as INT8: outputs checked before any work, written once onnxruntime has loaded the model.
 */
import { basename } from 'node:path';
import { indexGraph, topologicalOrder } from '../workers/core/graph/graph';
import { ZeropointError } from '../workers/core/errors';
import { FORMAT_LABELS, type ExportFormat, type ExportResult } from '../workers/core/export/formats';
import { convertToFloat16, type Fp16Report } from '../workers/core/export/fp16';
import { fp16InputHints } from '../workers/core/export/fp16-inputs';
import { exportWeightOnly, type WeightOnlyReport } from '../workers/core/export/weight-only';
import { checkOutputs } from '../workers/core/intake/files';
import { encodeModel } from '../workers/core/onnx/encode';
import type { ValueInfo } from '../workers/core/onnx/types';
import type { FeedChoices } from '../workers/core/preprocess/feeds';
import type { RunBudget } from '../workers/core/runner';
import { firstAndLastLayers } from '../workers/core/quant/plan';
import { prepareModel } from '../workers/core/quant/quantize';
import { checkFidelity, formatFidelity } from './fidelity';
import { nodeFileHost, writeOutputs } from './fs-host';
import type { ImageListing } from './images';
import { readModelFile } from './model-io';
import { feedPlanOf, imageFolderSource, isPreset, loadSpec } from './pipeline';
import { createNodeRunner } from './runner-node';

/** The parsed options quantize shares with the data-free formats. */
export interface DataFreeValues {
  readonly calib?: string;
  readonly preprocess?: string;
  readonly out: string;
  readonly report?: string;
  readonly 'per-tensor'?: boolean;
  readonly 'keep-fp32'?: string;
  readonly 'keep-fp32-ops'?: string;
  readonly 'keep-first-last'?: boolean;
  readonly strict?: boolean;
  readonly width?: string;
  readonly height?: string;
  readonly 'image-input'?: string;
  readonly input?: string[];
  readonly 'fourth-channel'?: string;
  readonly 'max-image-pixels'?: string;
  readonly 'run-timeout'?: string;
}

/** zeropoint.ts's argument helpers (one definition of each flag's checks). */
export interface CliHelpers {
  say(line: string): void;
  feedChoices(values: DataFreeValues): FeedChoices;
  decodeLimits(values: DataFreeValues): { maxPixels?: number; raise: string };
  runBudget(values: DataFreeValues): RunBudget;
  imagesOf(dir: string, limit: number | undefined): Promise<ImageListing>;
  list(value: string | undefined): string[];
  elemTypeName(v: ValueInfo): string;
}

export async function quantizeDataFree(format: Exclude<ExportFormat, 'int8'>, values: DataFreeValues, modelArg: string, cli: CliHelpers): Promise<void> {
  const label = FORMAT_LABELS[format];
  if (format === 'fp16' && values['per-tensor']) throw new ZeropointError('bad-option', '--per-tensor applies to --format int8 and int8-weights (weight scales); fp16 has none.');
  if (values.calib && !values.preprocess) throw new ZeropointError('bad-option', `--calib with --format ${format} runs the fidelity gate on those images, which needs --preprocess PRESET|SPEC.json.`);
  const decode = cli.decodeLimits(values);
  const budget = cli.runBudget(values);
  const out = values.out;
  const outputs = [{ flag: '--out', path: out }, ...(values.report ? [{ flag: '--report', path: values.report }] : [])];
  await checkOutputs(nodeFileHost, outputs, []);

  const { model, path, externalFiles } = await readModelFile(modelArg);
  const source = basename(path);
  const prepared = prepareModel(model, { source });
  const feeds = feedPlanOf(prepared.model, source, cli.feedChoices(values));
  const spec = values.preprocess ? await loadSpec(values.preprocess, feeds.image) : null;
  const listing = values.calib ? await cli.imagesOf(values.calib, undefined) : null;
  await checkOutputs(nodeFileHost, outputs, [path, ...externalFiles, ...(values.preprocess && !isPreset(values.preprocess) ? [values.preprocess] : []), ...(listing?.files ?? [])]);
  const graph = prepared.model.graph!;
  const known = new Set(graph.node.map((n) => n.name));
  const keepNodes = cli.list(values['keep-fp32']);
  for (const name of keepNodes) if (!known.has(name)) throw new ZeropointError('bad-option', `--keep-fp32 names node '${name}', which '${source}' does not have; 'zeropoint inspect --json' lists the ops, and the report lists node names.`, { subject: name });
  const keepOpTypes = cli.list(values['keep-fp32-ops']);

  let result: ExportResult<Fp16Report | WeightOnlyReport>;
  if (format === 'fp16') {
    const firstLast = values['keep-first-last'] ? [...firstAndLastLayers(indexGraph(graph), topologicalOrder(graph))].map((i) => graph.node[i].name ?? '') : [];
    result = convertToFloat16(prepared.model, { ...fp16InputHints(feeds.image, spec), keepNodes: [...keepNodes, ...firstLast], keepOpTypes });
  } else {
    result = exportWeightOnly(prepared.model, { keepNodes, keepOpTypes, keepFirstAndLast: values['keep-first-last'] ?? false, perChannel: !values['per-tensor'] });
  }
  const bytes = encodeModel(result.model);
  const runner = createNodeRunner({ source, isolated: true });
  // Prove onnxruntime loads it before anything is written at OUT.
  const check = await runner.createSession(bytes);
  await check.release();
  const fidelity =
    listing && spec
      ? await checkFidelity({
          fp32: prepared.model,
          int8: result.model,
          runner,
          folder: values.calib!,
          used: 0,
          source: (held) => imageFolderSource(held, spec, feeds, decode),
          hint: { fp32: path, int8: out, images: values.calib!, preprocess: values.preprocess! },
          strict: values.strict ?? false,
          runBudget: budget,
          label,
          calibrated: false,
        })
      : null;
  const fp32Bytes = encodeModel(prepared.model).length;
  const report = values.report
    ? {
        model: path,
        output: out,
        preprocess: spec,
        inputs: { image: feeds.image, constants: feeds.constants, notes: feeds.notes },
        prepared: { opset: prepared.opset, upgradedNodes: prepared.upgradedNodes, widened: prepared.widened, notes: prepared.notes },
        sizes: { fp32: fp32Bytes, [format]: bytes.length },
        ...result.report,
        ...(fidelity ? { fidelity: { ...fidelity.result, files: fidelity.files } } : {}),
        mapping: result.mapping,
      }
    : undefined;
  await writeOutputs([{ path: out, bytes }, ...(values.report && report ? [{ path: values.report, bytes: JSON.stringify(report, null, 2) }] : [])]);
  for (const note of [...prepared.notes, ...feeds.notes]) cli.say(`note: ${note}`);
  const r = result.report;
  const size = `${(bytes.length / 1e6).toFixed(2)} MB (${((100 * bytes.length) / fp32Bytes).toFixed(1)}% of FP32)`;
  if (r.format === 'fp16') {
    const kept = r.nodes.filter((d) => !d.converted).length;
    cli.say(`wrote ${out}: ${size}; FP16: ${r.convertedNodes}/${r.nodes.length} nodes compute in float16, ${kept} stay FP32 or need no conversion, ${r.casts} Casts added; ${r.initializers.converted} initializers in float16 (${r.initializers.flushedToZero} tiny values flushed to 0, ${r.initializers.sumPreserving} rounded to their other neighbour to keep kernel sums)`);
    for (const k of r.keptByReason.slice(0, 6)) cli.say(`kept FP32: ${k.count} x ${k.opTypes.join('/')}: ${k.reason}`);
    if (r.keptByReason.length > 6) cli.say(`kept FP32: ${r.keptByReason.length - 6} more reasons in the report (--report)`);
  } else {
    cli.say(`wrote ${out}: ${size}; INT8 weights: ${r.convertedNodes} layers with int8 weights per ${values['per-tensor'] ? 'tensor' : 'output channel'} behind DequantizeLinear (${r.int8Values.toLocaleString('en-US')} values), activations and compute in float`);
  }
  if (!spec && format === 'fp16') cli.say("note: no --preprocess: the input's range is unknown, so the first layer stays FP32");
  if (!fidelity) cli.say(`note: no fidelity gate ran (--calib DIR --preprocess PRESET|SPEC.json runs FP32 against ${label} on those images)`);
  if (fidelity) for (const line of formatFidelity(fidelity)) cli.say(line);
  cli.say(`inputs and outputs of the ${label} model: ${result.model.graph!.input.map((i) => `${i.name} ${cli.elemTypeName(i)}`).join(', ')} -> ${result.model.graph!.output.map((o) => `${o.name} ${cli.elemTypeName(o)}`).join(', ')}`);
}
