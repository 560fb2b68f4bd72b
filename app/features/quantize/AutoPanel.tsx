/**
 * Auto: mixed precision to a target (cosine or SQNR) within a budget of FP32 units, on its own worker.
 * What it chose and why (its notes), and its path as two plots (the measure against the units kept in
 * FP32 and against the model's size) whose points apply their plan and rebuild when clicked; the same
 * points as a table (the plots' text alternative); the plan as JSON for `zeropoint quantize --plan`.
 */
import { useMemo } from 'react';
import type { AutoResult } from '../../../workers/contracts';
import { Alert } from '../../components/Alert';
import { ChartFrame } from '../../components/ChartFrame';
import { ProgressBar } from '../../components/ProgressBar';
import { AutoChart, AutoLegend, describePoint } from '../../components/charts/AutoChart';
import { autoPoints, keepAfterPlan, pointPlan, type AutoPoint } from '../../lib/auto-points';
import { formatBytes, formatSeconds } from '../../lib/format';
import { useStore } from '../../store';
import { applyAutoPoint, cancelAuto, downloadPlan, runAuto, setAutoSettings } from '../../store/actions';
import { imagesPhrase } from './SensitivityPanel';

const PHASES = { methods: 'Range methods', sensitivity: 'Sensitivity of each unit', 'per-tensor': 'Methods per tensor', greedy: 'Units kept in FP32' } as const;

function Settings() {
  const settings = useStore((s) => s.analysis.auto.settings);
  const working = useStore((s) => s.analysis.auto.status === 'working');
  const calibrated = useStore((s) => s.calibration.status === 'ready');
  return (
    <div className="row wrap inline-fields" data-testid="auto-settings">
      <label>
        Target
        <select value={settings.target} onChange={(e) => setAutoSettings({ target: e.target.value === 'sqnr' ? 'sqnr' : 'agreement' })} disabled={working} data-testid="auto-target">
          <option value="agreement">cosine to FP32 ≥</option>
          <option value="sqnr">SQNR (dB) ≥</option>
        </select>
      </label>
      {settings.target === 'agreement' ? (
        <label>
          Cosine
          <input type="number" min={0.5} max={1} step={0.001} value={settings.cosine} onChange={(e) => setAutoSettings({ cosine: Number(e.target.value) })} disabled={working} data-testid="auto-cosine" />
        </label>
      ) : (
        <label>
          dB
          <input type="number" min={1} max={150} step={1} value={settings.db} onChange={(e) => setAutoSettings({ db: Number(e.target.value) })} disabled={working} data-testid="auto-db" />
        </label>
      )}
      <label title="The most units the search may keep in FP32 (empty: a quarter of the units, at least 4)">
        Budget (FP32 units)
        <input
          type="number"
          min={0}
          step={1}
          placeholder="auto"
          value={settings.maxFp32 ?? ''}
          onChange={(e) => setAutoSettings({ maxFp32: e.target.value === '' ? null : Number(e.target.value) })}
          disabled={working}
          data-testid="auto-budget"
        />
      </label>
      <label title="How many of the most sensitive units get a range method of their own per tensor">
        Per-tensor choice for
        <input type="number" min={0} max={100} step={1} value={settings.refine} onChange={(e) => setAutoSettings({ refine: Number(e.target.value) })} disabled={working} data-testid="auto-refine" />
      </label>
      <label className="check" title="MinMax, Percentile, MSE and Entropy for every tensor; off: only the method chosen in Calibrate">
        <input type="checkbox" checked={settings.allMethods} onChange={(e) => setAutoSettings({ allMethods: e.target.checked })} disabled={working} data-testid="auto-all-methods" />
        Try every range method
      </label>
      <button type="button" className="primary" onClick={() => void runAuto()} disabled={!calibrated || working} data-testid="auto-run">
        Auto
      </button>
    </div>
  );
}

function Progress() {
  const a = useStore((s) => s.analysis.auto);
  const p = a.progress;
  return (
    <div className="progress" data-testid="auto-progress">
      <div className="progress-row">
        <ProgressBar
          label="Auto progress"
          value={p ? p.done : 0}
          max={p ? p.total : 1}
          valueText={p ? `${PHASES[p.phase]}: ${p.done} of ${p.total}` : 'Running the FP32 model on the images'}
          testId="auto-progressbar"
        />
        <button type="button" className="danger" onClick={cancelAuto} data-testid="auto-cancel">
          Cancel
        </button>
      </div>
      <p role="status" aria-live="polite" className="progress-text">
        {p ? (
          <>
            <strong>
              {PHASES[p.phase]} {p.done}/{p.total}
            </strong>
            <span className="muted">{p.message}</span>
            <span>{formatSeconds(p.elapsedMs / 1000)} elapsed</span>
          </>
        ) : (
          <span>Running the FP32 model on the images{a.referenceProgress ? ` (${a.referenceProgress.done}/${a.referenceProgress.total})` : ''}…</span>
        )}
      </p>
    </div>
  );
}

