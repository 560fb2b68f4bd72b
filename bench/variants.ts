/**
 * Bench fixtures made from the shared models: DeepLabV3 MobileNetV2 at 512x896 (issue 9 item 7,
 * "speed on big inputs"). The shared file is fixed at 257x257 only through three constants of its
 * graph; the rest is fully convolutional (output stride 8):
 *   - the input's declared dims [1, 257, 257, 3];
 *   - the image-pooling branch's AveragePool with a 33x33 kernel (the whole 33x33 feature map): a
 *     GlobalAveragePool at any size;
 *   - the two Upsample scales: the pooled 1x1 back to the feature map (33) and the logits to the
 *     input (257/33).
 * At 512x896 the feature map is 64x112, so the scales become [1, 1, 64, 112] and [1, 1, 8, 8].
 */
import { makeTensor } from '../workers/core/onnx/tensor';
import { DataType, type Model } from '../workers/core/onnx/types';

const dim = (v: number) => ({ dimValue: v });

export function deeplabAt(model: Model, height: number, width: number): Model {
  const graph = model.graph!;
  if (height % 8 !== 0 || width % 8 !== 0) throw new Error(`DeepLabV3 at ${height}x${width}: both must be multiples of 8 (output stride 8).`);
  const fh = height / 8;
  const fw = width / 8;
  const pool = graph.node.find((n) => n.opType === 'AveragePool');
  const scales = new Map([
    ['scales__293', [1, 1, fh, fw]],
    ['scales__305', [1, 1, 8, 8]],
  ]);
  if (!pool || graph.input.length !== 1 || ![...scales.keys()].every((k) => graph.initializer.some((t) => t.name === k))) {
    throw new Error('Not the shared deeplabv3-mnv2-257.onnx: its AveragePool or Upsample scales are not where this fixture expects them.');
  }
  const input = graph.input[0];
  const output = graph.output[0];
  return {
    ...model,
    graph: {
      ...graph,
      input: [{ ...input, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [dim(1), dim(height), dim(width), dim(3)] } } } }],
      output: [{ ...output, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [dim(1), dim(height), dim(width), dim(21)] } } } }],
      node: graph.node.map((n) => (n === pool ? { ...n, opType: 'GlobalAveragePool', attribute: [] } : n)),
      initializer: graph.initializer.map((t) => {
        const s = scales.get(t.name ?? '');
        return s ? makeTensor(t.name!, DataType.FLOAT, [4], Float32Array.from(s)) : t;
      }),
    },
  };
}
