/**
 * The suggestion on the real models of ../shared: for each family it recognises it must give the
 * MANIFEST's preprocessing (../shared/assets/MANIFEST.md); for the rest it must say 'unknown'.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MODELS } from '../../../test/assets';
import { decodeModel } from '../onnx/decode';
import { resolveSpec, SCALE_1_255, type PartialSpec, type PreprocessSpec } from './spec';
import { modelFacts, specMismatch, suggestPreprocessing } from './suggest';
import { indexGraph } from '../graph/graph';

/** The MANIFEST's preprocessing per model, as a spec ('unknown': the suggestion must not guess). */
const TABLE: ReadonlyArray<{ file: string; family: string | 'unknown'; spec?: PartialSpec }> = [
  { file: 'mnist.onnx', family: 'MNIST digits', spec: { preset: 'raw' } },
  { file: 'squeezenet1.1-fp32.onnx', family: 'Caffe2 model zoo', spec: { preset: 'caffe' } },
  { file: 'squeezenet1.1-fp16.onnx', family: 'Caffe2 model zoo', spec: { preset: 'caffe' } },
  { file: 'yolov8n-fp32-topology.onnx', family: 'Ultralytics YOLO', spec: { preset: 'yolo' } },
  { file: 'yolov8n-int8-dynamic.onnx', family: 'Ultralytics YOLO', spec: { preset: 'yolo' } },
  { file: 'mobilenetv2-12-int8-qoperator.onnx', family: 'torchvision ImageNet classifier', spec: { preset: 'imagenet' } },
  { file: 'super-resolution.onnx', family: 'super-resolution (Y channel)', spec: { color: 'gray', scale: SCALE_1_255, mean: [0], std: [1], resize: 'stretch' } },
  { file: 'lw-person-det-192.onnx', family: 'YOLOX', spec: { color: 'bgr', scale: 1, mean: [0, 0, 0], std: [1, 1, 1], resize: 'letterbox', pad: 114, align: 'top-left', layout: 'nchw' } },
  { file: 'scrfd-500m-kps.onnx', family: 'SCRFD (insightface)', spec: { color: 'rgb', scale: 1, mean: [127.5, 127.5, 127.5], std: [128, 128, 128], resize: 'letterbox', pad: 0, align: 'top-left', layout: 'nchw' } },
  { file: 'ultraface-rfb-320.onnx', family: 'UltraFace', spec: { color: 'rgb', scale: 1, mean: [127, 127, 127], std: [128, 128, 128], resize: 'stretch' } },
  { file: 'yunet-120x160.onnx', family: 'YuNet (libfacedetection)', spec: { color: 'rgb', scale: 1, mean: [0, 0, 0], std: [1, 1, 1], resize: 'stretch', layout: 'nchw' } },
  { file: 'deimv2-femto-416.onnx', family: 'RT-DETR / D-FINE / DEIM', spec: { color: 'rgb', scale: SCALE_1_255, mean: [0, 0, 0], std: [1, 1, 1], resize: 'stretch', layout: 'nchw' } },
  { file: 'ppocrv3-det.onnx', family: 'PaddleOCR text detector (DB)', spec: { color: 'bgr', scale: SCALE_1_255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], resize: 'stretch', layout: 'nchw' } },
  { file: 'ppocr-cls-v2.onnx', family: 'PaddleOCR classifier', spec: { color: 'bgr', scale: SCALE_1_255, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], resize: 'stretch', layout: 'nchw' } },
  { file: 'ppocrv4-rec.onnx', family: 'PaddleOCR recognizer', spec: { color: 'bgr', scale: SCALE_1_255, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], resize: 'stretch', layout: 'nchw' } },
  { file: 'deeplabv3-mnv2-257.onnx', family: 'TensorFlow (NHWC)', spec: { color: 'rgb', scale: 1, mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5], resize: 'stretch', layout: 'nhwc' } },
  { file: 'mlsd-tiny-512.onnx', family: 'TensorFlow (NHWC)', spec: { color: 'rgb', scale: 1, mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5], resize: 'stretch', layout: 'nhwc' } },
  { file: 'fastestdet.onnx', family: 'unknown' },
  { file: 'yolo-fastestv2.onnx', family: 'unknown' },
  { file: 'tbefn-240x320.onnx', family: 'unknown' },
  { file: 'fns-candy.onnx', family: 'unknown' },
];

