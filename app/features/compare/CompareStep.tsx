import { useEffect } from 'react';
import { useStore } from '../../store';
import { cancelComparison, checkProviders, runComparison, runLatency, setCompareImageCap, setLatencyRuns } from '../../store/actions';
import { Alert } from '../../components/Alert';
import { ProgressBar } from '../../components/ProgressBar';
import { formatSeconds } from '../../lib/format';
import { Step } from '../../components/Step';
import { Agreement } from './Agreement';
import { History } from './History';
import { Detection } from './Detection';
import { LatencyAware } from './LatencyAware';
import { LatencyTable } from './LatencyTable';
import { ProviderList } from './ProviderList';
import { FORMAT_LABELS } from '../../../workers/core/export/formats';

/** Progress of the latency or comparison run (its own component: updates re-render only this). */
/** How many of the comparison images to use: all, or the first N (a quick look before the full run). */
function ImageCap(props: { busy: boolean }) {
  const cap = useStore((s) => s.comparison.imageCap);
  const total = useStore((s) => (s.data.evaluation.items.length > 0 ? s.data.evaluation.items.length : s.data.calibration.items.length));
  const from = useStore((s) => (s.data.evaluation.items.length > 0 ? 'evaluation' : 'calibration'));
  return (
    <label title="Compare on the first N images first; the FP32 outputs are kept, so the full run afterwards only runs FP32 on the images not seen yet">
      Images to compare
      <input
        type="number"
        min={1}
        max={Math.max(1, total)}
        value={cap ?? ''}
        placeholder={`all ${total}`}
        onChange={(e) => setCompareImageCap(e.target.value === '' ? null : Number(e.target.value))}
        disabled={props.busy}
        data-testid="compare-image-cap"
      />
      <span className="muted field-note" data-testid="compare-image-count">
        {cap === null || cap >= total ? `all ${total} ${from} image(s)` : `the first ${cap} of ${total} ${from} image(s)`}
      </span>
    </label>
  );
}

function RunProgress() {
  const latency = useStore((s) => s.comparison.latency.progress);
  const compare = useStore((s) => s.comparison.compare.progress);
  const preparing = useStore((s) => s.comparison.compare.status === 'working' && s.comparison.compare.progress === null);
  return (
    <>
      {latency ? (
        <div className="progress">
          <ProgressBar
            label="Latency progress"
            value={latency.phase === 'session' ? 0 : latency.done}
            max={latency.phase === 'session' ? 1 : latency.total}
            valueText={`${latency.role.toUpperCase()} ${latency.phase} ${latency.done} of ${latency.total}`}
          />
          <p role="status" className="progress-text">
            <strong>{latency.role.toUpperCase()}</strong>
            <span>{latency.phase === 'session' ? 'creating the session…' : `${latency.phase === 'warmup' ? 'warm-up' : 'timed'} run ${latency.done}/${latency.total}`}</span>
          </p>
        </div>
      ) : null}
      {compare ? (
        <div className="progress">
          <ProgressBar label="Comparison progress" value={compare.done} max={compare.total} valueText={`${compare.done} of ${compare.total} images`} />
          <p role="status" className="progress-text" data-testid="compare-progress">
            <strong>
              Comparing: {compare.done}/{compare.total} images
            </strong>
            <span data-testid="compare-time-left">{compare.done === 0 ? 'creating the sessions…' : compare.secondsLeft === null ? 'measuring the pace…' : `about ${formatSeconds(compare.secondsLeft)} left`}</span>
            <span className="muted">{formatSeconds(compare.elapsedMs / 1000)} so far</span>
            {compare.reused > 0 ? <span data-testid="compare-reused">FP32 outputs of {compare.reused} image(s) reused from the last run</span> : null}
          </p>
        </div>
      ) : preparing ? (
        <p role="status" className="muted">
          Preparing the comparison…
        </p>
      ) : null}
    </>
  );
}

export function CompareStep() {
  const info = useStore((s) => s.model.info);
  const hasInt8 = useStore((s) => s.quantize.outcome !== null);
  const built = useStore((s) => FORMAT_LABELS[s.quantize.outcome?.format ?? 'int8']);
  const warmup = useStore((s) => s.comparison.warmup);
  const runs = useStore((s) => s.comparison.runs);
  const busy = useStore((s) => s.comparison.latency.status === 'working' || s.comparison.compare.status === 'working');
  const latencyError = useStore((s) => s.comparison.latency.error);
  const compareError = useStore((s) => s.comparison.compare.error);
  useEffect(() => {
    void checkProviders();
  }, []);
  const blocked = !info ? 'Open a model in step 1 first.' : !info.geometry ? 'Compare runs image models; this model has no image input.' : null;
  return (
    <Step id="compare" n={6} title="Compare" blocked={blocked}>
      <div className="compare-controls">
        <ProviderList />
        <div className="run-box">
          <fieldset className="row wrap inline-fields">
            <legend>Latency runs</legend>
            <label>
              Warm-up runs
              <input type="number" min={0} max={100} value={warmup} onChange={(e) => setLatencyRuns({ warmup: Number(e.target.value) })} disabled={busy} />
            </label>
            <label>
              Timed runs
              <input type="number" min={1} max={1000} value={runs} onChange={(e) => setLatencyRuns({ runs: Number(e.target.value) })} disabled={busy} data-testid="latency-runs" />
            </label>
          </fieldset>
          <fieldset className="row wrap inline-fields">
            <legend>Comparison</legend>
            <ImageCap busy={busy} />
          </fieldset>
          <div className="row wrap">
            <button type="button" className="primary" onClick={() => void runLatency()} disabled={busy} data-testid="run-latency">
              Measure latency{hasInt8 ? ` (FP32 and ${built})` : ''}
            </button>
            <button type="button" onClick={() => void runComparison()} disabled={busy || !hasInt8} data-testid="run-compare">
              Compare FP32 and {built}
            </button>
            {busy ? (
              <button type="button" className="danger" onClick={cancelComparison} data-testid="compare-cancel">
                Cancel
              </button>
            ) : null}
            {!hasInt8 && info?.prepared ? <span className="muted">Build the INT8, FP16 or INT8-weights model (step 5) to compare it.</span> : null}
          </div>
        </div>
      </div>
      <RunProgress />
      {latencyError ? <Alert problem={latencyError} testId="latency-error" /> : null}
      {compareError ? <Alert problem={compareError} testId="compare-error" /> : null}
      <LatencyTable />
      <LatencyAware />
      <Detection />
      <Agreement />
      <History />
    </Step>
  );
}
