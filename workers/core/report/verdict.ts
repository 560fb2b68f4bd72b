/** The fidelity gate's verdict in one sentence, for the HTML report (workbench and CLI alike). */
import type { FidelityResult } from '../analysis/fidelity';

export function fidelityText(r: FidelityResult, images: string): string {
  const judged = r.outputs.filter((o) => !o.skipped);
  const lowest = judged.reduce<(typeof judged)[number] | null>((w, o) => (w === null || o.cosine < w.cosine ? o : w), null);
  const low = lowest ? `lowest output cosine ${lowest.cosine.toFixed(4)} ('${lowest.name}')` : 'no float output to judge';
  if (r.verdict.pass) return `Passed: FP32 and INT8 agree on ${images} (${low}; threshold ${r.threshold}).`;
  const failing = r.verdict.failing.map((f) => `'${f.output}' ${f.what} cosine ${f.cosine.toFixed(4)}`).join('; ');
  return `Failed on ${images}: ${failing} (threshold ${r.threshold}).`;
}
