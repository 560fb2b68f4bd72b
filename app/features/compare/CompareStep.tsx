import { useEffect } from 'react';
import { useStore } from '../../store';
import { cancelComparison, checkProviders, runComparison, runLatency, setLatencyRuns } from '../../store/actions';
import { Alert } from '../../components/Alert';
import { Step } from '../../components/Step';
import { Agreement } from './Agreement';
import { LatencyTable } from './LatencyTable';
import { ProviderList } from './ProviderList';

export function CompareStep() {
  const info = useStore((s) => s.model.info);
  const hasInt8 = useStore((s) => s.quantize.outcome !== null);
  const c = useStore((s) => s.comparison);
  useEffect(() => {
    void checkProviders();
  }, []);
  const busy = c.latency.status === 'working' || c.compare.status === 'working';
  const blocked = !info ? 'Open a model in step 1 first.' : !info.geometry ? 'Compare runs image models; this model has no image input.' : null;
  return (
    <Step id="compare" n={6} title="Compare" blocked={blocked}>
      <ProviderList />
      <fieldset className="row wrap">
        <legend>Latency</legend>
        <label>
          Warm-up runs
          <input type="number" min={0} max={100} value={c.warmup} onChange={(e) => setLatencyRuns({ warmup: Number(e.target.value) })} disabled={busy} />
        </label>
        <label>
          Timed runs
          <input type="number" min={1} max={1000} value={c.runs} onChange={(e) => setLatencyRuns({ runs: Number(e.target.value) })} disabled={busy} data-testid="latency-runs" />
        </label>
      </fieldset>
      <div className="row">
        <button type="button" className="primary" onClick={() => void runLatency()} disabled={busy} data-testid="run-latency">
          Measure latency{hasInt8 ? ' (FP32 and INT8)' : ''}
        </button>
        <button type="button" onClick={() => void runComparison()} disabled={busy || !hasInt8} data-testid="run-compare">
          Compare FP32 and INT8
        </button>
        {busy ? (
          <button type="button" onClick={cancelComparison} data-testid="compare-cancel">
            Cancel
          </button>
        ) : null}
        {!hasInt8 && info?.prepared ? <span className="muted">Build the INT8 model (step 5) to compare it.</span> : null}
      </div>
      {c.latency.progress ? (
        <p role="status">
          {c.latency.progress.role.toUpperCase()}: {c.latency.progress.phase === 'session' ? 'creating the session…' : `${c.latency.progress.phase} ${c.latency.progress.done}/${c.latency.progress.total}`}
        </p>
      ) : null}
      {c.compare.progress ? (
        <div className="progress">
          <progress max={c.compare.progress.total} value={c.compare.progress.done} aria-label="Comparison progress" />
          <p role="status">
            Comparing: {c.compare.progress.done}/{c.compare.progress.total} images
          </p>
        </div>
      ) : c.compare.status === 'working' ? (
        <p role="status">Preparing the comparison…</p>
      ) : null}
      {c.latency.error ? <Alert problem={c.latency.error} testId="latency-error" /> : null}
      {c.compare.error ? <Alert problem={c.compare.error} testId="compare-error" /> : null}
      <LatencyTable />
      <Agreement />
    </Step>
  );
}