/** The fields that decide what the model sees (cropRatio only for a crop, pad and align only for a letterbox). */
function decisive(s: PreprocessSpec): Partial<PreprocessSpec> {
  const { color, scale, mean, std, resize, layout } = s;
  return { color, scale, mean, std, resize, layout, ...(resize === 'center-crop' ? { cropRatio: s.cropRatio } : {}), ...(resize === 'letterbox' ? { pad: s.pad, align: s.align } : {}) };
}

describe('suggestPreprocessing on the shared models', () => {
  it.each(TABLE)('$file: $family', ({ file, family, spec }) => {
    const model = decodeModel(new Uint8Array(readFileSync(`${MODELS}/${file}`)), { source: file });
    const s = suggestPreprocessing(modelFacts(model));
    expect(s.reasons.length).toBeGreaterThan(0);
    if (family === 'unknown') {
      expect(s.family).toBeNull();
      expect(s.basis).toBe('unknown');
      expect(s.preset).toBeNull();
      expect(s.reasons[0]).toMatch(/^Unknown/);
      return;
    }
    expect(s.family).toBe(family);
    const dims = indexGraph(model.graph!).dataInputs.find((i) => i.type?.tensorType?.shape?.dim.length === 4)!.type!.tensorType!.shape!.dim;
    const c1 = dims[1].dimValue;
    const context = c1 === 1 || c1 === 3 || c1 === 4 ? { channels: c1, layout: 'nchw' as const } : { channels: dims[3].dimValue!, layout: 'nhwc' as const };
    expect(decisive(resolveSpec({ preset: s.preset!, ...s.overrides }, context))).toEqual(decisive(resolveSpec(spec!, context)));
    // The suggestion agrees with itself; the sample's caffe preset on a YOLO model is flagged.
    expect(specMismatch(resolveSpec({ preset: s.preset!, ...s.overrides }, context), s)).toBeNull();
  });

  it('Ultralytics: the reasons quote names, stride and imgsz from the metadata', () => {
    const s = suggestPreprocessing(modelFacts(decodeModel(new Uint8Array(readFileSync(`${MODELS}/yolov8n-fp32-topology.onnx`)))));
    expect(s.basis).toBe('metadata');
    expect(s.reasons.join(' ')).toMatch(/Ultralytics/);
    expect(s.reasons.join(' ')).toMatch(/'names' lists 80 classes for the task 'detect'/);
    expect(s.reasons.join(' ')).toMatch(/'stride' is 32/);
    expect(s.reasons.join(' ')).toMatch(/'imgsz' is \[640, 640\]/);
  });
});

describe('specMismatch', () => {
  const yolo = suggestPreprocessing({
    producer: 'pytorch 2.1',
    graphName: 'main_graph',
    metadata: { author: 'Ultralytics', names: "{0: 'person'}", stride: '32', imgsz: '[640, 640]' },
    inputs: [{ name: 'images', type: 'float', shape: [1, 3, 640, 640] }],
    outputs: [{ name: 'output0', type: 'float', shape: [1, 84, 8400] }],
  });

  it("flags the caffe preset (BGR, -123..151) on a YOLO model (RGB 0..1)", () => {
    const m = specMismatch(resolveSpec('caffe', { channels: 3 }), yolo);
    expect(m).toMatch(/values -123\.\.151 where Ultralytics YOLO expects 0\.00\.\.1\.0/);
    expect(m).toMatch(/BGR where it expects RGB/);
  });

  it('accepts a spec on the same scale and colour order', () => {
    expect(specMismatch(resolveSpec('unit', { channels: 3 }), yolo)).toBeNull();
  });

  it('says nothing when the family is unknown', () => {
    const unknown = suggestPreprocessing({ producer: '', graphName: '', metadata: {}, inputs: [{ name: 'x', type: 'float', shape: [1, 3, 64, 64] }], outputs: [{ name: 'y', type: 'float', shape: [1, 7] }] });
    expect(unknown.family).toBeNull();
    expect(specMismatch(resolveSpec('caffe', { channels: 3 }), unknown)).toBeNull();
  });
});
