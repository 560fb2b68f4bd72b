/**
 * Sum-preserving float16 rounding of weights (the float16 counterpart of quant/sum-rounding.ts).
 *
 * Rounding each weight to its nearest float16 leaves an error of up to half a float16 step per weight;
 * over a kernel the errors do not cancel, so the layer's response to a locally constant input (its
 * DC gain Σw) moves by Σε. Where a kernel's weights are large and its gain is small (BN-folded
 * depthwise edge filters: M-LSD's second conv has weights up to 56 and gains near 0), that is a large
 * relative error in every smooth region of the image, and it compounds through the decoder (M-LSD's
 * score map: cosine 0.9977 with nearest rounding, 0.9996 with this kernel in FP32).
 *
 * Here, in each group of weights that reads one input channel (the spatial slice of a kernel) or one
 * output's fan-in (1x1 kernels, matrices) — the groups of quant/sum-rounding.ts — the weights whose
 * error points the same way as the group's sum, largest first, move to their other float16 neighbour
 * until the sum of errors stops shrinking. Every weight still rounds to one of its two neighbours.
 */
import { halfToFloat } from '../onnx/tensor';
import type { RoundingGroups } from '../quant/sum-rounding';

/** The float16 bits next to `bits` on the side of `direction` (+1 up, -1 down in value); undefined past the range. */
function neighbour(bits: number, direction: number): number | undefined {
  const negative = (bits & 0x8000) !== 0;
  const mag = bits & 0x7fff;
  if (mag === 0) return direction > 0 ? 0x0001 : 0x8001;
  const away = negative ? direction < 0 : direction > 0;
  const next = away ? mag + 1 : mag - 1;
  if (next >= 0x7c00) return undefined;
  return next === 0 ? 0 : (negative ? 0x8000 : 0) | next;
}

/** Moves float16 codes `half` (rounded to nearest from `values`) in place; returns how many moved. */
export function preserveFloat16Sums(values: Float32Array, half: Uint16Array, groups: RoundingGroups): number {
  let moved = 0;
  const err = new Float64Array(groups.size);
  const alt = new Float64Array(groups.size);
  const altBits = new Int32Array(groups.size);
  for (let g = 0; g < groups.count; g++) {
    const s0 = groups.start(g);
    let sum = 0;
    for (let j = 0; j < groups.size; j++) {
      const i = s0 + j * groups.stride;
      const h = halfToFloat(half[i]);
      err[j] = h - values[i];
      sum += err[j];
      const b = err[j] === 0 ? undefined : neighbour(half[i], err[j] > 0 ? -1 : 1);
      altBits[j] = b ?? -1;
      alt[j] = b === undefined ? NaN : halfToFloat(b) - values[i];
    }
    if (sum === 0) continue;
    const order = Array.from({ length: groups.size }, (_, j) => j)
      .filter((j) => altBits[j] >= 0 && Math.sign(err[j]) === Math.sign(sum))
      .sort((a, b) => Math.abs(alt[a]) - Math.abs(err[a]) - (Math.abs(alt[b]) - Math.abs(err[b])));
    for (const j of order) {
      const next = sum - err[j] + alt[j];
      if (Math.abs(next) >= Math.abs(sum)) continue;
      half[s0 + j * groups.stride] = altBits[j];
      sum = next;
      moved++;
    }
  }
  return moved;
}
