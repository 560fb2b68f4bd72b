/**
 * One model's detections, image by image, into AP statistics: decode the outputs (the decoder chosen
 * on the first image, or named), NMS per class, map the boxes back through the preprocessing's
 * placement to the original image, renumber the classes through the class map, and match against
 * the image's labels. Nothing of the outputs is kept beyond the call.
 */
import { ZeropointError } from '../../errors';
import { quote } from '../../intake/names';
import type { InputGeometry, PreprocessSpec } from '../../preprocess/spec';
import type { RunnerTensor } from '../../runner';
import { addImage, createDetectionStats, type DetectionStats } from './ap';
import { imageTransform, nmsPerClass, toOriginal } from './boxes';
import { chooseDecoder, decoderByName, type DecoderChoice } from './decoders';
import { truthBoxes, type YoloLabel } from './labels';
import type { DecodeContext, Detection, ImageSize } from './types';

export interface DetectionOptions {
  /** A decoder by name (DECODER_NAMES); by default the one that recognises the outputs of the first image. */
  readonly decoder?: string;
  /**
   * Label class of each model class (entry i for model class i; -1 or missing drops it), e.g. [0] for
   * a person-only detector scored on COCO's class 0. Only the mapped classes are scored. Without it,
   * model classes are label classes, and a model with fewer classes than the labels is refused.
   */
  readonly classMap?: readonly number[];
  /** Candidates below this score are dropped before NMS (0.001: evaluation keeps the low scores AP needs). */
  readonly scoreThreshold?: number;
  /** Per-class NMS IoU threshold (0.65). */
  readonly nmsIou?: number;
  /** Detections kept per image over all classes (300). */
  readonly maxDetections?: number;
  /** Candidates considered by NMS, highest scores first (5000). */
  readonly maxCandidates?: number;
  /** Anchors for anchor-based layouts (Yolo-FastestV2), w, h pairs in input pixels, smallest stride first. */
  readonly anchors?: readonly number[];
}

export const DEFAULT_DETECTION_OPTIONS = { scoreThreshold: 0.001, nmsIou: 0.65, maxDetections: 300, maxCandidates: 5000 } as const;

/** How images reached the model (to map boxes back) and what the labels number. */
export interface DetectionSetup {
  readonly spec: PreprocessSpec;
  readonly geometry: InputGeometry;
  /** 1 + the largest class index in the labels: a model with fewer classes needs a class map. */
  readonly labelClasses: number;
  /** Names the model in messages. */
  readonly source?: string;
  /** How the person gives a class map and a decoder, for messages ("--classes", "the Class map field"). */
  readonly how?: { readonly classMap: string; readonly decoder: string };
}

const CLI_HOW = { classMap: '--classes (a COCO name or index per model class, such as --classes person)', decoder: '--decoder NAME' };

export interface ModelScorer {
  /** Set on the first image. */
  readonly choice: () => DecoderChoice | undefined;
  readonly stats: DetectionStats;
  /** Adds one image's outputs; the decoder is chosen on the first call (or checked, when named). */
  add(outputs: Readonly<Record<string, RunnerTensor>>, size: ImageSize, labels: readonly YoloLabel[]): void;
}

export function decodeContext(setup: DetectionSetup, options: DetectionOptions): DecodeContext {
  return {
    inputWidth: setup.geometry.width,
    inputHeight: setup.geometry.height,
    scoreThreshold: options.scoreThreshold ?? DEFAULT_DETECTION_OPTIONS.scoreThreshold,
    anchors: options.anchors,
  };
}

/** Checks a choice against the labels: a model with fewer classes than they use needs a class map. */
function checkClasses(choice: DecoderChoice, setup: DetectionSetup, options: DetectionOptions): void {
  const how = setup.how ?? CLI_HOW;
  if (options.classMap) {
    if (options.classMap.length > choice.classes && choice.decoder !== 'detr') {
      throw new ZeropointError('bad-option', `The class map gives ${options.classMap.length} classes but ${setup.source ? quote(setup.source) : 'the model'} scores ${choice.classes} (decoder '${choice.decoder}'); give one label class per model class with ${how.classMap}.`);
    }
    return;
  }
  if (choice.classes < setup.labelClasses) {
    throw new ZeropointError(
      'bad-option',
      `${setup.source ? quote(setup.source) : 'The model'} scores ${choice.classes} class${choice.classes === 1 ? '' : 'es'} (decoder '${choice.decoder}') but the labels number classes up to ${setup.labelClasses - 1}; say which label class each model class is with ${how.classMap}.`,
    );
  }
}

/** Decoded, NMS'd detections of one image in original pixels and label classes. */
export function imageDetections(raw: readonly Detection[], size: ImageSize, setup: DetectionSetup, options: DetectionOptions): Detection[] {
  const kept = nmsPerClass(raw, {
    iouThreshold: options.nmsIou ?? DEFAULT_DETECTION_OPTIONS.nmsIou,
    maxDetections: options.maxDetections ?? DEFAULT_DETECTION_OPTIONS.maxDetections,
    maxCandidates: options.maxCandidates ?? DEFAULT_DETECTION_OPTIONS.maxCandidates,
  });
  const placed = toOriginal(kept, imageTransform(size, setup.spec, setup.geometry), size);
  const map = options.classMap;
  if (!map) return placed;
  const out: Detection[] = [];
  for (const d of placed) {
    const c = map[d.classId] ?? -1;
    if (c >= 0) out.push({ ...d, classId: c });
  }
  return out;
}

/** The label classes scored: the mapped ones, or all. */
export function scoredClasses(options: DetectionOptions): ReadonlySet<number> | undefined {
  return options.classMap ? new Set(options.classMap.filter((c) => c >= 0)) : undefined;
}

/**
 * A scorer for one model. `fixed` reuses a choice made elsewhere (the FP32 model's, so the INT8 model
 * is decoded the same way even if its values would have argued for another layout).
 */
export function createModelScorer(setup: DetectionSetup, options: DetectionOptions, fixed?: () => DecoderChoice | undefined): ModelScorer {
  const stats = createDetectionStats();
  const context = decodeContext(setup, options);
  const keep = scoredClasses(options);
  let own: DecoderChoice | undefined;
  const choice = () => fixed?.() ?? own;
  return {
    stats,
    choice,
    add(outputs, size, labels) {
      let current = choice();
      if (!current) {
        current = own = chooseDecoder(outputs, context, { name: options.decoder, source: setup.source, how: (setup.how ?? CLI_HOW).decoder });
        checkClasses(current, setup, options);
      }
      const raw = decoderByName(current.decoder)!.decode(outputs, context);
      addImage(stats, imageDetections(raw, size, setup, options), truthBoxes(labels, size), keep);
    },
  };
}
