/**
 * Which preprocessing a model wants, read from the model itself: its metadata (Ultralytics writes
 * `names`, `stride`, `imgsz`), its producer (onnx-caffe2, PaddlePaddle, tf2onnx), its input's type,
 * layout and size, and the shapes of its outputs for the families whose heads are recognisable
 * (YOLOX, SCRFD, UltraFace, YuNet, DETR-style decoders, PaddleOCR). Each rule says why it fired; a
 * model no rule knows gets 'unknown' (never a guess dressed as a fact).
 *
 * Pure: it reads plain facts (`modelFacts` builds them from a decoded Model), so the model worker and
 * the CLI ask the same question, and the tests run it on the real models of ../shared.
 */
import { indexGraph } from '../graph/graph';
import { tensorSummary, type TensorSummary } from '../graph/inspect';
import type { Model } from '../onnx/types';
import { PRESETS, type ColorOrder, type PartialSpec, type PresetName, type PreprocessSpec } from './spec';

/** What the suggestion reads from a model. */
export interface ModelFacts {
  /** producerName and version, e.g. 'onnx-caffe2', 'pytorch 1.11.0', 'tf2onnx 1.10.1'. */
  readonly producer: string;
  readonly graphName: string;
  /** The model's metadata_props (values cut to 4,000 characters). */
  readonly metadata: Readonly<Record<string, string>>;
  /** The graph's data inputs (initializers left out) and outputs. */
  readonly inputs: readonly TensorSummary[];
  readonly outputs: readonly TensorSummary[];
}

/** How sure a suggestion is: read from what the authors wrote, or inferred from the graph's shape. */
export type SuggestionBasis = 'metadata' | 'structure' | 'unknown';

export interface PreprocessSuggestion {
  /** The family recognised ('Ultralytics YOLO', 'YOLOX', ...); null when none. */
  readonly family: string | null;
  readonly basis: SuggestionBasis;
  /** The preset the spec starts from and the fields that differ from it; null when unknown. */
  readonly preset: PresetName | null;
  readonly overrides: Omit<PartialSpec, 'preset'>;
  /** One sentence per fact that led to it (or, when unknown, what was looked at). */
  readonly reasons: readonly string[];
}

const MAX_METADATA_VALUE = 4000;

export function modelFacts(model: Model): ModelFacts {
  const graph = model.graph!;
  const metadata: Record<string, string> = {};
  for (const p of model.metadataProps ?? []) if (p.key) metadata[p.key] = (p.value ?? '').slice(0, MAX_METADATA_VALUE);
  return {
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
    graphName: graph.name ?? '',
    metadata,
    inputs: indexGraph(graph).dataInputs.map(tensorSummary),
    outputs: graph.output.map(tensorSummary),
  };
}

interface Image {
  readonly name: string;
  readonly layout: 'nchw' | 'nhwc';
  readonly channels: number;
  /** null when dynamic. */
  readonly height: number | null;
  readonly width: number | null;
}

const fixed = (d: number | string | undefined): number | null => (typeof d === 'number' && d > 0 ? d : null);

/** The first rank-4 float/float16/uint8 input with 1, 3 or 4 channels on axis 1 (NCHW) or 3 (NHWC). */
function imageInput(facts: ModelFacts): Image | null {
  for (const t of facts.inputs) {
    if (!['float', 'float16', 'uint8'].includes(t.type) || t.shape.length !== 4) continue;
    const c1 = fixed(t.shape[1]);
    const c3 = fixed(t.shape[3]);
    const isC = (c: number | null) => c === 1 || c === 3 || c === 4;
    if (isC(c1)) return { name: t.name, layout: 'nchw', channels: c1!, height: fixed(t.shape[2]), width: fixed(t.shape[3]) };
    if (isC(c3)) return { name: t.name, layout: 'nhwc', channels: c3!, height: fixed(t.shape[1]), width: fixed(t.shape[2]) };
  }
  return null;
}

const shapeText = (t: TensorSummary) => `[${t.shape.join(',')}]`;

