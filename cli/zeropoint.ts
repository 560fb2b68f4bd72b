/**
 * zeropoint: the Node CLI on the same engine as the browser workbench.
 *
 *   zeropoint inspect MODEL [--json]
 *   zeropoint quantize MODEL --calib DIR --preprocess PRESET|SPEC.json --out OUT.onnx [options]
 *   zeropoint compare FP32.onnx INT8.onnx --images DIR --preprocess PRESET|SPEC.json [--labels CSV] [--limit N] [--json]
 *
 * Progress goes to stderr, results to stdout. Any failure prints one line that names the file or node
 * and what to do, exits non-zero, and leaves every output unwritten: the output paths are checked
 * before any work (never an input, never a device), and the model and the report are written to
 * temporary files and renamed only once onnxruntime has loaded the model (fs-host.ts: all or none).
 * Every line is printed with control characters escaped, so a name cannot forge or colour a line.
 */
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { isZeropointError } from '../workers/core/errors';
import { inspectModel, type ModelSummary } from '../workers/core/graph/inspect';
import { DEFAULT_LIMITS } from '../workers/core/intake/limits';
import { quote } from '../workers/core/intake/names';
import { FORMAT_DESCRIPTIONS } from '../workers/core/export/formats';
import { REPORT_OVERLAYS } from './html-report';
import { BENCH_USAGE, benchCommand } from './bench-command';
import { readModelFile } from './model-io';
import { DEFAULT_FOURTH_CHANNEL } from '../workers/core/preprocess/spec';
import { PRESETS_TEXT } from './pipeline';
import { DECODER_NAMES } from '../workers/core/analysis/detection/types';
import { say, fail, joinNegativeValues, endProgressLine, feedChoices, decodeLimits, runBudget, imagesOf, list, elemTypeName, progress } from './common';
import { quantize } from './quantize-command';
import { compare } from './compare-command';

const USAGE = `Usage:
  zeropoint inspect MODEL [--json]
  zeropoint quantize MODEL --calib DIR --preprocess PRESET|SPEC.json --out OUT.onnx [--limit N]
      [--format int8|fp16|int8-weights] [--method minmax|moving-average|percentile|entropy|mse] [--percentile P]
      [--histogram-sample N|all (values per tensor and image binned; default: 152,020 / images)] [--per-tensor]
      [--activations u8|s8] [--symmetric-activations] [--keep-fp32 NODE,...] [--keep-fp32-ops OP,...]
      [--keep-first-last] [--bias-correction] [--report REPORT.json|REPORT.html [--report-overlay ${REPORT_OVERLAYS.join('|')}]]
      [--width W --height H (dynamic inputs)]
      [--image-input NAME] [--input NAME=VALUE ...] [--fourth-channel VALUE] [--max-image-pixels N] [--run-timeout SECONDS] [--strict (an unfaithful INT8 model is an error)]
      [--auto [--target-cosine C (0.99) | --target-sqnr DB | --max-drop POINTS --eval DIR --labels LABELS.csv|LABELS_DIR
        [--decoder NAME] [--classes ...]] [--max-fp32 N]]
      [--plan REPORT_OR_PLAN.json (replays what --auto chose)]
  zeropoint compare FP32.onnx INT8.onnx --images DIR --preprocess PRESET|SPEC.json [--labels LABELS.csv|LABELS_DIR]
      [--decoder NAME] [--classes NAME|INDEX,...|coco91] [--limit N] [--width W --height H] [--image-input NAME]
      [--input NAME=VALUE ...] [--fourth-channel VALUE] [--max-image-pixels N] [--run-timeout SECONDS] [--json]
${BENCH_USAGE}
Formats: int8 (default): ${FORMAT_DESCRIPTIONS.int8}.
  fp16: ${FORMAT_DESCRIPTIONS.fp16}; --calib is optional (its images then run the fidelity gate) and
    --preprocess gives the input's range (without it the first layer stays FP32).
  int8-weights: ${FORMAT_DESCRIPTIONS['int8-weights']}; --calib optional as for fp16.
  --method, --percentile, --histogram-sample, --activations, --symmetric-activations and --bias-correction are for int8 only.
Presets: ${PRESETS_TEXT}.
Inputs: --image-input names the image input when several could be (else the single rank-4 float/uint8 input);
  every other input gets --input NAME=VALUE (a number, or a JSON array such as orig_target_sizes=[[416,416]]),
  or the default its name implies (orig_target_sizes, im_shape, image_size: the network input's size;
  scale_factor: [1,1]); a 4-channel input's fourth channel is --fourth-channel (default ${DEFAULT_FOURTH_CHANNEL}).
Labels: a CSV ('file,class-index') scores a classifier (top-1/top-5); a folder of YOLO label files ('class cx cy w h'
  per object, one NAME.txt per image) scores a detector (AP50, AP50-95). The decoder of the outputs is chosen from them
  (--decoder ${DECODER_NAMES.join('|')} to say); --classes maps the model's classes to the labels' (person: a
  person-only model scored on class 0; coco91: COCO's original ids 1..90).
Limits: images up to ${DEFAULT_LIMITS.maxImagePixels / 1e6} megapixels (--max-image-pixels), one inference run up to ${DEFAULT_LIMITS.runTimeoutMs / 1000} s (--run-timeout).`;

