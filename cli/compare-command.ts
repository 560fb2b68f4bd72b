/** `zeropoint compare`: FP32 against INT8 (or another format) on images: outputs, accuracy, per-layer errors, detection AP. */
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { isZeropointError, ZeropointError } from '../workers/core/errors';
import { compareModels, mappingFromModel, type ComparisonResult } from '../workers/core/metrics/compare';
import { quote } from '../workers/core/intake/names';
import { formatOfModel } from '../workers/core/export/formats';
import { readModelFile } from './model-io';
import { feedPlanOf, imageFolderSource, loadSpec, readLabels } from './pipeline';
import { createNodeRunner } from './runner-node';
import { detectionFolderSource, isLabelFolder, readLabelFolder } from './detection';
import { detectionPair, type DetectionComparison } from '../workers/core/analysis/detection/evaluate';
import { classMapText, parseClassMap } from '../workers/core/analysis/detection/labels';
import { say, fail, progress, positiveInt, LIMIT_OPTIONS, INPUT_OPTIONS, feedChoices, decodeLimits, runBudget, imagesOf, jsonNumbers } from './common';

export async function compare(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      images: { type: 'string' },
      preprocess: { type: 'string' },
      labels: { type: 'string' },
      decoder: { type: 'string' },
      classes: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
      ...INPUT_OPTIONS,
      ...LIMIT_OPTIONS,
    },
  });
  if (positionals.length !== 2) fail('compare takes FP32.onnx and INT8.onnx.');
  if (!values.images) fail('compare needs --images DIR.');
  if (!values.preprocess) fail('compare needs --preprocess PRESET|SPEC.json.');
  const limit = positiveInt(values.limit, '--limit');
  const fp32 = await readModelFile(positionals[0]);
  const int8 = await readModelFile(positionals[1]);
  const feeds = feedPlanOf(fp32.model, basename(fp32.path), feedChoices(values));
  const spec = await loadSpec(values.preprocess, feeds.image);
  const decode = decodeLimits(values);
  const budget = runBudget(values);
  const detecting = values.labels !== undefined && (await isLabelFolder(values.labels));
  if (!detecting && (values.decoder !== undefined || values.classes !== undefined)) {
    fail(`${values.decoder !== undefined ? '--decoder' : '--classes'} scores a detector and needs --labels DIR, a folder of YOLO label files (one NAME.txt per image).`);
  }
  const classMap = values.classes === undefined ? undefined : parseClassMap(values.classes);
  const { files } = await imagesOf(values.images, limit);
  const labels = values.labels && !detecting ? await readLabels(values.labels) : undefined;
  const runner = createNodeRunner({ source: `${basename(fp32.path)} / ${basename(int8.path)}`, isolated: true });
  const mapping = mappingFromModel(int8.model);
  let source = imageFolderSource(files, spec, feeds, decode);
  let detection: ReturnType<typeof detectionPair> | undefined;
  if (detecting) {
    const folder = await readLabelFolder(values.labels!, files, values.images);
    const n = folder.missing.length;
    if (n > 0) say(`note: ${n} of ${files.length} ${n === 1 ? 'image has' : 'images have'} no label file in ${quote(values.labels!)} and count as images with no objects (YOLO's convention): ${folder.missing.slice(0, 3).map((m) => quote(basename(m))).join(', ')}${n > 3 ? ', ...' : ''}`);
    if (folder.refused.length > 0) say(`note: skipped ${folder.refused.length} label file(s) that are not regular files inside ${quote(values.labels!)}: ${folder.refused.slice(0, 3).map(quote).join(', ')}`);
    detection = detectionPair(detectionFolderSource(files, spec, feeds, decode), folder.lookup, { spec, geometry: feeds.image, labelClasses: folder.labelClasses, source: basename(fp32.path) }, { decoder: values.decoder, classMap });
    source = detection.source;
  }
  const result = await compareModels(fp32.model, int8.model, runner, source, {
    runBudget: budget,
    mapping,
    testOptimization: formatOfModel(int8.model) === 'int8-weights' ? 'extended' : 'all',
    labels: labels ? (i) => labels.get(basename(files[i])) : undefined,
    onProgress: progress('comparing'),
    onOutputs: detection?.onOutputs,
  }).catch((e: unknown) => {
    if (isZeropointError(e) && e.code === 'not-detector') {
      throw new ZeropointError('not-detector', `${e.message} A folder for --labels scores a detector; a classifier takes a labels CSV ('file,class-index').`, { subject: e.subject, cause: e });
    }
    throw e;
  });
  const scored = detection?.result();
  if (values.json) {
    const { raw: _raw, ...rest } = result;
    const det = scored ? { detection: detectionJson(scored, classMap) } : {};
    process.stdout.write(`${JSON.stringify({ fp32: fp32.path, int8: int8.path, perLayer: mapping !== undefined, ...rest, ...(scored ? { agreement: null } : {}), ...det }, jsonNumbers, 2)}\n`);
    return;
  }
  process.stdout.write(formatComparison(scored ? { ...result, agreement: null } : result, mapping !== undefined));
  if (scored) process.stdout.write(formatDetection(scored, classMap));
}