/** Cells of a feature map at each stride, for an input of h x w. */
const cells = (h: number, w: number, strides: readonly number[]) => strides.map((s) => Math.ceil(h / s) * Math.ceil(w / s));

type Rule = (facts: ModelFacts, image: Image) => Omit<PreprocessSuggestion, 'basis'> & { basis: Exclude<SuggestionBasis, 'unknown'> } | null;

const found = (family: string, basis: 'metadata' | 'structure', preset: PresetName, overrides: Omit<PartialSpec, 'preset'>, reasons: string[]) => ({ family, basis, preset, overrides, reasons });

/** Ultralytics exports (YOLOv5u/8/11, any task) write their training settings into the metadata. */
const ultralytics: Rule = (facts) => {
  const md = facts.metadata;
  const byAuthor = /ultralytics/i.test(md.author ?? '') || /ultralytics/i.test(md.description ?? '');
  const keys = ['names', 'stride', 'imgsz'].filter((k) => k in md);
  if (!byAuthor && keys.length < 2) return null;
  const reasons = [
    byAuthor ? `The metadata names Ultralytics (author '${md.author ?? ''}'${md.version ? `, version ${md.version}` : ''}).` : 'The metadata has the keys an Ultralytics export writes.',
  ];
  if (md.names) {
    const classes = (md.names.match(/\d+\s*:/g) ?? []).length;
    reasons.push(`'names' lists ${classes || 'its'} classes${md.task ? ` for the task '${md.task}'` : ''}.`);
  }
  if (md.stride) reasons.push(`'stride' is ${md.stride}: inputs are letterboxed to a multiple of it.`);
  if (md.imgsz) reasons.push(`'imgsz' is ${md.imgsz}.`);
  reasons.push('Ultralytics models take RGB in 0..1, letterboxed with grey 114 in the centre: the yolo preset.');
  return found('Ultralytics YOLO', 'metadata', 'yolo', {}, reasons);
};

/** Caffe2's model zoo (onnx-caffe2): ImageNet classifiers on BGR pixels minus the mean. */
const caffe2: Rule = (facts, image) => {
  if (!/caffe2/i.test(facts.producer) || image.channels !== 3) return null;
  const out = facts.outputs[0];
  const classes = out?.shape.some((d) => d === 1000);
  return found('Caffe2 model zoo', 'structure', 'caffe', {}, [
    `The producer is '${facts.producer}' (Caffe2's model zoo), input '${image.name}'${classes ? ` and ${out.name} has 1000 classes (ImageNet)` : ''}.`,
    'Caffe models take BGR pixels in 0..255 minus the mean [104, 117, 123], resized to 256 and center-cropped: the caffe preset.',
  ]);
};

/** MNIST digits: one gray 28x28 channel, ten classes. */
const mnist: Rule = (facts, image) => {
  if (image.channels !== 1 || image.height !== 28 || image.width !== 28) return null;
  const ten = facts.outputs.some((o) => o.shape.length >= 1 && fixed(o.shape[o.shape.length - 1]) === 10);
  if (!ten) return null;
  return found('MNIST digits', 'structure', 'raw', {}, [
    `Input '${image.name}' is one 28x28 channel and the output has 10 classes: an MNIST digit classifier.`,
    'The MNIST models of the ONNX zoo take gray pixels in 0..255: the raw preset.',
  ]);
};

/** A 1-channel image-to-image model that upscales: the Y channel of YCbCr in 0..1 (PyTorch's super-resolution example). */
const superResolution: Rule = (facts, image) => {
  if (image.channels !== 1 || image.layout !== 'nchw' || !image.height || !image.width || facts.outputs.length !== 1) return null;
  const o = facts.outputs[0];
  const oh = fixed(o.shape[2]);
  const ow = fixed(o.shape[3]);
  if (o.shape.length !== 4 || fixed(o.shape[1]) !== 1 || !oh || !ow || oh <= image.height || oh % image.height !== 0 || ow !== (oh / image.height) * image.width) return null;
  return found('super-resolution (Y channel)', 'structure', 'unit', {}, [
    `Input '${image.name}' is one ${image.height}x${image.width} channel and the output ${shapeText(o)} is ${oh / image.height}x larger: a super-resolution model on the Y channel.`,
    'These models (the PyTorch super-resolution example) take the Y channel in 0..1: the unit preset, gray.',
  ]);
};

