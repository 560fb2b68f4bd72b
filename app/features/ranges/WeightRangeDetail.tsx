import { useStore } from '../../store';
import { selectRangeWeight } from '../../store/actions';
import { WeightDetailBody } from '../quantize/WeightPanel';

/** The weights view's detail: the selected weight's range per output channel. */
export function WeightRangeDetail() {
  const w = useStore((s) => s.ranges.weight);
  if (!w.node) return <p className="muted placeholder">Click a weight in the table to see its range per output channel against the per-tensor range.</p>;
  return (
    <aside className="panel detail" aria-label={`Weights of ${w.node}`} data-testid="ranges-weight-detail">
      <div className="panel-head">
        <h3>Weights of {w.node}</h3>
        <button type="button" className="link" onClick={() => void selectRangeWeight(null)} aria-label={`Close the weights of ${w.node}`}>
          Close
        </button>
      </div>
      <WeightDetailBody weight={w} chartTestId="ranges-weight-chart" />
    </aside>
  );
}
