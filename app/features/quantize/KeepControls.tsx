import { useMemo } from 'react';
import { useStore } from '../../store';
import { clearKeeps, clearMethodByTensor, setKeepFirstAndLast, setKeepOpType } from '../../store/actions';

/** Keep-in-FP32 by preset (first and last compute layers) and by op type. */
export function KeepControls() {
  const nodes = useStore((s) => s.model.info?.nodes);
  const firstAndLast = useStore((s) => s.model.info?.firstAndLast ?? []);
  const keepFirstAndLast = useStore((s) => s.quantize.keepFirstAndLast);
  const keepOpTypes = useStore((s) => s.quantize.keepOpTypes);
  const keepNodes = useStore((s) => s.quantize.keepNodes);
  const byTensor = useStore((s) => s.quantize.methodByTensor);
  const ownMethods = Object.entries(byTensor);
  const opTypes = useMemo(() => [...new Set((nodes ?? []).filter((n) => n.quantizable).map((n) => n.opType))].sort(), [nodes]);
  return (
    <fieldset data-testid="keep-controls">
      <legend>Keep in FP32</legend>
      <label className="check">
        <input type="checkbox" checked={keepFirstAndLast} onChange={(e) => setKeepFirstAndLast(e.target.checked)} data-testid="keep-first-last" />
        First and last layers{firstAndLast.length ? ` (${firstAndLast.join(', ')})` : ''}
      </label>
      <div className="row wrap" role="group" aria-label="Keep op types in FP32">
        {opTypes.map((op) => (
          <label key={op} className="check">
            <input type="checkbox" checked={keepOpTypes.includes(op)} onChange={(e) => setKeepOpType(op, e.target.checked)} />
            all {op}
          </label>
        ))}
      </div>
      <p className="muted" data-testid="keep-summary">
        {keepNodes.length} node(s) kept by name; click nodes in the list below, or keep a unit from Sensitivity or a point of Auto.{' '}
        {keepNodes.length || keepOpTypes.length || keepFirstAndLast ? (
          <button type="button" className="link" onClick={clearKeeps}>
            Quantize everything again
          </button>
        ) : null}
      </p>
      {keepNodes.length ? (
        <p className="keep-list" data-testid="keep-list">
          {keepNodes.map((n) => (
            <code key={n} className="chip">
              {n}
            </code>
          ))}
        </p>
      ) : null}
      {ownMethods.length ? (
        <p className="muted" data-testid="method-by-tensor">
          {ownMethods.length} tensor(s) with a range method of their own (from Auto): {ownMethods.map(([t, m]) => `${t} ${m}`).join(', ')}.{' '}
          <button type="button" className="link" onClick={clearMethodByTensor}>
            Use the step&rsquo;s method for every tensor
          </button>
        </p>
      ) : null}
    </fieldset>
  );
}