/** YOLOX heads: one output [1, N, 5 + classes] with N the cells of strides 8, 16 and 32. */
const yolox: Rule = (facts, image) => {
  if (image.channels !== 3 || !image.height || !image.width || facts.outputs.length !== 1) return null;
  const o = facts.outputs[0];
  const n = fixed(o.shape[1]);
  const last = fixed(o.shape[2]);
  const expected = cells(image.height, image.width, [8, 16, 32]).reduce((a, b) => a + b, 0);
  if (o.shape.length !== 3 || n !== expected || !last || last < 6) return null;
  return found('YOLOX', 'structure', 'raw', { color: 'bgr', resize: 'letterbox', align: 'top-left', pad: 114 }, [
    `Output ${o.name} ${shapeText(o)}: ${n} rows, one per cell of strides 8, 16 and 32 on ${image.height}x${image.width}, and ${last} columns (box, objectness, ${last - 5} class${last === 6 ? '' : 'es'}): a YOLOX head.`,
    'YOLOX takes BGR pixels in 0..255 (no normalization), letterboxed at the top-left with grey 114.',
  ]);
};

/** SCRFD (insightface): scores, boxes (and keypoints) per stride 8/16/32, two anchors per cell. */
const scrfd: Rule = (facts, image) => {
  if (image.channels !== 3 || !image.height || !image.width || (facts.outputs.length !== 6 && facts.outputs.length !== 9)) return null;
  const anchors = new Set(cells(image.height, image.width, [8, 16, 32]).map((c) => 2 * c));
  const ok = facts.outputs.every((o) => o.shape.length === 3 && anchors.has(fixed(o.shape[1]) ?? -1) && [1, 4, 10].includes(fixed(o.shape[2]) ?? -1));
  if (!ok) return null;
  return found('SCRFD (insightface)', 'structure', 'raw', { mean: [127.5, 127.5, 127.5], std: [128, 128, 128], resize: 'letterbox', align: 'top-left', pad: 0 }, [
    `${facts.outputs.length} outputs of scores, boxes${facts.outputs.length === 9 ? ' and 5 keypoints' : ''} with 2 anchors per cell of strides 8, 16 and 32 on ${image.height}x${image.width}: an SCRFD face detector.`,
    'SCRFD takes RGB (x - 127.5) / 128, letterboxed at the top-left with black.',
  ]);
};

const named = (facts: ModelFacts, name: string) => facts.outputs.find((o) => o.name === name);

/** UltraFace: 'scores' [1,N,2] and 'boxes' [1,N,4]. */
const ultraface: Rule = (facts, image) => {
  const scores = named(facts, 'scores');
  const boxes = named(facts, 'boxes');
  if (image.channels !== 3 || facts.outputs.length !== 2 || !scores || !boxes || fixed(scores.shape[2]) !== 2 || fixed(boxes.shape[2]) !== 4) return null;
  return found('UltraFace', 'structure', 'raw', { mean: [127, 127, 127], std: [128, 128, 128] }, [
    `Outputs 'scores' ${shapeText(scores)} and 'boxes' ${shapeText(boxes)}: the Ultra-Light-Fast face detector (UltraFace).`,
    'UltraFace takes RGB (x - 127) / 128, resized to the input size.',
  ]);
};

/** YuNet (libfacedetection): outputs loc, conf, iou. */
const yunet: Rule = (facts, image) => {
  if (image.channels !== 3 || !['loc', 'conf', 'iou'].every((n) => named(facts, n))) return null;
  return found('YuNet (libfacedetection)', 'structure', 'raw', {}, [
    "Outputs 'loc', 'conf' and 'iou': the YuNet face detector of libfacedetection / OpenCV.",
    'YuNet takes RGB pixels in 0..255 (no normalization), resized to the input size: the raw preset.',
  ]);
};

