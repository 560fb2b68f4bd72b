import { useMemo } from 'react';
import { ChartFrame } from '../../components/ChartFrame';
import { BiasShiftChart, type BiasShiftBar } from '../../components/charts/BiasShiftChart';
import { formatNumber } from '../../lib/format';
import { useStore } from '../../store';
import { setBiasCorrection } from '../../store/actions';

/**
 * The bias-correction switch (Learn mode's lesson 7 links here, by the fieldset's id). Calibration
 * in the workbench always collects the per-channel input means it needs.
 */
export function BiasCorrectionControl() {
  const on = useStore((s) => s.quantize.biasCorrection);
  return (
    <fieldset id="bias-correction" data-testid="bias-correction-controls">
      <legend>Corrections</legend>
      <label className="check">
        <input type="checkbox" checked={on} onChange={(e) => setBiasCorrection(e.target.checked)} data-testid="bias-correction" />
        Bias correction
      </label>
      <p className="muted">
        Rounding the weights moves each output channel&rsquo;s mean by ε·E[x] (ε: the weight&rsquo;s rounding error; E[x]: the input&rsquo;s mean per channel, measured during calibration). With
        this on, that shift is subtracted from the layer&rsquo;s bias (Conv, ConvTranspose, Gemm; a bias is added where there was none). Compare then shows each layer&rsquo;s offset: the share
        of its error that is a constant per channel.
      </p>
    </fieldset>
  );
}

/** What bias correction did in the last build: counts, a plot of the shifts, and the layers left alone. */
export function BiasCorrectionResult() {
  const report = useStore((s) => s.quantize.outcome?.report);
  const bars = useMemo<BiasShiftBar[]>(
    () =>
      (report?.biases ?? []).flatMap((b) => {
        if (!b.shift) return [];
        let sq = 0;
        let maxAbs = 0;
        for (const v of b.shift) {
          sq += v * v;
          maxAbs = Math.max(maxAbs, Math.abs(v));
        }
        return [{ node: b.node, rms: Math.sqrt(sq / Math.max(1, b.shift.length)), maxAbs, channels: b.shift.length, added: b.added ?? false }];
      }),
    [report],
  );
  const bc = report?.biasCorrection;
  if (!bc) return null;
  const largest = bars.reduce<BiasShiftBar | null>((a, b) => (a === null || b.rms > a.rms ? b : a), null);
  return (
    <div className="panel" data-testid="bias-correction-result">
      <p data-testid="bias-correction-summary">
        Bias correction: {bc.corrected} bias(es) corrected{bc.added ? `, ${bc.added} of them added to layers that had none` : ''}
        {bc.skipped.length ? `; ${bc.skipped.length} layer(s) left as they were` : ''}.
      </p>
      {bars.length ? (
        <ChartFrame
          title="Mean shift removed from each corrected layer (RMS over its output channels)"
          summary={`${bars.length} layers corrected; the largest shift is in ${largest!.node}: RMS ${formatNumber(largest!.rms)}, up to ${formatNumber(largest!.maxAbs)} in one channel.`}
          testId="bias-shift-chart"
        >
          <BiasShiftChart bars={bars} />
        </ChartFrame>
      ) : null}
      {bc.skipped.length ? (
        <details>
          <summary>{bc.skipped.length} layer(s) not corrected</summary>
          <ul className="notes">
            {bc.skipped.map((s) => (
              <li key={s.node}>
                <code>{s.node}</code>: {s.reason}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}
