/**
 * Detection scoring: the plain data that crosses between decoders, NMS, matching and the hosts.
 *
 *   model outputs --decoder--> candidates (network-input pixels, xyxy, score, model class)
 *     --per-class NMS--> detections --through the preprocessing's placement--> original image pixels
 *     --class map--> label classes --matched against YOLO labels--> per-image matches --> AP50, AP50-95
 *
 * Boxes are corners (x1, y1, x2, y2) in pixels, edges not centers.
 */
import type { RunnerTensor } from '../../runner';

export interface Box {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
}

/** A decoded box: network-input pixels before mapping back, original-image pixels after. */
export interface Detection extends Box {
  readonly score: number;
  /** The model's class index (after the class map: the label class). */
  readonly classId: number;
}

/** A ground-truth box of a YOLO label file, in original-image pixels. */
export interface TruthBox extends Box {
  readonly classId: number;
}

/** What a decoder knows about the run besides the outputs. */
export interface DecodeContext {
  /** The network input's size, in pixels. */
  readonly inputWidth: number;
  readonly inputHeight: number;
  /** Candidates scoring below this are dropped before NMS. */
  readonly scoreThreshold: number;
  /** Anchors (w, h pairs in input pixels) for anchor-based layouts (Yolo-FastestV2), smallest stride first. */
  readonly anchors?: readonly number[];
}

/** Names of the decoders (the registry in ./decoders.ts); a person may pick one by name. */
export const DECODER_NAMES = ['yolov5', 'yolox', 'yolov8', 'yolo-end2end', 'fastestdet', 'yolo-fastestv2', 'detr', 'rtdetr', 'ssd'] as const;
export type DecoderName = (typeof DECODER_NAMES)[number];

/** A decoder's view of a model's outputs: whether they are its layout, and why. */
export type Recognition =
  | {
      readonly fits: true;
      /** Higher is a better fit; 0 means it can decode these outputs but nothing speaks for it. */
      readonly confidence: number;
      /** The evidence, e.g. "756 rows = 24x24 + 12x12 + 6x6 cells of strides 8/16/32 at 192x192". */
      readonly reason: string;
      /** The number of classes the model scores. */
      readonly classes: number;
    }
  | { readonly fits: false; readonly reason: string };

/**
 * One output layout. `recognize` looks at the outputs of a first run (their names, shapes and values: a
 * YOLOv5 head and a raw YOLOX head have the same shape, and only their values tell them apart) and says
 * whether and how well it fits; `decode` turns one run's outputs into candidates in input pixels.
 */
export interface DetectionDecoder {
  readonly name: DecoderName;
  /** One line for menus and reports. */
  readonly title: string;
  recognize(outputs: Readonly<Record<string, RunnerTensor>>, context: DecodeContext): Recognition;
  decode(outputs: Readonly<Record<string, RunnerTensor>>, context: DecodeContext): Detection[];
}

export interface ImageSize {
  readonly width: number;
  readonly height: number;
}
