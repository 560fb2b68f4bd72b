/**
 * Sensitivity: every precision unit quantized alone and kept in FP32 alone, judged against FP32 on a
 * few held-out images by the analysis pool; ranked most damaging first, with what keeping each costs
 * in size, a chart of the worst, and a "Keep FP32" button per row (adds the unit's nodes to the keep
 * list and rebuilds).
 */
import { useMemo } from 'react';
import type { SensitivityResult } from '../../../workers/contracts';
import { Alert } from '../../components/Alert';
import { ChartFrame } from '../../components/ChartFrame';
import { ProgressBar } from '../../components/ProgressBar';
import { SensitivityChart, type SensitivityBar } from '../../components/charts/SensitivityChart';
import { formatBytes, formatDb, formatSeconds } from '../../lib/format';
import { useStore } from '../../store';
import { cancelSensitivity, keepInFp32, runSensitivity, setAnalysisImages } from '../../store/actions';
import type { JudgedImages } from '../../store';

/** Units drawn in the chart (the table has them all). */
const CHART_UNITS = 20;

const cos = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : '—');
/** A size change: keeping a small layer can shrink the file (its Q/DQ nodes and scales go). */
const signedBytes = (d: number) => `${d >= 0 ? '+' : '−'}${formatBytes(Math.abs(d))}`;
const signed = (x: number, digits = 4) => (Number.isFinite(x) ? `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}` : '—');

export function imagesPhrase(images: JudgedImages): string {
  const n = images.names.length;
  return images.heldOut ? `${n} held-out image${n === 1 ? '' : 's'}` : `the last ${n} calibration image${n === 1 ? '' : 's'} (no evaluation images were given, so calibration saw them)`;
}

function Progress() {
  const s = useStore((st) => st.analysis.sensitivity);
  const cancel = (
    <button type="button" className="danger" onClick={cancelSensitivity} data-testid="sensitivity-cancel">
      Cancel
    </button>
  );
  if (s.phase !== 'units' || !s.progress) {
    const r = s.referenceProgress;
    return (
      <div className="progress" data-testid="sensitivity-progress">
        <div className="progress-row">
          <ProgressBar label="Sensitivity progress" value={0} max={1} valueText="Running the FP32 model on the images" />
          {cancel}
        </div>
        <p role="status" className="progress-text">
          Running the FP32 model on the images{r ? ` (${r.done}/${r.total})` : ''}…
        </p>
      </div>
    );
  }
  const { done, total, secondsLeft, elapsedMs, workers, unit } = s.progress;
  return (
    <div className="progress" data-testid="sensitivity-progress">
      <div className="progress-row">
        <ProgressBar label="Sensitivity progress" value={done} max={total} valueText={`${done} of ${total} units`} testId="sensitivity-progressbar" />
        {cancel}
      </div>
      <p role="status" aria-live="polite" className="progress-text">
        <strong>
          {done}/{total} units
        </strong>
        <span>{secondsLeft === null ? 'time left: estimating' : `${formatSeconds(secondsLeft)} left`}</span>
        <span>{formatSeconds(elapsedMs / 1000)} elapsed</span>
        <span>{workers} worker(s)</span>
        {unit ? <span className="muted">last: {unit}</span> : null}
      </p>
    </div>
  );
}

