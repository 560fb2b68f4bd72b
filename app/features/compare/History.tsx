import { memo } from 'react';
import { formatDb, formatNumber, formatPercent } from '../../lib/format';
import { useStore, type ComparisonRun } from '../../store';
import { clearHistory, showSideBySide } from '../../store/actions';

const minCosine = (r: ComparisonRun) => Math.min(...r.result.outputs.map((o) => o.cosine));
const time = (at: number) => new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** The few figures a run is judged by, as rows of one table (so two runs read across). */
function figures(r: ComparisonRun): Array<[string, string]> {
  const a = r.result.agreement;
  const d = r.result.detection;
  const worst = r.result.layers.filter((l) => l.quantized).sort((x, y) => x.sqnrDb - y.sqnrDb)[0];
  return [
    ['Model', `${r.model} → ${r.int8Name}`],
    ...Object.entries(r.settings).map(([k, v]): [string, string] => [k, v]),
    ['Images', String(r.result.images)],
    ['Lowest output cosine', formatNumber(minCosine(r), 5)],
    ...r.result.outputs.map((o): [string, string] => [`SQNR ${o.name}`, formatDb(o.sqnrDb)]),
    ...(a ? ([['Top-1 agreement', formatPercent(a.top1Agreement)]] as Array<[string, string]>) : []),
    ...(a && a.labeled ? ([['INT8 top-1 accuracy', formatPercent(a.test.top1)]] as Array<[string, string]>) : []),
    ...(d?.ok ? ([['AP50 FP32 → INT8', `${formatNumber(d.fp32.ap50, 3)} → ${formatNumber(d.int8.ap50, 3)}`]] as Array<[string, string]>) : []),
    ['Worst quantized layer', worst ? `${worst.node || worst.fp32} (${formatDb(worst.sqnrDb)})` : '—'],
  ];
}

/** Two runs side by side: the same rows, the values that differ marked. */
function SideBySide(props: { left: ComparisonRun; right: ComparisonRun }) {
  const a = figures(props.left);
  const b = new Map(figures(props.right));
  const keys = [...new Set([...a.map(([k]) => k), ...b.keys()])];
  const left = new Map(a);
  return (
    <table className="compact side-by-side" data-testid="side-by-side">
      <caption>
        Run {props.left.id} and run {props.right.id} side by side (differences in bold)
      </caption>
      <thead>
        <tr>
          <th scope="col">Figure</th>
          <th scope="col">
            Run {props.left.id} ({time(props.left.at)})
          </th>
          <th scope="col">
            Run {props.right.id} ({time(props.right.at)}, latest)
          </th>
        </tr>
      </thead>
      <tbody>
        {keys.map((k) => {
          const x = left.get(k) ?? '—';
          const y = b.get(k) ?? '—';
          const differ = x !== y;
          return (
            <tr key={k} className={differ ? 'differs' : ''}>
              <th scope="row">{k}</th>
              <td className={differ ? 'strong' : ''}>{x}</td>
              <td className={differ ? 'strong' : ''}>{y}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Every comparison run kept (a change of settings no longer wipes the last one), and two of them side by side. */
export const History = memo(function History() {
  const history = useStore((s) => s.comparison.history);
  const sideBySide = useStore((s) => s.comparison.sideBySide);
  if (history.length === 0) return null;
  const latest = history[history.length - 1];
  const other = history.find((r) => r.id === sideBySide && r.id !== latest.id) ?? null;
  return (
    <section className="subsection" data-testid="comparison-history" aria-labelledby="history-title">
      <h3 id="history-title">Runs ({history.length})</h3>
      <table className="compact">
        <caption>Each comparison with the settings that built its model; pick one to see it beside the latest</caption>
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Time</th>
            <th scope="col">Settings</th>
            <th scope="col" className="num">
              Images
            </th>
            <th scope="col" className="num">
              Lowest cosine
            </th>
            <th scope="col">Beside the latest</th>
          </tr>
        </thead>
        <tbody>
          {[...history].reverse().map((r) => (
            <tr key={r.id} data-testid="history-row" data-run={r.id}>
              <th scope="row">{r.id}</th>
              <td>{time(r.at)}</td>
              <td>
                {r.model}: {Object.values(r.settings).join(', ')}
              </td>
              <td className="num">{r.result.images}</td>
              <td className="num">{formatNumber(minCosine(r), 5)}</td>
              <td>
                {r.id === latest.id ? (
                  <span className="muted">latest</span>
                ) : (
                  <label>
                    <input type="radio" name="side-by-side" checked={other?.id === r.id} onChange={() => showSideBySide(r.id)} data-testid="history-side-by-side" />
                    <span className="sr-only">Show run {r.id} beside the latest</span>
                  </label>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="row">
        {other ? (
          <button type="button" className="link" onClick={() => showSideBySide(null)}>
            Hide the side-by-side view
          </button>
        ) : null}
        <button type="button" className="link" onClick={clearHistory} data-testid="history-clear">
          Forget these runs
        </button>
      </div>
      {other ? <SideBySide left={other} right={latest} /> : null}
    </section>
  );
});