/** RT-DETR, D-FINE, DEIM: a second input of the original image sizes, postprocessing in the graph. */
const detr: Rule = (facts, image) => {
  const sizes = facts.inputs.find((t) => t.name === 'orig_target_sizes');
  if (image.channels !== 3 || !sizes) return null;
  return found('RT-DETR / D-FINE / DEIM', 'structure', 'unit', {}, [
    `A second input 'orig_target_sizes' ${shapeText(sizes)} beside '${image.name}': an RT-DETR-style exported detector (RT-DETR, D-FINE, DEIM).`,
    'These take RGB in 0..1, resized to the input size without normalization: the unit preset.',
  ]);
};

/** PaddleOCR (paddle2onnx): the detector normalizes like ImageNet; the classifier and recognizer to [-1, 1]. BGR both. */
const paddleOcr: Rule = (facts, image) => {
  const paddle = /paddle/i.test(facts.producer) || /paddle/i.test(facts.graphName);
  if (!paddle || image.channels !== 3 || image.layout !== 'nchw' || facts.outputs.length !== 1) return null;
  const o = facts.outputs[0];
  const producer = `${facts.producer ? `producer '${facts.producer}'` : `graph '${facts.graphName}'`}`;
  if (o.shape.length === 4 && fixed(o.shape[1]) === 1) {
    return found('PaddleOCR text detector (DB)', 'structure', 'imagenet', { color: 'bgr', resize: 'stretch' }, [
      `A PaddlePaddle model (${producer}) whose output ${o.name} ${shapeText(o)} is a one-channel probability map: a PaddleOCR DB text detector.`,
      "PaddleOCR's detector takes BGR in 0..1 with ImageNet's mean and std, resized (no crop).",
    ]);
  }
  if (o.shape.length === 2 || o.shape.length === 3) {
    const what = o.shape.length === 2 ? 'a text-direction classifier' : 'a text recognizer (a class per time step)';
    return found(`PaddleOCR ${o.shape.length === 2 ? 'classifier' : 'recognizer'}`, 'structure', 'unit', { color: 'bgr', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] }, [
      `A PaddlePaddle model (${producer}) with input '${image.name}' and output ${o.name} ${shapeText(o)}: PaddleOCR ${what}.`,
      "PaddleOCR's classifier and recognizer take BGR (x / 255 - 0.5) / 0.5, resized to the input height.",
    ]);
  }
  return null;
};

/** TensorFlow exports with an NHWC input (tf2onnx): the MobileNet convention, (x - 127.5) / 127.5. */
const tensorflowNhwc: Rule = (facts, image) => {
  if (!/tf2onnx|tensorflow|keras/i.test(facts.producer) || image.layout !== 'nhwc' || image.channels === 1) return null;
  return found('TensorFlow (NHWC)', 'structure', 'raw', { mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5], layout: 'nhwc' }, [
    `The producer is '${facts.producer}' and input '${image.name}' is NHWC: a TensorFlow model.`,
    "TensorFlow's mobile vision models (TF Hub, the MobileNet family) take RGB scaled to [-1, 1], (x - 127.5) / 127.5; check the model's card if it is not one of them.",
  ]);
};

/** A PyTorch-exported 224x224 classifier with 1000 classes: torchvision's ImageNet normalization. */
const torchvisionImagenet: Rule = (facts, image) => {
  const torch = /pytorch|torch-jit|torch_jit/i.test(`${facts.producer} ${facts.graphName}`);
  if (!torch || image.channels !== 3 || image.height !== 224 || image.width !== 224 || facts.outputs.length !== 1) return null;
  const o = facts.outputs[0];
  if (fixed(o.shape[o.shape.length - 1]) !== 1000) return null;
  return found('torchvision ImageNet classifier', 'structure', 'imagenet', {}, [
    `A PyTorch export (${facts.producer || facts.graphName}) with a 224x224 input and output ${o.name} ${shapeText(o)} of 1000 classes.`,
    "torchvision's ImageNet classifiers take RGB in 0..1 with ImageNet's mean and std, resized to 256 and center-cropped: the imagenet preset.",
  ]);
};

