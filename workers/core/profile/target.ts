/**
 * The accuracy side of the latency-aware choice: `--auto`'s targets (analysis/auto.ts AutoTarget:
 * a cosine to FP32, an SQNR, or a task measure such as AP50 within a drop), judged by onnxruntime on
 * held-out images against one FP32 reference run (analysis/fidelity.ts).
 */
import { agreementScore, judgeAgainst, minOutputSqnr, type ReferenceSet } from '../analysis/fidelity';
import type { AutoTarget } from '../analysis/auto';
import type { Model } from '../onnx/types';
import type { Runner, RunBudget } from '../runner';
import type { TargetVerdict } from './latency-aware';

export function targetJudge(ctx: { reference: ReferenceSet; runner: Runner; target: AutoTarget; runBudget?: RunBudget; signal?: AbortSignal }): (model: Model) => Promise<TargetVerdict> {
  const { target } = ctx;
  return async (model) => {
    if (target.kind === 'task') {
      const value = await target.evaluate(model);
      const drop = target.fp32 - value;
      return { met: drop <= target.maxDrop, value, text: `${target.name} ${value.toFixed(4)} (drop ${drop.toFixed(4)})` };
    }
    const fidelity = await judgeAgainst(ctx.reference, model, ctx.runner, { signal: ctx.signal, runBudget: ctx.runBudget });
    if (target.kind === 'sqnr') {
      const db = minOutputSqnr(fidelity);
      return { met: db >= target.db, value: db, text: `output SQNR ${db.toFixed(1)} dB` };
    }
    const score = agreementScore(fidelity);
    return { met: score >= target.cosine, value: score, text: `cosine ${score.toFixed(4)}` };
  };
}
