import { useStore } from '../../store';
import { buildInt8, download } from '../../store/actions';
import { Alert } from '../../components/Alert';
import { Step } from '../../components/Step';
import { ChartFrame } from '../../components/ChartFrame';
import { SizeChart, type SizeBar } from '../../components/charts/SizeChart';
import { formatBytes, formatPercent } from '../../lib/format';
import { AutoPanel } from './AutoPanel';
import { BiasCorrectionControl, BiasCorrectionResult } from './BiasCorrection';
import { FidelityGate, useFidelityFailed } from './FidelityGate';
import { KeepControls } from './KeepControls';
import { NodeList } from './NodeList';
import { SensitivityPanel } from './SensitivityPanel';
import { WeightPanel } from './WeightPanel';
import { FormatChoice, FormatOutcome } from './Format';
import { FORMAT_LABELS } from '../../../workers/core/export/formats';

function Outcome() {
  const outcome = useStore((s) => s.quantize.outcome);
  const exporting = useStore((s) => s.quantize.exporting);
  const unfaithful = useFidelityFailed();
  if (!outcome) return null;
  const { sizes, report } = outcome;
  if (!report) return <FormatOutcome />;
  const kept = report.nodes.filter((n) => !n.quantized);
  const bars: SizeBar[] = [
    ...(sizes.original !== sizes.prepared ? [{ label: 'Original file', bytes: sizes.original, role: 'model' as const }] : []),
    { label: 'FP32', bytes: sizes.prepared, role: 'fp32' },
    { label: 'INT8', bytes: sizes.int8, role: 'int8', note: `${formatPercent(sizes.int8 / sizes.prepared)} of FP32` },
  ];
  return (
    <div className="panel result" data-testid="quantize-result">
      <h3>INT8 model: {outcome.int8Name}</h3>
      <div className="size-row">
        <ChartFrame title="File size" summary={`FP32 ${formatBytes(sizes.prepared)}, INT8 ${formatBytes(sizes.int8)} (${formatPercent(sizes.int8 / sizes.prepared)} of FP32).`} testId="size-chart">
          <SizeChart bars={bars} />
        </ChartFrame>
        <table className="compact" data-testid="sizes">
          <caption>Sizes</caption>
          <tbody>
            <tr>
              <th scope="row">Original file</th>
              <td className="num">{formatBytes(sizes.original)}</td>
            </tr>
            <tr>
              <th scope="row">FP32 (prepared)</th>
              <td className="num">{formatBytes(sizes.prepared)}</td>
            </tr>
            <tr>
              <th scope="row">INT8</th>
              <td className="num" data-testid="int8-size">
                {formatBytes(sizes.int8)} ({formatPercent(sizes.int8 / sizes.prepared)} of FP32)
              </td>
            </tr>
          </tbody>
        </table>
      </div>
      <p data-testid="quantize-summary">
        {report.quantizedNodes} of {report.nodes.length} nodes quantized; {report.foldedActivations} activation(s) folded; {report.activations.length} activation tensors and {report.weights.length} weights
        quantized ({report.options.method}, activations {report.options.activationType}
        {report.options.activationSymmetric ? ' symmetric' : ''}, weights {report.options.weightType ?? 's8'} {report.options.perChannel ? 'per channel' : 'per tensor'}
        {report.options.biasCorrection ? ', bias correction' : ''}).
      </p>
      <BiasCorrectionResult />
      <FidelityGate />
      <div className="row">
        <button type="button" className={unfaithful ? 'danger' : 'primary'} onClick={() => void download('int8')} disabled={exporting !== null} data-testid="download-int8">
          {unfaithful ? 'Download INT8 .onnx anyway (not faithful)' : 'Download INT8 .onnx'}
        </button>
        <button type="button" onClick={() => void download('report')} disabled={exporting !== null} data-testid="download-report">
          Download report (.json)
        </button>
      </div>
      {kept.length ? (
        <details>
          <summary>{kept.length} node(s) left in FP32</summary>
          <ul className="notes">
            {kept.map((n) => (
              <li key={n.name}>
                <code>{n.name}</code> ({n.opType}): {n.reason}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}

export function QuantizeStep() {
  const calibrated = useStore((s) => s.calibration.status === 'ready');
  const format = useStore((s) => s.quantize.format);
  const needsCalibration = format === 'int8';
  const hasNodes = useStore((s) => (s.model.info?.prepared ? true : false));
  const status = useStore((s) => s.quantize.status);
  const error = useStore((s) => s.quantize.error);
  const blocked = !hasNodes ? 'Open a model that can be quantized in step 1.' : null;
  return (
    <Step id="quantize" n={5} title="Quantize" blocked={blocked}>
      <FormatChoice />
      <KeepControls />
      {needsCalibration ? <BiasCorrectionControl /> : null}
      <div className="row">
        <button type="button" className="primary" onClick={() => void buildInt8()} disabled={(needsCalibration && !calibrated) || status === 'working'} data-testid="build-int8">
          Build the {FORMAT_LABELS[format]} model
        </button>
        {needsCalibration && !calibrated ? <span className="muted">Calibrate first (step 3), or choose FP16 or INT8 weights, which need no calibration.</span> : null}
        {status === 'working' ? (
          <span role="status" className="muted">
            Quantizing…
          </span>
        ) : null}
      </div>
      {error ? <Alert problem={error} testId="quantize-error" /> : null}
      <Outcome />
      <div className="split analysis">
        <AutoPanel />
        <SensitivityPanel />
      </div>
      <div className="split quantize">
        <NodeList />
        <WeightPanel />
      </div>
    </Step>
  );
}