// ---------------------------------------------------------------------------------------------

async function inspect(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' } } });
  if (positionals.length !== 1) fail('inspect takes one MODEL path.');
  const { model, bytes, path } = await readModelFile(positionals[0]);
  const summary = inspectModel(model, bytes.length);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  process.stdout.write(formatSummary(basename(path), summary));
}

function formatSummary(file: string, s: ModelSummary): string {
  const io = (t: ModelSummary['inputs'][number]) => `  ${t.name}: ${t.type} [${t.shape.join(', ')}]`;
  return [
    `${file}  (${(s.fileBytes / 1e6).toFixed(2)} MB)`,
    `graph ${s.graphName || '(unnamed)'}; producer ${s.producer || '(unknown)'}; IR ${s.irVersion}; opsets ${s.opsets.map((o) => `${o.domain} ${o.version}`).join(', ')}`,
    `parameters ${s.parameters.toLocaleString('en-US')}; nodes ${s.nodes}`,
    `quantization: ${s.quantizationDetail}`,
    'inputs:',
    ...s.inputs.map(io),
    'outputs:',
    ...s.outputs.map(io),
    'ops:',
    `  ${Object.entries(s.ops).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------

export async function main(argv: string[]): Promise<number> {
  const [command, ...given] = argv;
  const rest = joinNegativeValues(given);
  try {
    if (command === 'inspect') await inspect(rest);
    else if (command === 'quantize') await quantize(rest);
    else if (command === 'compare') await compare(rest);
    else if (command === 'bench') await benchCommand(rest, { say, feedChoices, decodeLimits, runBudget, imagesOf, list, elemTypeName, progress });
    else if (command === '--help' || command === '-h' || command === 'help') process.stdout.write(`${USAGE}\n`);
    else {
      say(`zeropoint: unknown command ${quote(command ?? '')}.`);
      process.stderr.write(`${USAGE}\n`);
      return 2;
    }
    return 0;
  } catch (e) {
    endProgressLine();
    if (isZeropointError(e)) say(`zeropoint: ${e.message}`);
    else if (e instanceof TypeError && (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) say(`zeropoint: ${e.message.split('\n')[0].replace(/\.$/, '')}. Run 'zeropoint help' for usage.`);
    else say(`zeropoint: unexpected error: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    if (process.env.ZEROPOINT_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    return 1;
  }
}

// `tsx cli/zeropoint.ts ...` (npm run zeropoint). cli/bin.mjs, the package bin, imports this module and calls main() itself.
const isEntry = process.argv[1] && /zeropoint\.ts$/.test(process.argv[1]);
if (isEntry) {
  const code = await main(process.argv.slice(2));
  process.exitCode = code;
  // A run that timed out may still be going on inside onnxruntime: exit once stdout and stderr are flushed.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}
