/**
 * The models bench/calibration.ts measures: every FP32 model in ../shared/assets/models (the two
 * foreign INT8 models are inspected, never calibrated) with its MANIFEST preprocessing, as in
 * cli/corpus.test.ts, plus DeepLabV3 at 512x896 (bench/variants.ts). Each is prepared as the CLI
 * prepares it and its images decoded and preprocessed once, so only inference and statistics are timed.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listImages } from '../cli/images';
import { readMnist } from '../cli/mnist';
import { feedPlanOf, imageFolderSource, isPreset } from '../cli/pipeline';
import { decodeModel } from '../workers/core/onnx/decode';
import type { Model } from '../workers/core/onnx/types';
import { imageToTensor } from '../workers/core/preprocess/image';
import { parseSpecJson, resolveSpec, type PresetName } from '../workers/core/preprocess/spec';
import { prepareModel } from '../workers/core/quant/quantize';
import type { Feeds } from '../workers/core/runner';
import { deeplabAt } from './variants';

const ASSETS = fileURLToPath(new URL('../../shared/assets', import.meta.url));
const S255 = '0.00392156862745098';
const PADDLE = `{"color":"bgr","scale":${S255},"mean":[0.5,0.5,0.5],"std":[0.5,0.5,0.5],"resize":"stretch","layout":"nchw"}`;
const DEEPLAB = '{"color":"rgb","scale":1,"mean":[127.5,127.5,127.5],"std":[127.5,127.5,127.5],"resize":"stretch","layout":"nhwc"}';

export interface CalibrationCase {
  readonly id: string;
  readonly file: string;
  /** A preset name or a JSON spec (the MANIFEST's). */
  readonly spec: string;
  readonly images: 'coco' | 'imagenet' | 'mnist';
  readonly size?: { readonly width: number; readonly height: number };
  /** A graph edit of the original before preparation (the 512x896 DeepLabV3). */
  readonly variant?: (m: Model) => Model;
}

