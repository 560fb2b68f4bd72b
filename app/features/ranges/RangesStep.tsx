import { Alert } from '../../components/Alert';
import { Step } from '../../components/Step';
import { useStore } from '../../store';
import { setRangesView } from '../../store/actions';
import { MethodOptions } from '../calibrate/MethodOptions';
import { RangeTable } from './RangeTable';
import { TensorDetailPanel } from './TensorDetail';
import { WeightRangeDetail } from './WeightRangeDetail';
import { WeightTable } from './WeightTable';

/** Which tensors the table lists, and a filter on their names. */
function TableControls() {
  const kind = useStore((s) => s.ranges.view.kind);
  const filter = useStore((s) => s.ranges.view.filter);
  const activations = useStore((s) => s.ranges.table?.rows.length ?? 0);
  const weights = useStore((s) => s.ranges.table?.weights.length ?? 0);
  return (
    <div className="table-controls">
      <div className="segmented" role="radiogroup" aria-label="Tensors to list">
        <label className={kind === 'activations' ? 'on' : undefined}>
          <input type="radio" name="ranges-kind" checked={kind === 'activations'} onChange={() => setRangesView({ kind: 'activations' })} data-testid="ranges-kind-activations" />
          Activations <span className="count">{activations}</span>
        </label>
        <label className={kind === 'weights' ? 'on' : undefined}>
          <input type="radio" name="ranges-kind" checked={kind === 'weights'} onChange={() => setRangesView({ kind: 'weights' })} data-testid="ranges-kind-weights" />
          Weights <span className="count">{weights}</span>
        </label>
      </div>
      <label className="filter">
        <span className="sr-only">Filter tensors by name, node or op</span>
        <input type="search" placeholder="Filter by name, node or op" value={filter} onChange={(e) => setRangesView({ filter: e.target.value })} data-testid="ranges-filter" />
      </label>
    </div>
  );
}

export function RangesStep() {
  const ready = useStore((s) => s.calibration.status === 'ready');
  const status = useStore((s) => s.ranges.status);
  const error = useStore((s) => s.ranges.error);
  const rows = useStore((s) => s.ranges.table?.rows.length ?? 0);
  const weights = useStore((s) => s.ranges.table?.weights.length ?? 0);
  const kind = useStore((s) => s.ranges.view.kind);
  const hasTable = useStore((s) => s.ranges.table !== null);
  return (
    <Step
      id="ranges"
      n={4}
      title="Ranges"
      blocked={ready ? null : 'Calibrate in step 3 to see the ranges.'}
      summary={rows ? <span>{rows} quantized tensors, {weights} weights</span> : null}
    >
      <div className="toolbar">
        <MethodOptions compact />
        {hasTable ? <TableControls /> : null}
        {status === 'working' ? (
          <span role="status" className="muted">
            Computing ranges…
          </span>
        ) : null}
      </div>
      {error ? <Alert problem={error} testId="ranges-error" /> : null}
      <div className="split ranges">
        {kind === 'activations' ? <RangeTable /> : <WeightTable />}
        {kind === 'activations' ? <TensorDetailPanel /> : <WeightRangeDetail />}
      </div>
    </Step>
  );
}
