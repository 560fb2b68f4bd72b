import { useStore } from '../../store';
import { dismissDataError } from '../../store/actions';
import { Alert } from '../../components/Alert';
import { Step } from '../../components/Step';
import { ImageSetPanel } from './ImageSetPanel';
import { InputsPanel } from './InputsPanel';
import { PreviewPanel } from './PreviewPanel';
import { SpecForm } from './SpecForm';
import { CarryOverQuestion } from './Suggestion';

export function DataStep() {
  const error = useStore((s) => s.data.error);
  const reading = useStore((s) => s.data.reading);
  const count = useStore((s) => s.data.calibration.items.length);
  return (
    <Step id="data" n={2} title="Data" summary={<span data-testid="data-count">{count} calibration image(s)</span>}>
      <CarryOverQuestion />
      <div className="columns">
        <ImageSetPanel set="calibration" title="Calibration images" hint="Images like those the model will see (a few dozen to a few hundred). Drop files or whole folders." />
        <ImageSetPanel set="evaluation" title="Evaluation images (optional)" hint="Labelled images to compare FP32 and INT8 on; labels from a labels.csv (file,class-index) or class folders; for a detector, YOLO label files (NAME.txt: class cx cy w h per object) dropped with the images or as their own folder." />
      </div>
      {reading ? <p role="status">Reading files…</p> : null}
      {error ? <Alert problem={error} testId="data-error" onDismiss={dismissDataError} /> : null}
      <InputsPanel />
      <div className="columns">
        <SpecForm />
        <PreviewPanel />
      </div>
    </Step>
  );
}
