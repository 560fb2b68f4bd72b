import type { ModelInfo, TensorSummary } from '../../../workers/contracts';
import { Alert } from '../../components/Alert';
import { formatBytes } from '../../lib/format';

function TensorRows(props: { tensors: readonly TensorSummary[] }) {
  return (
    <>
      {props.tensors.map((t) => (
        <tr key={t.name}>
          <td>
            <code>{t.name}</code>
          </td>
          <td>{t.type}</td>
          <td>[{t.shape.join(', ')}]</td>
        </tr>
      ))}
    </>
  );
}

export function ModelSummaryView(props: { info: ModelInfo }) {
  const { info } = props;
  const s = info.summary;
  return (
    <div className="model-summary" data-testid="model-summary">
      <dl className="facts">
        <dt>File</dt>
        <dd>
          {info.name} ({formatBytes(info.fileBytes)})
          {info.externalFiles.length ? ` + external data: ${info.externalFiles.join(', ')}` : ''}
        </dd>
        <dt>Producer</dt>
        <dd>{s.producer || 'unknown'}</dd>
        <dt>IR / opsets</dt>
        <dd>
          IR {s.irVersion}; {s.opsets.map((o) => `${o.domain} ${o.version}`).join(', ')}
        </dd>
        <dt>Parameters</dt>
        <dd data-testid="model-parameters">{s.parameters.toLocaleString('en-US')}</dd>
        <dt>Nodes</dt>
        <dd>{s.nodes}</dd>
        <dt>Quantization</dt>
        <dd data-testid="model-quantization">{s.quantizationDetail}</dd>
        {info.geometry ? (
          <>
            <dt>Image input</dt>
            <dd data-testid="model-geometry">
              {info.geometry.name}: {info.geometry.channels} channel(s), {info.geometry.width}×{info.geometry.height}, {info.geometry.layout.toUpperCase()}
            </dd>
          </>
        ) : null}
      </dl>
      {info.alreadyQuantized ? (
        <p className="notice" role="status" data-testid="already-quantized">
          This model is already quantized ({s.quantizationDetail}). You can inspect it and measure it in Compare; to quantize, open its FP32 original.
        </p>
      ) : info.cannotQuantize ? (
        <Alert problem={info.cannotQuantize} testId="cannot-quantize" tone="warning" />
      ) : null}
      {info.notImage ? <Alert problem={info.notImage} testId="not-image" /> : null}
      {info.prepared?.notes.length ? (
        <ul className="notes" data-testid="prepare-notes">
          {info.prepared.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      ) : null}
      <table className="compact">
        <caption>Inputs and outputs</caption>
        <thead>
          <tr>
            <th scope="col">Tensor</th>
            <th scope="col">Type</th>
            <th scope="col">Shape</th>
          </tr>
        </thead>
        <tbody>
          <TensorRows tensors={s.inputs} />
          <TensorRows tensors={s.outputs} />
        </tbody>
      </table>
      <p className="ops">
        <span className="muted">Ops:</span> {Object.entries(s.ops).map(([op, n]) => `${op} ×${n}`).join(', ')}
      </p>
    </div>
  );
}
