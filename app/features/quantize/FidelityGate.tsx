/**
 * The fidelity gate's verdict under the built INT8 model: a pass line, or a loud warning naming the
 * outputs and slices that disagree with FP32 and leading to the Compare step's per-layer view.
 */
import type { FidelityFailure, FidelitySummary } from '../../../workers/contracts';
import { useStore } from '../../store';
import { FORMAT_LABELS } from '../../../workers/core/export/formats';
import { runComparison, runFidelity } from '../../store/actions';
import { Alert } from '../../components/Alert';

const fixed = (x: number, digits: number) => (Number.isFinite(x) ? x.toFixed(digits) : Number.isNaN(x) ? 'NaN' : x > 0 ? 'inf' : '-inf');

function failureText(f: FidelityFailure, r: FidelitySummary): string {
  const where = f.slice === null ? `output '${f.output}'` : `output '${f.output}' ${f.what} (of ${f.of})`;
  const more = f.slice !== null && (f.below ?? 0) > 1 ? `; ${f.below} ${f.slice.kind}s below` : '';
  return `${where}: cosine ${fixed(f.cosine, f.slice === null ? 4 : 3)} below ${f.slice === null ? r.threshold : r.sliceThreshold}${more}`;
}

function imagesText(r: FidelitySummary, heldOut: boolean): string {
  const n = r.images;
  return heldOut ? `${n} held-out image${n === 1 ? '' : 's'}` : `the last ${n} calibration image${n === 1 ? '' : 's'} (no evaluation images were given, so calibration saw them)`;
}

/** True when the gate ran on the shown outcome and failed it: the download then says "anyway". */
export function useFidelityFailed(): boolean {
  return useStore((s) => s.quantize.outcome !== null && s.quantize.fidelity.outcome === s.quantize.outcome && s.quantize.fidelity.result?.verdict.pass === false);
}

function openPerLayerView(): void {
  document.querySelector('[data-testid="step-compare"]')?.scrollIntoView({ behavior: 'smooth', block: 'start' });
  void runComparison();
}

export function FidelityGate() {
  const outcome = useStore((s) => s.quantize.outcome);
  const fidelity = useStore((s) => s.quantize.fidelity);
  if (!outcome || fidelity.outcome !== outcome) return null;
  const label = FORMAT_LABELS[outcome.format];
  if (fidelity.status === 'working') {
    const p = fidelity.progress;
    return (
      <p role="status" className="muted" data-testid="fidelity-working">
        Checking fidelity: FP32 against {label} on {fidelity.heldOut ? 'held-out' : 'the last calibration'} images…{p ? ` ${p.done}/${p.total}` : ''}
      </p>
    );
  }
  if (fidelity.status === 'error' && fidelity.error) {
    return (
      <div data-testid="fidelity-error">
        <Alert problem={{ ...fidelity.error, message: `The fidelity check could not run: ${fidelity.error.message}` }} tone="warning" />
        <button type="button" onClick={() => void runFidelity()}>
          Check fidelity again
        </button>
      </div>
    );
  }
  const r = fidelity.result;
  if (!r) return null;
  if (r.verdict.pass) {
    const lowest = r.outputs.filter((o) => !o.skipped).reduce<(typeof r.outputs)[number] | null>((w, o) => (w === null || o.cosine < w.cosine ? o : w), null);
    return (
      <p role="status" className="fidelity-pass" data-testid="fidelity-pass">
        ✓ Fidelity check passed: FP32 and {label} agree on {imagesText(r, fidelity.heldOut)}
        {lowest ? ` (lowest output cosine ${fixed(lowest.cosine, 4)}, '${lowest.name}'` : ' ('}
        {lowest?.slices?.worst ? `; worst ${lowest.slices.kind} ${fixed(lowest.slices.worst.cosine, 3)}` : ''}; threshold {r.threshold}).
      </p>
    );
  }
  return (
    <div role="alert" className="alert fidelity-warning" data-testid="fidelity-warning">
      <strong>The {label} model is NOT faithful to FP32.</strong>
      <span className="alert-message">
        On {imagesText(r, fidelity.heldOut)}, {r.verdict.failing.length === 1 ? 'this disagrees' : 'these disagree'} with the FP32 model:
      </span>
      <ul className="notes" data-testid="fidelity-failing">
        {r.verdict.failing.map((f) => (
          <li key={`${f.output}/${f.what}`}>{failureText(f, r)}</li>
        ))}
      </ul>
      <span className="alert-message">Find the layers that lose it in the per-layer view, then keep them in FP32 (the node list below) and build again.</span>
      <button type="button" onClick={openPerLayerView} data-testid="fidelity-per-layer">
        Open the per-layer view (Compare)
      </button>
    </div>
  );
}
