import { useStore } from '../../store';
import { openPickedModel, openSample } from '../../store/actions';
import { Alert } from '../../components/Alert';
import { DropZone } from '../../components/DropZone';
import { Step } from '../../components/Step';
import { ModelSummaryView } from './ModelSummary';

export function ModelStep() {
  const model = useStore((s) => s.model);
  const working = model.status === 'working';
  return (
    <Step id="model" n={1} title="Model" summary={model.info ? <span data-testid="model-name">{model.info.name}</span> : null}>
      <DropZone
        label="Drop an ONNX model (.onnx, with its external data files if it has any)"
        testId="model-drop"
        accept=".onnx,.data,.bin,.onnx_data,application/octet-stream"
        disabled={working}
        onFiles={(files) => void files.then(openPickedModel)}
      >
        <button type="button" onClick={() => void openSample()} disabled={working} data-testid="open-sample">
          Open the sample
        </button>
      </DropZone>
      {working ? (
        <p role="status" data-testid="model-loading">
          Reading the model…
        </p>
      ) : null}
      {model.error ? <Alert problem={model.error} testId="model-error" /> : null}
      {model.info ? <ModelSummaryView info={model.info} /> : null}
    </Step>
  );
}
