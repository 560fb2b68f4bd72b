import { memo } from 'react';
import { ChartFrame } from '../../components/ChartFrame';
import { Deferred } from '../../components/Deferred';
import { LatencyChart, type LatencySeries } from '../../components/charts/LatencyChart';
import { compareLatency, latencySpread } from '../../../workers/core/metrics/latency';
import { formatMs } from '../../lib/format';
import { useStore, type LatencyRow, type ModelRole } from '../../store';
import { FORMAT_LABELS } from '../../../workers/core/export/formats';

const ROLE: Record<ModelRole, string> = { fp32: 'FP32', int8: 'INT8', model: 'Model' };

/** Role names with the built model's format ('FP16' for an FP16 model's rows). */
function useRoles(): Record<ModelRole, string> {
  const format = useStore((s) => s.quantize.outcome?.format ?? 'int8');
  return { ...ROLE, int8: FORMAT_LABELS[format] };
}

/** The verdict of a quantized row against FP32 on the same provider (core/metrics/latency.ts): a ratio only when the intervals do not overlap. */
function verdictOf(row: LatencyRow, rows: readonly LatencyRow[]) {
  if (row.role !== 'int8') return null;
  const fp32 = rows.find((r) => r.provider === row.provider && r.role === 'fp32');
  return fp32 && fp32.samplesMs.length && row.samplesMs.length ? compareLatency(fp32.samplesMs, row.samplesMs) : null;
}

function SpeedupCell(props: { row: LatencyRow; rows: readonly LatencyRow[] }) {
  const { row } = props;
  if (row.role !== 'int8') return <td className="num muted">{row.role === 'fp32' ? 'reference' : '—'}</td>;
  const v = verdictOf(row, props.rows);
  if (!v) return <td className="num">—</td>;
  const x = 1 / v.ratio;
  return (
    <td className={`num ${v.verdict === 'too-noisy' ? 'muted' : v.verdict === 'faster' ? 'good' : 'warn'}`} data-testid="latency-speedup" data-verdict={v.verdict} title={v.text}>
      {v.verdict === 'too-noisy' ? 'too noisy to tell' : `${(x >= 1 ? x : 1 / x).toFixed(2)}× ${v.verdict}`}
    </td>
  );
}

/** More threads slower than one: say why, so the figure is not read as the model's. */
function ThreadsNote(props: { rows: readonly LatencyRow[]; label: (id: string) => string }) {
  const one = props.rows.find((r) => r.provider === 'wasm-1' && r.role !== 'int8');
  const many = props.rows.find((r) => r.provider === 'wasm-n' && r.role === one?.role);
  if (!one || !many || !(many.medianMs > one.medianMs * 1.1)) return null;
  return (
    <p className="notice" data-testid="latency-threads-note">
      {props.label('wasm-n')} took {formatMs(many.medianMs)} against {formatMs(one.medianMs)} on one thread: more threads were slower here. The machine's cores are busy (or fewer than
      the threads), or the model is too small to split; judge threads on an idle machine.
    </p>
  );
}