/** The AP figures without the raw matches (which can be large). */
function detectionJson(d: DetectionComparison, classMap: readonly number[] | undefined) {
  const side = ({ stats: _stats, decoder: _decoder, ...rest }: DetectionComparison['fp32']) => rest;
  return { decoder: d.fp32.decoder, classMap: classMap ?? null, fp32: side(d.fp32), int8: side(d.int8), drop: d.drop };
}

function formatDetection(d: DetectionComparison, classMap: readonly number[] | undefined): string {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');
  const c = d.fp32.decoder;
  const scoredClasses = d.fp32.perClass.length;
  return [
    `detection: decoder ${c.decoder} (${c.chosenBy === 'name' ? 'named' : 'from the outputs'}: ${c.reason})`,
    `  ${d.fp32.images} images, ${d.fp32.truths} labelled objects in ${scoredClasses} class${scoredClasses === 1 ? '' : 'es'}${classMap ? `; classes ${classMapText(classMap)}` : ''}`,
    `  FP32  AP50 ${f(d.fp32.ap50)}  AP50-95 ${f(d.fp32.ap5095)}`,
    `  INT8  AP50 ${f(d.int8.ap50)}  AP50-95 ${f(d.int8.ap5095)}`,
    `  drop  AP50 ${f(d.drop.ap50)}  AP50-95 ${f(d.drop.ap5095)}  (FP32 - INT8: positive is accuracy lost)`,
    '',
  ].join('\n');
}


/** A tensor whose own Q/DQ leaves less than this SQNR is flagged in the per-layer table. */
const LOCAL_ALERT_DB = 20;

function formatComparison(r: ComparisonResult, perLayer: boolean): string {
  const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : x > 0 ? 'inf' : String(x));
  const lines = [`${r.images} images`, 'outputs:'];
  for (const o of r.outputs) lines.push(`  ${o.name}: cosine ${f(o.cosine, 5)}, SQNR ${f(o.sqnrDb)} dB, max abs ${f(o.maxAbs, 5)}`);
  const a = r.agreement;
  if (a) {
    lines.push(`top-1 agreement ${(100 * a.top1Agreement).toFixed(2)}%, INT8 top-5 contains FP32 top-1 ${(100 * a.top5Agreement).toFixed(2)}%`);
    if (a.labeled > 0) {
      lines.push(`accuracy (${a.labeled} labelled): FP32 top-1 ${(100 * a.reference.top1).toFixed(2)}% top-5 ${(100 * a.reference.top5).toFixed(2)}%; INT8 top-1 ${(100 * a.test.top1).toFixed(2)}% top-5 ${(100 * a.test.top5).toFixed(2)}%`);
    }
  }
  if (!perLayer) lines.push('per layer: the INT8 model carries no Zeropoint tensor mapping (not written by Zeropoint), so layers are not compared.');
  else {
    lines.push('per layer (graph order): accumulated SQNR dB (INT8 model vs FP32 model), local SQNR dB (the tensor\'s own Q/DQ on its FP32 values), cosine, offset (share of the squared error that is a per-channel offset), op, tensor');
    const worst = [...r.layers].sort((x, y) => x.sqnrDb - y.sqnrDb)[0];
    // The first layer whose own grid costs much: where things start to go wrong.
    const first = r.layers.find((l) => l.local && l.local.sqnrDb < LOCAL_ALERT_DB);
    const share = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '-').padStart(6);
    for (const l of r.layers) {
      const marks = [l === first ? `first local SQNR below ${LOCAL_ALERT_DB} dB` : '', l === worst ? 'worst' : '', l.window ? `in its readers' window [${f(l.window.min)}, ${f(l.window.max)}]` : ''].filter(Boolean);
      lines.push(`  ${f(l.sqnrDb).padStart(7)}  ${(l.local ? f(l.local.sqnrDb) : '-').padStart(7)}  ${f(l.cosine, 5)}  ${share(l.biasShare)}  ${l.opType.padEnd(18)} ${l.fp32}${marks.length ? `   <- ${marks.join('; ')}` : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
