import { useState } from 'react';
import { useStore } from '../../store';
import { showWeight, toggleKeepNode } from '../../store/actions';
import { FORMAT_LABELS } from '../../../workers/core/export/formats';

/** The nodes in graph order; quantizable ones can be kept in FP32 by clicking. */
export function NodeList() {
  const nodes = useStore((s) => s.model.info?.nodes ?? []);
  const keepNodes = useStore((s) => s.quantize.keepNodes);
  const keepOpTypes = useStore((s) => s.quantize.keepOpTypes);
  const keepFirstAndLast = useStore((s) => s.quantize.keepFirstAndLast);
  const outcome = useStore((s) => s.quantize.outcome);
  const format = useStore((s) => s.quantize.format);
  const decisions = outcome?.report?.nodes ?? outcome?.formatReport?.nodes.map((d) => ({ name: d.name, quantized: d.converted, reason: d.reason }));
  const decisionOf = new Map((decisions ?? []).map((d) => [d.name, d]));
  const [filter, setFilter] = useState('');
  const needle = filter.trim().toLowerCase();
  const shown = needle ? nodes.filter((n) => n.name.toLowerCase().includes(needle) || n.opType.toLowerCase().includes(needle)) : nodes;
  return (
    <div className="panel table-scroll tall" data-testid="node-list">
      <div className="table-controls">
        <label className="check">
          Find a node
          <input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="name or op type" data-testid="node-filter" />
        </label>
        {needle ? <span className="muted">{shown.length} of {nodes.length}</span> : null}
      </div>
      <table className="compact">
        <caption>Nodes in graph order</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Keep FP32</th>
            <th scope="col">Node</th>
            <th scope="col">Op</th>
            <th scope="col">{FORMAT_LABELS[outcome?.format ?? format]}</th>
            <th scope="col">Weights</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((n) => {
            const byRule = keepOpTypes.includes(n.opType) || (keepFirstAndLast && n.firstOrLast);
            const d = decisionOf.get(n.name);
            return (
              <tr key={n.name}>
                <td className="num">{n.order}</td>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Keep ${n.name} in FP32`}
                    disabled={!n.quantizable}
                    checked={keepNodes.includes(n.name) || byRule}
                    onChange={() => toggleKeepNode(n.name)}
                  />
                </td>
                <td>
                  <code>{n.name}</code>
                </td>
                <td>{n.opType}</td>
                <td title={d?.reason}>{d ? (d.quantized ? 'yes' : 'no') : n.quantizable ? '' : 'n/a'}</td>
                <td>
                  {['Conv', 'ConvTranspose', 'Gemm', 'MatMul'].includes(n.opType) ? (
                    <button type="button" className="link" onClick={() => void showWeight(n.name)} aria-label={`show the weights of ${n.name}`}>
                      show
                    </button>
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