export const CALIBRATION_CASES: readonly CalibrationCase[] = [
  { id: 'mnist', file: 'mnist.onnx', spec: 'raw', images: 'mnist' },
  { id: 'squeezenet1.1-fp32', file: 'squeezenet1.1-fp32.onnx', spec: 'caffe', images: 'imagenet' },
  { id: 'squeezenet1.1-fp16', file: 'squeezenet1.1-fp16.onnx', spec: 'caffe', images: 'imagenet' },
  { id: 'fastestdet', file: 'fastestdet.onnx', spec: 'unit', images: 'coco' },
  { id: 'yolo-fastestv2', file: 'yolo-fastestv2.onnx', spec: `{"color":"bgr","scale":${S255},"mean":[0,0,0],"std":[1,1,1],"resize":"stretch","layout":"nchw"}`, images: 'coco' },
  { id: 'ultraface-rfb-320', file: 'ultraface-rfb-320.onnx', spec: '{"color":"rgb","scale":1,"mean":[127,127,127],"std":[128,128,128],"resize":"stretch","layout":"nchw"}', images: 'coco' },
  { id: 'super-resolution', file: 'super-resolution.onnx', spec: `{"color":"gray","scale":${S255},"mean":[0],"std":[1],"resize":"stretch","layout":"nchw"}`, images: 'coco' },
  { id: 'yolov8n-fp32-topology', file: 'yolov8n-fp32-topology.onnx', spec: 'yolo', images: 'coco' },
  { id: 'lw-person-det-192', file: 'lw-person-det-192.onnx', spec: '{"color":"bgr","scale":1,"mean":[0,0,0],"std":[1,1,1],"resize":"letterbox","pad":114,"align":"top-left","layout":"nchw"}', images: 'coco' },
  { id: 'scrfd-500m-kps', file: 'scrfd-500m-kps.onnx', spec: '{"color":"rgb","scale":1,"mean":[127.5,127.5,127.5],"std":[128,128,128],"resize":"letterbox","pad":0,"align":"top-left","layout":"nchw"}', images: 'coco' },
  { id: 'yunet-120x160', file: 'yunet-120x160.onnx', spec: '{"color":"rgb","scale":1,"mean":[0,0,0],"std":[1,1,1],"resize":"stretch","layout":"nchw"}', images: 'coco' },
  { id: 'deimv2-femto-416', file: 'deimv2-femto-416.onnx', spec: `{"color":"rgb","scale":${S255},"mean":[0,0,0],"std":[1,1,1],"resize":"stretch","layout":"nchw"}`, images: 'coco' },
  { id: 'ppocrv3-det', file: 'ppocrv3-det.onnx', spec: `{"color":"bgr","scale":${S255},"mean":[0.485,0.456,0.406],"std":[0.229,0.224,0.225],"resize":"stretch","layout":"nchw"}`, images: 'coco', size: { width: 640, height: 640 } },
  { id: 'ppocr-cls-v2', file: 'ppocr-cls-v2.onnx', spec: PADDLE, images: 'coco', size: { width: 192, height: 48 } },
  { id: 'ppocrv4-rec', file: 'ppocrv4-rec.onnx', spec: PADDLE, images: 'coco', size: { width: 320, height: 48 } },
  { id: 'deeplabv3-mnv2-257', file: 'deeplabv3-mnv2-257.onnx', spec: DEEPLAB, images: 'coco' },
  { id: 'deeplabv3-mnv2 at 512x896', file: 'deeplabv3-mnv2-257.onnx', spec: DEEPLAB, images: 'coco', variant: (m) => deeplabAt(m, 512, 896) },
  { id: 'mlsd-tiny-512', file: 'mlsd-tiny-512.onnx', spec: 'raw', images: 'coco' },
  { id: 'tbefn-240x320', file: 'tbefn-240x320.onnx', spec: `{"color":"rgb","scale":${S255},"mean":[0,0,0],"std":[1,1,1],"resize":"stretch","layout":"nchw"}`, images: 'coco' },
  { id: 'fns-candy', file: 'fns-candy.onnx', spec: '{"color":"rgb","scale":1,"mean":[0,0,0],"std":[1,1,1],"resize":"stretch","layout":"nchw"}', images: 'coco' },
];

/** The prepared model and `n` preprocessed images (feeds, constants included). */
export async function loadCase(c: CalibrationCase, n: number): Promise<{ model: Model; feeds: Feeds[] }> {
  let raw = decodeModel(new Uint8Array(await readFile(join(ASSETS, 'models', c.file))), { source: c.file });
  if (c.variant) raw = c.variant(raw);
  const model = prepareModel(raw, { source: c.file }).model;
  const plan = feedPlanOf(model, c.file, c.size ?? {});
  const spec = resolveSpec(isPreset(c.spec) ? (c.spec as PresetName) : parseSpecJson(c.spec, 'spec'), { channels: plan.image.channels, layout: plan.image.layout });
  const feeds: Feeds[] = [];
  if (c.images === 'mnist') {
    const set = await readMnist(join(ASSETS, 'images/mnist'), { limit: n });
    for (const digit of set.images) {
      const rgba = new Uint8Array(digit.length * 4);
      for (let i = 0; i < digit.length; i++) {
        rgba[4 * i] = rgba[4 * i + 1] = rgba[4 * i + 2] = digit[i];
        rgba[4 * i + 3] = 255;
      }
      const t = imageToTensor({ width: set.width, height: set.height, data: rgba }, spec, plan.image);
      feeds.push({ [plan.image.name]: { type: 'float32', dims: t.dims, data: t.data } });
    }
  } else {
    const files = await listImages(join(ASSETS, 'images', c.images === 'coco' ? 'coco-train/images' : 'imagenet-calib'), { limit: n });
    const source = imageFolderSource(files, spec, plan);
    for (let i = 0; i < files.length; i++) feeds.push(await source.feeds(i));
  }
  return { model, feeds };
}
