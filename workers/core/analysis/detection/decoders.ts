/**
 * The registry of output decoders and the choice among them: from the outputs of a first run (names,
 * shapes and values), or by the name a person gives. The choice says why, and what else could have
 * read the outputs, so a wrong guess is visible and can be overridden.
 */
import { ZeropointError } from '../../errors';
import { quote } from '../../intake/names';
import type { RunnerTensor } from '../../runner';
import { detr, fastestdet, ssd, yoloFastestV2 } from './decoders-other';
import { yolov5, yolov8, yolox } from './decoders-yolo';
import { rtdetr, yoloEnd2end } from './decoders-e2e';
import { shapeText } from './tensors';
import { DECODER_NAMES, type DecodeContext, type DecoderName, type DetectionDecoder } from './types';

/** Every decoder, in the order ties are broken. */
export const DECODERS: readonly DetectionDecoder[] = [yolov8, yolox, yolov5, yoloEnd2end, yoloFastestV2, fastestdet, detr, rtdetr, ssd];

export function decoderByName(name: string): DetectionDecoder | undefined {
  return DECODERS.find((d) => d.name === name);
}

export function isDecoderName(name: string): name is DecoderName {
  return (DECODER_NAMES as readonly string[]).includes(name);
}

export interface DecoderChoice {
  readonly decoder: DecoderName;
  /** Why: the chosen decoder's evidence. */
  readonly reason: string;
  /** True when the person named it. */
  readonly chosenBy: 'outputs' | 'name';
  readonly classes: number;
  /** What the other decoders made of the outputs (those that could read them), best first. */
  readonly alternatives: ReadonlyArray<{ readonly decoder: DecoderName; readonly confidence: number; readonly reason: string }>;
}

function outputsText(outputs: Readonly<Record<string, RunnerTensor>>): string {
  return Object.entries(outputs)
    .map(([n, t]) => `${quote(n)} ${shapeText(t.dims)}`)
    .join(', ');
}

/**
 * Picks the decoder for a model from its outputs on one image (`name` forces one). Throws
 * 'bad-option' for an unknown name or a named decoder that cannot read these outputs, and
 * 'not-detector' when no decoder recognises them; each message names the outputs and what to do.
 */
export function chooseDecoder(outputs: Readonly<Record<string, RunnerTensor>>, context: DecodeContext, options: { name?: string; source?: string; how?: string } = {}): DecoderChoice {
  const source = options.source ? ` of ${quote(options.source)}` : '';
  const verdicts = DECODERS.map((d) => ({ d, r: d.recognize(outputs, context) }));
  const fitting = verdicts.flatMap(({ d, r }) => (r.fits ? [{ decoder: d.name, confidence: r.confidence, reason: r.reason, classes: r.classes }] : [])).sort((a, b) => b.confidence - a.confidence);
  if (options.name !== undefined) {
    if (!isDecoderName(options.name)) throw new ZeropointError('bad-option', `Unknown decoder ${quote(options.name)}; use one of ${DECODER_NAMES.join(', ')}.`, { subject: options.name });
    const named = verdicts.find(({ d }) => d.name === options.name)!;
    if (!named.r.fits) {
      const best = fitting.find((f) => f.confidence > 0);
      throw new ZeropointError('bad-option', `Decoder '${options.name}' cannot read the outputs${source} (${outputsText(outputs)}): ${named.r.reason}${best ? `; '${best.decoder}' can (${best.reason})` : ''}.`, { subject: options.name });
    }
    return { decoder: named.d.name, reason: named.r.reason, chosenBy: 'name', classes: named.r.classes, alternatives: fitting.filter((f) => f.decoder !== named.d.name) };
  }
  const best = fitting[0];
  if (!best || best.confidence <= 0) {
    const how = options.how ?? '--decoder NAME';
    const maybe = fitting.length
      ? ` ${fitting.map((f) => `'${f.decoder}' could read them by shape, but ${f.reason.replace(/^.*?, but /, '')}`).join('; ')}; name one with ${how} to use it anyway.`
      : ` The decoders read ${DECODER_NAMES.join(', ')} layouts.`;
    throw new ZeropointError('not-detector', `No detection decoder recognises the outputs${source} (${outputsText(outputs)}).${maybe}`, { subject: options.source });
  }
  return { decoder: best.decoder, reason: best.reason, chosenBy: 'outputs', classes: best.classes, alternatives: fitting.slice(1) };
}