function Result(props: { result: AutoResult }) {
  const { result } = props;
  const a = useStore((s) => s.analysis.auto);
  const keepNodes = useStore((s) => s.quantize.keepNodes);
  const method = useStore((s) => s.ranges.options.method);
  const building = useStore((s) => s.quantize.status === 'working');
  const points = useMemo(() => autoPoints(result), [result]);
  const unit = a.target?.kind === 'sqnr' ? 'dB' : 'cosine';
  const target = a.target ? (a.target.kind === 'sqnr' ? a.target.db : a.target.cosine) : NaN;
  // The applied point, while the keep list and method are still its plan's.
  const appliedPoint = points.find((p) => p.key === a.applied);
  const inForce = appliedPoint && method === result.plan.method && sameSet(keepNodes, keepAfterPlan(a.baseKeepNodes, pointPlan(result, appliedPoint))) ? appliedPoint.key : null;
  const pick = (key: string) => {
    if (!building) void applyAutoPoint(key);
  };
  const summary = (axis: string) =>
    `${points.length} point(s) against ${axis}. ${points.map((p) => describePoint(p, unit)).join('; ')}. Target ${unit === 'dB' ? `${target} dB` : `cosine ${target}`}.`;
  return (
    <div data-testid="auto-result">
      <p className="result-line" data-testid="auto-verdict">
        {result.met ? '✓ Target met' : 'Target not met'}: {result.target}. Judged on {a.images ? imagesPhrase(a.images) : 'the reference images'}; defaults {fmt(result.baseline.value, unit)} (
        {formatBytes(result.baseline.agreement.bytes)}) → chosen {fmt(result.final.value, unit)} ({formatBytes(result.final.agreement.bytes)}).
      </p>
      <ul className="notes" data-testid="auto-notes">
        {result.notes.map((n) => (
          <li key={n}>{n}</li>
        ))}
      </ul>
      <div className="columns">
        <ChartFrame title={`${unit === 'dB' ? 'SQNR' : 'Agreement'} against units kept in FP32`} summary={summary('the number of units kept in FP32')} testId="auto-plot-units">
          <AutoChart points={points} axis="units" target={target} unit={unit} applied={inForce} onPick={pick} />
        </ChartFrame>
        <ChartFrame title={`${unit === 'dB' ? 'SQNR' : 'Agreement'} against model size`} summary={summary('the model size')} testId="auto-plot-size">
          <AutoChart points={points} axis="size" target={target} unit={unit} applied={inForce} onPick={pick} />
        </ChartFrame>
      </div>
      <AutoLegend />
      <details data-testid="auto-points">
        <summary>The points as a table ({points.length})</summary>
        <PointsTable points={points} unit={unit} applied={inForce} disabled={building} />
      </details>
      <div className="row">
        <button type="button" onClick={() => downloadPlan(inForce ?? undefined)} data-testid="auto-download-plan">
          Download the plan (.json)
        </button>
        <span className="muted">{inForce ? 'the applied point’s plan' : 'the plan the search chose'}; replay it with `zeropoint quantize --plan`.</span>
      </div>
    </div>
  );
}

function PointsTable(props: { points: readonly AutoPoint[]; unit: 'cosine' | 'dB'; applied: string | null; disabled: boolean }) {
  return (
    <table className="compact">
      <thead>
        <tr>
          <th scope="col">FP32 units</th>
          <th scope="col">Size</th>
          <th scope="col">{props.unit === 'dB' ? 'SQNR' : 'Cosine'}</th>
          <th scope="col">Step</th>
          <th scope="col">
            <span className="sr-only">Action</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {props.points.map((p) => (
          <tr key={p.key}>
            <td className="num">{p.fp32Units}</td>
            <td className="num">{formatBytes(p.bytes)}</td>
            <td className="num">{fmt(p.value, props.unit)}</td>
            <td>{p.unit === null ? 'range methods chosen' : `${p.accepted ? 'kept' : 'tried'} ${p.unit}`}</td>
            <td>
              {props.applied === p.key ? (
                <span className="muted">applied</span>
              ) : (
                <button type="button" className="link" onClick={() => void applyAutoPoint(p.key)} disabled={props.disabled} aria-label={`Apply: ${describePoint(p, props.unit)}`}>
                  apply
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const fmt = (v: number, unit: 'cosine' | 'dB') => (Number.isFinite(v) ? (unit === 'dB' ? `${v.toFixed(2)} dB` : v.toFixed(4)) : '—');

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const s = new Set(a);
  return s.size === new Set(b).size && b.every((x) => s.has(x));
}

export function AutoPanel() {
  const a = useStore((s) => s.analysis.auto);
  return (
    <section className="panel" aria-labelledby="auto-title" data-testid="auto-panel">
      <h3 id="auto-title">Auto: mixed precision to a target</h3>
      <p className="muted">
        Picks the range method, a method per tensor for the most sensitive units, then keeps units in FP32 one by one (most sensitive first, each only if it helps) until the target is met or
        the budget is spent. Click a point of the plots to apply its plan and rebuild.
      </p>
      <Settings />
      {a.status === 'working' ? <Progress /> : null}
      {a.error ? <Alert problem={a.error} testId="auto-error" /> : null}
      {a.result ? <Result result={a.result} /> : null}
    </section>
  );
}
