/**
 * Compare step: the per-node profile of FP32 beside INT8 on the selected provider (by op kind, and the
 * slowest nodes with how INT8 ran them: fused int8 kernel or DQ -> float op -> Q), the latency-aware
 * choice in words, and the variants side by side with their downloads.
 */
import { Bar, BarChart, Legend, Tooltip, XAxis, YAxis } from 'recharts';
import { useStore } from '../../store';
import { cancelLatencyAware, downloadVariant, runLatencyAware, setTargetCosine, showLatencyAware } from '../../store/actions';
import { Alert } from '../../components/Alert';
import { ChartFrame } from '../../components/ChartFrame';
import { COLORS } from '../../components/charts/theme';
import { KIND_LABELS } from '../../../workers/core/profile/kind-labels';
import type { LatencyAwareSummary, ProviderId, VariantId } from '../../../workers/contracts';
import { VARIANT_LABELS } from '../../../workers/core/profile/variant-labels';

const ms = (x: number) => (x >= 10 ? x.toFixed(1) : x.toFixed(2));

function KindChart({ r }: { r: LatencyAwareSummary }) {
  const kinds = [...new Set([...r.kinds.fp32, ...r.kinds.int8].map((k) => k.kind))];
  const data = kinds
    .map((kind) => ({ kind: KIND_LABELS[kind], fp32: r.kinds.fp32.find((k) => k.kind === kind)?.ms ?? 0, int8: r.kinds.int8.find((k) => k.kind === kind)?.ms ?? 0 }))
    .sort((a, b) => Math.max(b.fp32, b.int8) - Math.max(a.fp32, a.int8));
  return (
    <ChartFrame title={`Where the time goes on ${r.providerLabel} (ms per run, onnxruntime's profile)`} summary={data.map((d) => `${d.kind}: FP32 ${ms(d.fp32)} ms, INT8 ${ms(d.int8)} ms`).join('; ')} testId="profile-kinds-chart">
      <BarChart data={data} layout="vertical" responsive style={{ width: '100%', height: 40 + 34 * data.length }} margin={{ top: 8, right: 16, bottom: 0, left: 8 }} accessibilityLayer>
        <XAxis type="number" stroke={COLORS.axis} />
        <YAxis type="category" dataKey="kind" width={230} stroke={COLORS.axis} />
        <Tooltip formatter={(v) => `${ms(Number(v))} ms`} />
        <Legend />
        <Bar dataKey="fp32" name="FP32" fill={COLORS.fp32} isAnimationActive={false} />
        <Bar dataKey="int8" name="INT8 (every unit)" fill={COLORS.int8} isAnimationActive={false} />
      </BarChart>
    </ChartFrame>
  );
}