function Result(props: { result: SensitivityResult; images: JudgedImages }) {
  const { result } = props;
  const keepNodes = useStore((s) => s.quantize.keepNodes);
  const building = useStore((s) => s.quantize.status === 'working');
  const kept = useMemo(() => new Set(keepNodes), [keepNodes]);
  const bars = useMemo<SensitivityBar[]>(
    () => result.rows.slice(0, CHART_UNITS).map((r) => ({ unit: r.unit.id, damage: Math.max(0, 1 - r.alone.score), gain: Math.max(0, r.kept.score - result.baseline.score) })),
    [result],
  );
  const worst = result.rows[0];
  const b = result.baseline;
  return (
    <div data-testid="sensitivity-result">
      <p className="result-line" data-testid="sensitivity-summary">
        {result.rows.length} unit(s) measured on {imagesPhrase(props.images)}. Every unit INT8: cosine {cos(b.score)}, SQNR {formatDb(b.sqnrDb)}, {formatBytes(b.bytes)}.
        {worst ? ` Most damaging alone: ${worst.unit.id} (cosine ${cos(worst.alone.score)} with only it INT8).` : ''}
      </p>
      {bars.length ? (
        <ChartFrame
          title={`The ${bars.length} most damaging units`}
          summary={`Ranked most damaging first. ${bars
            .slice(0, 5)
            .map((x) => `${x.unit}: cosine lost ${x.damage.toFixed(4)} quantized alone, regained ${x.gain.toFixed(4)} kept alone`)
            .join('; ')}. Every unit is in the table below.`}
          testId="sensitivity-chart"
        >
          <SensitivityChart bars={bars} />
        </ChartFrame>
      ) : null}
      <div className="table-scroll">
        <table className="compact" data-testid="sensitivity-table">
          <caption>Units, most damaging first</caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Unit</th>
              <th scope="col">Op</th>
              <th scope="col" title="Cosine to FP32 (lowest output or column) and SQNR when only this unit is INT8, the rest FP32">
                Quantized alone
              </th>
              <th scope="col" title="Cosine to FP32 when only this unit is kept in FP32, the rest INT8, and the change from every unit INT8">
                Kept in FP32 alone
              </th>
              <th scope="col" title="How the model's size changes with this unit in FP32 (FP32 weights are 4 bytes a value instead of 1; its Q/DQ nodes and scales go)">
                Size cost
              </th>
              <th scope="col">
                <span className="sr-only">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {result.rows.map((r, i) => {
              const isKept = r.unit.nodes.every((n) => kept.has(n));
              return (
                <tr key={r.unit.id} data-testid="sensitivity-row" data-unit={r.unit.id}>
                  <td className="num">{i + 1}</td>
                  <td title={r.unit.nodes.join(', ')}>
                    <code>{r.unit.id}</code>
                    {r.unit.nodes.length > 1 ? <span className="muted"> +{r.unit.nodes.length - 1}</span> : null}
                  </td>
                  <td>{r.unit.opType}</td>
                  <td className="num">
                    {cos(r.alone.score)} <span className="muted">({formatDb(r.alone.sqnrDb)})</span>
                  </td>
                  <td className="num">
                    {cos(r.kept.score)} <span className="muted">({signed(r.kept.score - b.score)})</span>
                  </td>
                  <td className="num">{signedBytes(r.kept.bytes - b.bytes)}</td>
                  <td>
                    {isKept ? (
                      <span className="muted">in FP32</span>
                    ) : (
                      <button type="button" onClick={() => void keepInFp32(r.unit.nodes)} disabled={building} aria-label={`Keep ${r.unit.id} in FP32`} data-testid="sensitivity-keep">
                        Keep FP32
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}

export function SensitivityPanel() {
  const s = useStore((st) => st.analysis.sensitivity);
  const images = useStore((st) => st.analysis.images);
  const calibrated = useStore((st) => st.calibration.status === 'ready');
  const working = s.status === 'working';
  return (
    <section className="panel" aria-labelledby="sensitivity-title" data-testid="sensitivity-panel">
      <h3 id="sensitivity-title">Sensitivity</h3>
      <p className="muted">
        Each unit (a layer with the Relu or affine it folds and the activation that gates it) quantized alone, the rest FP32, and kept in FP32 alone, the rest INT8; judged against the FP32
        model on held-out images (the evaluation images, else the last calibration ones), with the current options.
      </p>
      <div className="row wrap inline-fields">
        <label>
          Images
          <input type="number" min={1} max={16} value={images} onChange={(e) => setAnalysisImages(Number(e.target.value))} disabled={working} data-testid="analysis-images" />
        </label>
        <button type="button" onClick={() => void runSensitivity()} disabled={!calibrated || working} data-testid="sensitivity-run">
          {s.result ? 'Measure again' : 'Measure sensitivity'}
        </button>
        {!calibrated ? <span className="muted">Calibrate first (step 3).</span> : null}
      </div>
      {working ? <Progress /> : null}
      {s.error ? <Alert problem={s.error} tone={s.status === 'cancelled' ? 'warning' : undefined} testId="sensitivity-error" /> : null}
      {s.result && s.images ? <Result result={s.result} images={s.images} /> : null}
    </section>
  );
}
