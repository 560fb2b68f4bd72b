import { modelBytes } from '../../../workers/core/learn/lessons';
import { useStore } from '../../store';
import { SizeChart } from '../charts/SizeChart';
import { Card, LessonFrame, Num } from '../components';
import { NumberField } from '../fields';
import { count, megabytes, percent } from '../lib/format';
import type { SizeState } from '../meta';
import { useLearn } from '../store';

const patch = (p: Partial<SizeState>) => useLearn.getState().patchLesson(6, p);

const FORMATS = [
  { bits: 32, label: 'FP32' },
  { bits: 16, label: 'FP16' },
  { bits: 8, label: 'INT8' },
  { bits: 4, label: 'INT4' },
] as const;

const PRESETS = [
  { label: '45 M', parameters: 45e6 },
  { label: 'ResNet-50 (25.6 M)', parameters: 25.6e6 },
  { label: 'MobileNetV2 (3.5 M)', parameters: 3.5e6 },
  { label: 'a 7 B language model', parameters: 7e9 },
];

function Measured() {
  const outcome = useStore((s) => s.quantize.outcome);
  const rows = useStore((s) => s.comparison.latency.rows);
  const providers = useStore((s) => s.comparison.providers);
  const byProvider = providers
    .map((p) => ({ label: p.config.label, id: p.config.id, fp32: rows.find((r) => r.provider === p.config.id && r.role === 'fp32'), int8: rows.find((r) => r.provider === p.config.id && r.role === 'int8') }))
    .filter((p) => p.fp32 || p.int8);
  return (
    <Card title="Measured on this model, in this browser" testId="l6-measured">
      {outcome ? (
        <p data-testid="l6-measured-size">
          FP32 model <Num value={outcome.sizes.prepared} format={megabytes} testId="l6-fp32-file" />, INT8 model <Num value={outcome.sizes.int8} format={megabytes} testId="l6-int8-file" /> (
          <Num value={outcome.sizes.int8 / outcome.sizes.prepared} format={(v) => percent(v, 1)} testId="l6-size-ratio" /> of FP32). More than a quarter: biases stay 32-bit, and the scales,
          zero-points and QuantizeLinear/DequantizeLinear nodes take their share.
        </p>
      ) : (
        <p className="muted" data-testid="l6-no-size">
          Build the INT8 model in the <a href="#step-quantize-title">Workbench's Quantize step</a> to see its real size here.
        </p>
      )}
      {byProvider.length ? (
        <table className="learn-table" data-testid="l6-latency">
          <thead>
            <tr>
              <th scope="col">runtime</th>
              <th scope="col">FP32 median</th>
              <th scope="col">INT8 median</th>
              <th scope="col">speed-up</th>
            </tr>
          </thead>
          <tbody>
            {byProvider.map((p) => (
              <tr key={p.id} data-testid={`l6-latency-${p.id}`}>
                <th scope="row">{p.label}</th>
                <td className="num">{p.fp32 ? <Num value={p.fp32.medianMs} format={(v) => `${v.toFixed(2)} ms`} testId={`l6-latency-${p.id}-fp32`} /> : '—'}</td>
                <td className="num">{p.int8 ? <Num value={p.int8.medianMs} format={(v) => `${v.toFixed(2)} ms`} testId={`l6-latency-${p.id}-int8`} /> : '—'}</td>
                <td className="num">{p.fp32 && p.int8 ? <Num value={p.fp32.medianMs / p.int8.medianMs} format={(v) => `${v.toFixed(2)}×`} testId={`l6-speedup-${p.id}`} /> : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted" data-testid="l6-no-latency">
          Measure latency in the <a href="#step-compare-title">Workbench's Compare step</a> to see FP32 against INT8 here. Speed-ups depend on the runtime: INT8 kernels shine on CPUs with dot-product
          instructions; a browser's WASM build gains less, and WebGPU may run INT8 as FP32.
        </p>
      )}
    </Card>
  );
}

/** Lesson 6: parameters × bytes per parameter, and the measured size and latency when the workbench has them. */
export function SizeLesson() {
  const st = useLearn((s) => s.lessons[6]);
  const modelParameters = useStore((s) => s.model.info?.summary.parameters ?? null);
  const modelName = useStore((s) => s.model.info?.name ?? null);
  const sizes = FORMATS.map((f) => ({ ...f, bytes: modelBytes(st.parameters, f.bits) }));
  return (
    <LessonFrame
      id={6}
      lead={
        <p>
          Storage is parameters × bytes per parameter: 4 bytes in FP32, 2 in FP16, 1 in INT8, half a byte in INT4. The memory traffic to read them shrinks the same way, which is often where the
          speed comes from.
        </p>
      }
    >
      <div className="learn-controls">
        <NumberField label="parameters (millions)" value={Number((st.parameters / 1e6).toPrecision(12))} onChange={(m) => patch({ parameters: Math.max(0, m * 1e6) })} testId="l6-parameters" step={0.1} min={0} width="9em" />
        {PRESETS.map((p) => (
          <button key={p.label} type="button" onClick={() => patch({ parameters: p.parameters })}>
            {p.label}
          </button>
        ))}
        {modelParameters ? (
          <button type="button" onClick={() => patch({ parameters: modelParameters })} data-testid="l6-this-model">
            {modelName} ({(modelParameters / 1e6).toFixed(2)} M)
          </button>
        ) : null}
      </div>
      <div className="learn-grid two">
        <Card title={`${count(st.parameters)} parameters`} testId="l6-calculator">
          <table className="learn-table" data-testid="l6-table">
            <thead>
              <tr>
                <th scope="col">format</th>
                <th scope="col">bytes per parameter</th>
                <th scope="col">size</th>
              </tr>
            </thead>
            <tbody>
              {sizes.map((f) => (
                <tr key={f.bits}>
                  <th scope="row">{f.label}</th>
                  <td className="num">{f.bits / 8}</td>
                  <td className="num">
                    <Num value={f.bytes} format={megabytes} testId={`l6-bytes-${f.bits}`} className="big" />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
        <Card title="Size per format">
          <SizeChart bars={sizes.map((f) => ({ format: f.label, bytes: f.bytes }))} label="Model size in FP32, FP16, INT8 and INT4" testId="l6-chart" />
        </Card>
      </div>
      <Measured />
    </LessonFrame>
  );
}