function Variants({ r }: { r: LatencyAwareSummary }) {
  return (
    <table className="data-table" data-testid="variants-table">
      <caption>Variants on {r.providerLabel}: latency as a ratio to FP32, timed interleaved in one run</caption>
      <thead>
        <tr>
          <th>variant</th>
          <th className="num">size MB</th>
          <th className="num">latency × FP32</th>
          <th className="num">median ms</th>
          <th>accuracy</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {r.variants.map((v) => (
          <tr key={v.id} data-testid={`variant-${v.id}`}>
            <td>{v.label}</td>
            <td className="num">{(v.bytes / 1e6).toFixed(2)}</td>
            <td className="num">{v.ratio.toFixed(2)}</td>
            <td className="num">{ms(v.medianMs)}</td>
            <td>{v.accuracy ?? ''}</td>
            <td>
              {r.downloads.some((d) => d.id === v.id) ? (
                <button type="button" onClick={() => downloadVariant(r.provider, v.id)} data-testid={`download-${v.id}`}>
                  Download
                </button>
              ) : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Nodes({ r }: { r: LatencyAwareSummary }) {
  const rows = [...r.nodes].sort((a, b) => Math.max(b.fp32Ms, b.int8Ms) - Math.max(a.fp32Ms, a.int8Ms)).slice(0, 20);
  const unfused = r.nodes.filter((n) => n.execution === 'dq-op-q').length;
  const fused = r.nodes.filter((n) => n.execution === 'fused').length;
  return (
    <table className="data-table" data-testid="profile-nodes">
      <caption>
        Slowest nodes, FP32 beside INT8 (ms per run; INT8 counts the node's Q/DQ and transposes): {fused} INT8 nodes ran fused, {unfused} as DQ → float op → Q
      </caption>
      <thead>
        <tr>
          <th>node</th>
          <th>kind</th>
          <th className="num">FP32 ms</th>
          <th className="num">INT8 ms</th>
          <th>INT8 ran as</th>
          <th>latency-aware</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((n) => (
          <tr key={n.node}>
            <td title={n.opType}>{n.node}</td>
            <td>{KIND_LABELS[n.kind]}</td>
            <td className="num">{ms(n.fp32Ms)}</td>
            <td className="num">{ms(n.int8Ms)}</td>
            <td>{n.int8Kernels.join(' + ') || '–'}{n.execution === 'dq-op-q' ? ' (DQ → float op → Q)' : n.execution === 'fused' ? ' (fused)' : ''}</td>
            <td>{n.latencyAwareInt8 ? 'INT8' : 'FP32'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The variants' latency on every provider measured, side by side (ratios to FP32 on each). */
function AcrossProviders({ results }: { results: readonly LatencyAwareSummary[] }) {
  const ids: VariantId[] = ['fp32', 'int8', 'latency-aware', 'fp16', 'int8-weights'];
  return (
    <table className="data-table" data-testid="variants-across">
      <caption>Latency as a ratio to FP32 on each provider measured</caption>
      <thead>
        <tr>
          <th>variant</th>
          {results.map((r) => (
            <th key={r.provider} className="num">
              {r.providerLabel}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {ids.map((id) => (
          <tr key={id}>
            <td>{VARIANT_LABELS[id]}</td>
            {results.map((r) => {
              const v = r.variants.find((x) => x.id === id);
              return (
                <td key={r.provider} className="num">
                  {v ? v.ratio.toFixed(2) : '–'}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function LatencyAware() {
  const state = useStore((s) => s.comparison.latencyAware);
  const provider = useStore((s) => s.comparison.providers.find((p) => p.config.id === s.comparison.selected)?.config.label ?? '');
  const canRun = useStore((s) => s.quantize.outcome?.format === 'int8');
  const busy = state.status === 'working';
  const measured = Object.values(state.results).filter((x): x is LatencyAwareSummary => x !== undefined);
  const r = (state.shown && state.results[state.shown]) || measured[measured.length - 1] || null;
  return (
    <section className="panel" aria-labelledby="latency-aware-title" data-testid="latency-aware">
      <h3 id="latency-aware-title">Per-node profile and latency-aware INT8</h3>
      <p className="muted">
        Profiles FP32 and INT8 node by node on {provider}, then keeps each layer in INT8 only where that makes the model faster there (counting the Q/DQ boundaries it adds), under the accuracy target; a choice is kept only if it is measured faster than FP32, else the
        latency-aware model is the FP32 model.
      </p>
      <div className="row wrap">
        <label>
          Accuracy target: cosine to FP32 ≥{' '}
          <input type="number" min={0.5} max={1} step={0.005} value={state.targetCosine} onChange={(e) => setTargetCosine(Number(e.target.value))} disabled={busy} data-testid="target-cosine" />
        </label>
        <button type="button" className="primary" onClick={() => void runLatencyAware()} disabled={busy || !canRun} data-testid="run-latency-aware">
          Profile and choose per node on {provider}
        </button>
        {busy ? (
          <button type="button" className="danger" onClick={cancelLatencyAware} data-testid="latency-aware-cancel">
            Cancel
          </button>
        ) : null}
        {!canRun ? <span className="muted">Build the INT8 model (step 5) first.</span> : null}
      </div>
      {busy ? (
        <p role="status" className="muted" data-testid="latency-aware-progress">
          {state.progress?.message ?? 'Starting…'}
        </p>
      ) : null}
      {state.error ? <Alert problem={state.error} testId="latency-aware-error" /> : null}
      {measured.length > 1 ? (
        <>
          <AcrossProviders results={measured} />
          <div className="row wrap" role="group" aria-label="Provider shown in detail">
            {measured.map((m) => (
              <button key={m.provider} type="button" aria-pressed={r?.provider === m.provider} onClick={() => showLatencyAware(m.provider as ProviderId)} data-testid={`show-${m.provider}`}>
                {m.providerLabel}
              </button>
            ))}
          </div>
        </>
      ) : null}
      {r ? (
        <>
          <h4>{r.providerLabel}</h4>
          <p className="verdict" data-testid="latency-aware-summary">
            {r.summary}
          </p>
          {r.caveat ? <p className="muted">{r.caveat}</p> : null}
          <ul className="notes" data-testid="latency-aware-notes">
            {r.notes.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
          <Variants r={r} />
          <KindChart r={r} />
          <Nodes r={r} />
          {r.boundaries.length ? (
            <p className="muted" data-testid="profile-boundaries">
              Q/DQ boundaries in the INT8 model: {r.boundaries.slice(0, 8).map((b) => `${b.kind === 'quantize' ? 'Q' : 'DQ'} ${b.tensor} (${ms(b.ms)} ms)`).join(', ')}
              {r.boundaries.length > 8 ? ` and ${r.boundaries.length - 8} more` : ''}. The graph's overlays show each node's share of the time and its INT8/FP32 ratio.
            </p>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
