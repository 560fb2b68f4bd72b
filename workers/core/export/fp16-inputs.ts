/**
 * What the FP16 plan may know about the image input: its value range (from the preprocessing: the
 * first-layer rule) and its shape (the size it is run at: reductions' sizes when the model's own
 * dims are symbolic). Both come from what the CLI and the workbench already have.
 */
import type { InputGeometry, PreprocessSpec } from '../preprocess/spec';
import type { Fp16PlanOptions } from './fp16-plan';

export function fp16InputHints(geometry: InputGeometry, spec: PreprocessSpec | null): Pick<Fp16PlanOptions, 'inputRanges' | 'inputShapes'> {
  const { name, batch, channels, height, width, layout } = geometry;
  const inputShapes = { [name]: layout === 'nhwc' ? [batch, height, width, channels] : [batch, channels, height, width] };
  if (!spec) return { inputShapes };
  let min = Infinity;
  let max = -Infinity;
  for (let c = 0; c < Math.min(channels, 3) || c < spec.mean.length; c++) {
    const mean = spec.mean[c] ?? spec.mean[0] ?? 0;
    const std = spec.std[c] ?? spec.std[0] ?? 1;
    if (!(std > 0)) continue;
    for (const pixel of [0, 255]) {
      const v = (pixel * spec.scale - mean) / std;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
  }
  if (channels === 4) {
    const fourth = geometry.fourthChannel ?? 1;
    min = Math.min(min, fourth);
    max = Math.max(max, fourth);
  }
  return Number.isFinite(min) && Number.isFinite(max) ? { inputShapes, inputRanges: { [name]: { min, max } } } : { inputShapes };
}
