import { useStore, type ModelRole } from '../../store';
import { formatMs } from '../../lib/format';

const ROLE: Record<ModelRole, string> = { fp32: 'FP32', int8: 'INT8', model: 'Model' };

export function LatencyTable() {
  const rows = useStore((s) => s.comparison.latency.rows);
  const providers = useStore((s) => s.comparison.providers);
  if (rows.length === 0) return null;
  const label = (id: string) => providers.find((p) => p.config.id === id)?.config.label ?? id;
  const fallbacks = rows.filter((r) => r.placement);
  return (
    <div data-testid="latency">
      <table className="compact" data-testid="latency-table">
        <caption>Latency (one image, batch 1)</caption>
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col">Provider</th>
            <th scope="col">Median</th>
            <th scope="col">p90</th>
            <th scope="col">Mean</th>
            <th scope="col">Min</th>
            <th scope="col">Runs</th>
            <th scope="col">Session</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={`${r.provider}-${r.role}`} data-testid={`latency-${r.provider}-${r.role}`}>
              <th scope="row">
                {ROLE[r.role]} <span className="muted">{r.modelName}</span>
              </th>
              <td>{label(r.provider)}</td>
              <td className="num" data-testid="latency-median">
                {formatMs(r.medianMs)}
              </td>
              <td className="num">{formatMs(r.p90Ms)}</td>
              <td className="num">{formatMs(r.meanMs)}</td>
              <td className="num">{formatMs(r.minMs)}</td>
              <td className="num">{r.samplesMs.length}</td>
              <td className="num">{formatMs(r.sessionMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {fallbacks.map((r) =>
        r.placement ? (
          <div key={`${r.provider}-${r.role}-placement`} data-testid={`placement-${r.role}`}>
            {!r.placement.captured ? (
              <p className="muted">{ROLE[r.role]}: onnxruntime's node placement could not be read.</p>
            ) : r.placement.cpuNodes.length === 0 ? (
              <p>
                {ROLE[r.role]}: all {r.placement.gpuNodes} nodes run on WebGPU.
              </p>
            ) : (
              <details>
                <summary>
                  {ROLE[r.role]}: {r.placement.cpuNodes.length} node(s) fall back to the CPU ({r.placement.gpuNodes} on WebGPU)
                </summary>
                <ul className="notes">
                  {r.placement.cpuNodes.map((n) => (
                    <li key={n.name}>
                      {n.opType} <code>{n.name}</code>
                    </li>
                  ))}
                </ul>
              </details>
            )}
          </div>
        ) : null,
      )}
    </div>
  );
}
