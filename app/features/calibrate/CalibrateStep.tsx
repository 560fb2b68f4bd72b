import { useStore } from '../../store';
import { cancelCalibration, MAX_RUN_BUDGET_SECONDS, setPoolSize, setRunBudget, startCalibration } from '../../store/actions';
import { maxPoolSize, defaultPoolSize, reportedCores } from '../../workers';
import { Alert } from '../../components/Alert';
import { ProgressBar } from '../../components/ProgressBar';
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

/** Progress of a run: a progressbar (aria-valuenow = images done), the rate, time left, and Cancel. */
function Progress() {
  const progress = useStore((s) => s.calibration.progress);
  const cancel = (
    <button type="button" className="danger" onClick={cancelCalibration} data-testid="calibrate-cancel">
      Cancel calibration
    </button>
  );
  if (!progress) {
    return (
      <div className="progress" data-testid="calibration-progress">
        <div className="progress-row">
          <ProgressBar label="Calibration progress" value={0} max={1} valueText="Starting the calibration workers" />
          {cancel}
        </div>
        <p role="status" className="progress-text">
          Starting the calibration workers…
        </p>
      </div>
    );
  }
  const { done, total, skipped, imagesPerSecond, secondsLeft, workers, elapsedMs } = progress;
  return (
    <div className="progress" data-testid="calibration-progress">
      <div className="progress-row">
        <ProgressBar label="Calibration progress" value={done} max={total} valueText={`${done} of ${total} images`} testId="calibration-progressbar" />
        {cancel}
      </div>
      <p role="status" aria-live="polite" className="progress-text">
        <strong>
          {done}/{total} images
        </strong>
        <span>{imagesPerSecond > 0 ? `${imagesPerSecond.toFixed(1)} images/s` : 'measuring speed…'}</span>
        <span>{secondsLeft === null ? 'time left: estimating' : `${formatSeconds(secondsLeft)} left`}</span>
        <span>{formatSeconds(elapsedMs / 1000)} elapsed</span>
        <span>{workers} worker(s)</span>
        {skipped ? <span className="warn">{skipped} skipped</span> : null}
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
            <input type="number" min={1} max={maxPoolSize()} value={c.poolSize} onChange={(e) => setPoolSize(Number(e.target.value))} disabled={working} data-testid="pool-size" aria-describedby="pool-size-note" />
            <span className="muted field-note" id="pool-size-note" data-testid="pool-size-note">
              {defaultPoolSize()} by default: this browser reports {reportedCores()} core(s), one is left for the page
            </span>
          </label>
          <label title="The most one image may take; a model that runs longer (a Loop without end) is stopped with a message.">
            Run budget (s)
            <input
              type="number"
              min={1}
              max={MAX_RUN_BUDGET_SECONDS}
              step={1}
              value={c.runBudgetSeconds}
              onChange={(e) => setRunBudget(Number(e.target.value))}
              disabled={working}
              data-testid="run-budget"
            />
          </label>
          <div className="row">
            <button type="button" className="primary" onClick={() => void startCalibration()} disabled={!canStart} data-testid="calibrate-start">
              Calibrate
            </button>
          </div>
          {!images ? <p className="muted">Add calibration images in step 2.</p> : null}
        </fieldset>
      </div>
      {working ? <Progress /> : null}
      {c.error ? <Alert problem={c.error} testId="calibration-error" /> : null}
      {c.status === 'ready' && c.result ? (
        <div data-testid="calibration-result">
          <p role="status" className="result-line">
            <span className="ok-mark" aria-hidden="true">
              ✓
            </span>{' '}
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
