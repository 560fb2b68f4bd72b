import { useStore } from '../../store';
import { cancelCalibration, setPoolSize, startCalibration } from '../../store/actions';
import { maxPoolSize } from '../../workers';
import { Alert } from '../../components/Alert';
import { Step } from '../../components/Step';
import { formatSeconds } from '../../lib/format';
import { MethodOptions } from './MethodOptions';

function blockedReason(s: ReturnType<typeof useStore.getState>): string | null {
  const info = s.model.info;
  if (!info) return 'Open a model in step 1 first.';
  if (!info.prepared) return `This model cannot be calibrated: ${info.cannotQuantize?.message ?? 'it cannot be quantized.'}`;
  if (!info.geometry) return `This model cannot be calibrated on images: ${info.notImage?.message ?? 'it has no image input.'}`;
  return null;
}

function Progress() {
  const progress = useStore((s) => s.calibration.progress);
  if (!progress) return <p role="status">Starting the calibration workers…</p>;
  const { done, total, skipped, imagesPerSecond, secondsLeft, workers } = progress;
  return (
    <div className="progress" data-testid="calibration-progress">
      <progress max={total} value={done} aria-label="Calibration progress" />
      <p role="status" aria-live="polite">
        {done}/{total} images · {imagesPerSecond.toFixed(1)} images/s · {formatSeconds(secondsLeft)} left · {workers} worker(s)
        {skipped ? ` · ${skipped} skipped` : ''}
      </p>
    </div>
  );
}

export function CalibrateStep() {
  const blocked = useStore(blockedReason);
  const c = useStore((s) => s.calibration);
  const images = useStore((s) => s.data.calibration.items.length);
  const specOk = useStore((s) => s.data.spec !== null);
  const working = c.status === 'working';
  const canStart = !working && images > 0 && specOk;
  return (
    <Step id="calibrate" n={3} title="Calibrate" blocked={blocked} summary={c.status === 'ready' && c.result ? <span>{c.result.images} images</span> : null}>
      <div className="row wrap">
        <MethodOptions />
        <fieldset>
          <legend>Run</legend>
          <label>
            Workers
            <input type="number" min={1} max={maxPoolSize()} value={c.poolSize} onChange={(e) => setPoolSize(Number(e.target.value))} disabled={working} data-testid="pool-size" />
          </label>
          <div className="row">
            <button type="button" className="primary" onClick={() => void startCalibration()} disabled={!canStart} data-testid="calibrate-start">
              Calibrate
            </button>
            {working ? (
              <button type="button" onClick={cancelCalibration} data-testid="calibrate-cancel">
                Cancel
              </button>
            ) : null}
          </div>
          {!images ? <p className="muted">Add calibration images in step 2.</p> : null}
        </fieldset>
      </div>
      {working ? <Progress /> : null}
      {c.error ? <Alert problem={c.error} testId="calibration-error" /> : null}
      {c.status === 'ready' && c.result ? (
        <div data-testid="calibration-result">
          <p role="status">
            Calibrated on {c.result.images} image(s) with {c.result.workers} worker(s) in {(c.result.elapsedMs / 1000).toFixed(1)} s; {c.result.tensors} tensors observed. Switch the range
            method freely: it re-reads these statistics, it does not recalibrate.
          </p>
          {c.result.skippedImages.length ? (
            <details open data-testid="skipped-images">
              <summary>{c.result.skippedImages.length} image(s) skipped</summary>
              <ul>
                {c.result.skippedImages.map((s) => (
                  <li key={s.name}>{s.reason}</li>
                ))}
              </ul>
            </details>
          ) : null}
        </div>
      ) : null}
    </Step>
  );
}