/** The INT8 model's nodes that onnxruntime placed on the CPU instead of WebGPU, and why. */
function Placement(props: { row: LatencyRow }) {
  const { row } = props;
  const ROLE = useRoles();
  const p = row.placement;
  if (!p) return null;
  const byOp = new Map<string, number>();
  for (const n of p.cpuNodes) byOp.set(n.opType, (byOp.get(n.opType) ?? 0) + 1);
  return (
    <div className="placement" data-testid={`placement-${row.role}`}>
      {!p.captured ? (
        <p className="muted">{ROLE[row.role]}: onnxruntime's node placement could not be read.</p>
      ) : p.cpuNodes.length === 0 ? (
        <p>
          {ROLE[row.role]}: all {p.gpuNodes} nodes run on WebGPU.
        </p>
      ) : (
        <details>
          <summary>
            {ROLE[row.role]}: {p.cpuNodes.length} node(s) fall back to the CPU ({p.gpuNodes} on WebGPU)
          </summary>
          <p className="op-counts">
            {[...byOp].map(([op, n]) => (
              <span key={op} className="chip">
                {op} ×{n}
              </span>
            ))}
          </p>
          <ul className="notes node-list">
            {p.cpuNodes.map((n) => (
              <li key={n.name}>
                {n.opType} <code>{n.name}</code>
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

/** Latency of each model on each provider: the distribution of the timed runs, the table and the speed-up. */
export const LatencyTable = memo(function LatencyTable() {
  const rows = useStore((s) => s.comparison.latency.rows);
  const providers = useStore((s) => s.comparison.providers);
  const format = useStore((s) => s.quantize.outcome?.format ?? 'int8');
  const ROLE = useRoles();
  const software = (id: string) => /software rendering/.test(providers.find((p) => p.config.id === id)?.availability?.detail ?? '');
  if (rows.length === 0) return null;
  const label = (id: string) => providers.find((p) => p.config.id === id)?.config.label ?? id;
  const placements = rows.filter((r) => r.placement);
  const int8OnGpu = format === 'int8' && rows.some((r) => r.provider === 'webgpu' && r.role === 'int8');
  const widenedOnGpu = rows.some((r) => r.provider === 'webgpu' && r.widened);
  const series: LatencySeries[] = rows.map((r) => ({ label: `${ROLE[r.role]} · ${label(r.provider)}`, role: r.role, samplesMs: r.samplesMs }));
  return (
    <section className="subsection" data-testid="latency" aria-labelledby="latency-title">
      <h3 id="latency-title">Latency</h3>
      <div className="split latency">
        <ChartFrame
          title="Timed runs per provider and model"
          summary={rows.map((r) => `${ROLE[r.role]} on ${label(r.provider)}: median ${formatMs(r.medianMs)}, p90 ${formatMs(r.p90Ms)}`).join('; ')}
          testId="latency-chart"
        >
          <Deferred stage={1} height={Math.max(150, 60 + 52 * series.length) + 40}>
            <LatencyChart series={series} />
          </Deferred>
        </ChartFrame>
        <div>
          <table className="compact" data-testid="latency-table">
            <caption>One image, batch 1; medians and p90 over the timed runs, the two models' runs alternating; spread = p90 / median</caption>
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col">Provider</th>
                <th scope="col" className="num">
                  Median
                </th>
                <th scope="col" className="num">
                  p90
                </th>
                <th scope="col" className="num" title="p90 / median: 1 is steady, 2 or more a noisy machine">
                  Spread
                </th>
                <th scope="col" className="num">
                  Min
                </th>
                <th scope="col" className="num">
                  Runs
                </th>
                <th scope="col" className="num">
                  Session
                </th>
                <th scope="col" className="num">
                  {ROLE.int8} vs FP32
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={`${r.provider}-${r.role}`} data-testid={`latency-${r.provider}-${r.role}`}>
                  <th scope="row" title={r.modelName}>
                    <span className={`role role-${r.role}`}>{ROLE[r.role]}</span> <span className="muted model-file">{r.modelName}</span>
                  </th>
                  <td>
                    {label(r.provider)}
                    {software(r.provider) ? (
                      <span className="chip warn" data-testid="latency-software" title="A software WebGPU adapter (SwiftShader): its latency checks that the model runs, it says nothing about a GPU's speed">
                        software adapter: a correctness check, not a speed claim
                      </span>
                    ) : null}
                    {r.widened ? (
                      <span className="chip" data-testid="latency-widened" title="This adapter has no shader-f16: the float16 model ran with its weights widened to float32">
                        widened to float32
                      </span>
                    ) : null}
                  </td>
                  <td className="num strong" data-testid="latency-median">
                    {formatMs(r.medianMs)}
                  </td>
                  <td className="num">{formatMs(r.p90Ms)}</td>
                  <td className={`num ${latencySpread(r.samplesMs).p90OverMedian >= 2 ? 'warn' : ''}`} data-testid="latency-spread">
                    {latencySpread(r.samplesMs).p90OverMedian.toFixed(2)}
                  </td>
                  <td className="num">{formatMs(r.minMs)}</td>
                  <td className="num">{r.samplesMs.length}</td>
                  <td className="num">{formatMs(r.sessionMs)}</td>
                  <SpeedupCell row={r} rows={rows} />
                </tr>
              ))}
            </tbody>
          </table>
          {rows
            .map((r) => ({ r, v: verdictOf(r, rows) }))
            .filter((x) => x.v)
            .map(({ r, v }) => (
              <p key={`verdict-${r.provider}`} className={v!.verdict === 'too-noisy' ? 'notice' : ''} data-testid={`latency-verdict-${r.provider}`} data-verdict={v!.verdict}>
                <strong>{label(r.provider)}:</strong> {v!.text}
              </p>
            ))}
          <ThreadsNote rows={rows} label={label} />
          {placements.map((r) => (
            <Placement key={`${r.provider}-${r.role}`} row={r} />
          ))}
          {widenedOnGpu ? (
            <div className="notice explain" data-testid="webgpu-fp16-note">
              <strong>FP16 on this WebGPU adapter ran widened to float32.</strong> The adapter has no <code>shader-f16</code> feature, and onnxruntime-web's WebGPU provider needs it for
              any float16 tensor, so the {ROLE.int8} model ran with its float16 weights widened exactly to float32: the graph and its float16 weights run on WebGPU, with float32
              arithmetic. On a GPU with shader-f16 it runs as written, in float16.
            </div>
          ) : null}
          {int8OnGpu ? (
            <div className="notice explain" data-testid="webgpu-int8-explainer">
              <strong>Why INT8 gains little or nothing on WebGPU.</strong> onnxruntime's WebGPU provider has no int8 kernels for QDQ models: QuantizeLinear (and the other integer
              ops) run on the CPU, and each DequantizeLinear turns the int8 tensor back into float32, so the Conv after it is an ordinary float Conv on the GPU. Tensors travel
              between CPU and GPU, so the INT8 model is usually slower there; its gain on WebGPU is the smaller file. For int8 arithmetic, use WASM, where onnxruntime fuses the QDQ
              pattern into QLinearConv.
            </div>
          ) : null}
        </div>
      </div>
    </section>
  );
});