/** Most specific first: what the authors wrote beats what the graph looks like. */
const RULES: readonly Rule[] = [ultralytics, caffe2, mnist, superResolution, yolox, scrfd, ultraface, yunet, detr, paddleOcr, tensorflowNhwc, torchvisionImagenet];

export function suggestPreprocessing(facts: ModelFacts): PreprocessSuggestion {
  const image = imageInput(facts);
  if (!image) {
    return { family: null, basis: 'unknown', preset: null, overrides: {}, reasons: ['The model has no image input (rank 4, with 1, 3 or 4 channels), so there is nothing to suggest.'] };
  }
  for (const rule of RULES) {
    const s = rule(facts, image);
    if (s) return { ...s, overrides: image.layout === 'nhwc' ? { ...s.overrides, layout: 'nhwc' } : s.overrides };
  }
  const size = image.height && image.width ? `${image.height}x${image.width}` : 'dynamic size';
  return {
    family: null,
    basis: 'unknown',
    preset: null,
    overrides: {},
    reasons: [
      `Unknown: no metadata names the preprocessing and no known family matches (producer '${facts.producer || 'none'}', input '${image.name}' ${image.channels} channel${image.channels === 1 ? '' : 's'} ${image.layout.toUpperCase()} ${size}, ${facts.outputs.length} output${facts.outputs.length === 1 ? '' : 's'}).`,
      "Check the model's card or its training code for the colour order, scale, mean and std, and resize.",
    ],
  };
}

// -------------------------------------------------------------------------------------------------
// Mismatch: the chosen spec against the suggestion

/** The values the first layer sees for a spec, per tensor channel: [(0·scale − mean)/std, (255·scale − mean)/std]. */
export function inputRange(spec: Pick<PreprocessSpec, 'scale' | 'mean' | 'std'>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  spec.mean.forEach((m, c) => {
    const s = spec.std[c] ?? 1;
    const a = (0 * spec.scale - m) / s;
    const b = (255 * spec.scale - m) / s;
    min = Math.min(min, a, b);
    max = Math.max(max, a, b);
  });
  return { min, max };
}

/** The suggestion as a full spec (the preset with its overrides), for a model of `channels` channels. */
export function suggestedSpec(s: PreprocessSuggestion): (Pick<PreprocessSpec, 'color' | 'scale' | 'mean' | 'std' | 'resize'>) | null {
  if (!s.preset) return null;
  return { ...PRESETS[s.preset], ...s.overrides } as PreprocessSpec;
}

const fmt = (v: number) => (Math.abs(v) >= 10 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(1) : v.toFixed(2));
const rangeText = (r: { min: number; max: number }) => `${fmt(r.min)}..${fmt(r.max)}`;

/**
 * Why the chosen spec likely does not fit the model, when the suggestion knows the family: input
 * values on another scale (the span differs more than 4x, or the centres sit far apart), or another
 * colour order. Null when they agree or nothing is known.
 */
export function specMismatch(chosen: Pick<PreprocessSpec, 'color' | 'scale' | 'mean' | 'std'>, s: PreprocessSuggestion): string | null {
  const want = suggestedSpec(s);
  if (!want || !s.family) return null;
  const a = inputRange(chosen);
  const b = inputRange(want);
  const spanA = a.max - a.min;
  const spanB = b.max - b.min;
  const problems: string[] = [];
  const offCentre = Math.abs((a.max + a.min) / 2 - (b.max + b.min) / 2) > Math.max(spanA, spanB) / 2;
  if (spanA > 4 * spanB || spanB > 4 * spanA || offCentre) problems.push(`values ${rangeText(a)} where ${s.family} expects ${rangeText(b)}`);
  const colour = (c: ColorOrder) => (c === 'gray' ? 'gray' : c.toUpperCase());
  if (chosen.color !== want.color && chosen.color !== 'gray' && want.color !== 'gray') problems.push(`${colour(chosen.color)} where it expects ${colour(want.color)}`);
  if (problems.length === 0) return null;
  return `The preprocessing feeds ${problems.join(', and ')}: the first layer would see activations far from what it was trained on. Use the suggestion, or check the model's card.`;
}
