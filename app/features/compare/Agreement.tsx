import { memo } from 'react';
import { ChartFrame } from '../../components/ChartFrame';
import { Deferred } from '../../components/Deferred';
import { AccuracyChart } from '../../components/charts/AccuracyChart';
import { formatDb, formatNumber, formatPercent } from '../../lib/format';
import { useStore } from '../../store';
import { LayerErrors } from './LayerErrors';

/** FP32 against INT8 on the same images: top-1/top-5 agreement, accuracy, error per output and per layer. */
export const Agreement = memo(function Agreement() {
  const r = useStore((s) => s.comparison.compare.result);
  if (!r) return null;
  const a = r.agreement;
  return (
    <div data-testid="comparison" className="comparison">
      <p role="status" data-testid="comparison-summary" className="result-line">
        Compared on {r.images} image(s) in {(r.elapsedMs / 1000).toFixed(1)} s{r.skippedImages.length ? `; ${r.skippedImages.length} image(s) skipped` : ''}.
        {r.reusedFp32 ? ` FP32 outputs of ${r.reusedFp32} image(s) reused from the last run.` : ''}
        {r.widened ? ' The float16 model ran widened to float32 (this WebGPU adapter has no shader-f16).' : ''}
      </p>
      <section className="subsection" aria-labelledby="agreement-title">
        <h3 id="agreement-title">Output agreement</h3>
        <div className="split agreement">
          <div>
            {a ? (
              <dl className="tiles" data-testid="agreement">
                <div className="tile">
                  <dt>Top-1 agreement</dt>
                  <dd data-testid="top1-agreement">{formatPercent(a.top1Agreement)}</dd>
                  <dd className="tile-note">images where INT8's top class is FP32's</dd>
                </div>
                <div className="tile">
                  <dt>FP32 top-1 in INT8 top-5</dt>
                  <dd data-testid="top5-agreement">{formatPercent(a.top5Agreement)}</dd>
                  <dd className="tile-note">of {a.count} image(s)</dd>
                </div>
                {a.labeled > 0 ? (
                  <div className="tile wide">
                    <dt>Accuracy ({a.labeled} labelled)</dt>
                    <dd data-testid="accuracy" className="small">
                      FP32 top-1 {formatPercent(a.reference.top1)}, top-5 {formatPercent(a.reference.top5)}; INT8 top-1 {formatPercent(a.test.top1)}, top-5 {formatPercent(a.test.top5)}
                    </dd>
                  </div>
                ) : null}
              </dl>
            ) : (
              <p className="muted">The first output does not look like class scores, so there is no top-1 agreement.</p>
            )}
            <table className="compact" data-testid="output-errors">
              <caption>Error per output (FP32 as reference)</caption>
              <thead>
                <tr>
                  <th scope="col">Output</th>
                  <th scope="col" className="num">
                    Cosine
                  </th>
                  <th scope="col" className="num">
                    SQNR
                  </th>
                  <th scope="col" className="num">
                    Max abs
                  </th>
                </tr>
              </thead>
              <tbody>
                {r.outputs.map((o) => (
                  <tr key={o.name}>
                    <th scope="row">{o.name}</th>
                    <td className="num">{formatNumber(o.cosine, 5)}</td>
                    <td className="num">{formatDb(o.sqnrDb)}</td>
                    <td className="num">{formatNumber(o.maxAbs)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {a && a.labeled > 0 ? (
            <ChartFrame
              title={`Accuracy on ${a.labeled} labelled image(s)`}
              summary={`FP32 top-1 ${formatPercent(a.reference.top1)}, INT8 top-1 ${formatPercent(a.test.top1)}; FP32 top-5 ${formatPercent(a.reference.top5)}, INT8 top-5 ${formatPercent(a.test.top5)}.`}
              testId="accuracy-chart"
            >
              <Deferred stage={1} height={210}>
                <AccuracyChart
                  groups={[
                    { label: 'Top-1', fp32: a.reference.top1, int8: a.test.top1 },
                    { label: 'Top-5', fp32: a.reference.top5, int8: a.test.top5 },
                  ]}
                />
              </Deferred>
            </ChartFrame>
          ) : null}
        </div>
      </section>
      <LayerErrors />
    </div>
  );
});
