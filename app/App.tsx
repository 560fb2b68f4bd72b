import { CalibrateStep } from './features/calibrate/CalibrateStep';
import { CompareStep } from './features/compare/CompareStep';
import { DataStep } from './features/data/DataStep';
import { ModelStep } from './features/model/ModelStep';
import { QuantizeStep } from './features/quantize/QuantizeStep';
import { RangesStep } from './features/ranges/RangesStep';

/** One page: the pipeline Model → Data → Calibrate → Ranges → Quantize → Compare, every step visible. */
export function App() {
  return (
    <>
      <header className="app-header">
        <h1>Zeropoint</h1>
        <p>Post-training INT8 quantization of ONNX vision models. Everything runs in this browser tab; nothing is uploaded.</p>
      </header>
      <nav aria-label="Steps" className="step-nav">
        <ol>
          {['Model', 'Data', 'Calibrate', 'Ranges', 'Quantize', 'Compare'].map((s) => (
            <li key={s}>
              <a href={`#step-${s.toLowerCase()}-title`}>{s}</a>
            </li>
          ))}
        </ol>
      </nav>
      <main>
        <ModelStep />
        <DataStep />
        <CalibrateStep />
        <RangesStep />
        <QuantizeStep />
        <CompareStep />
      </main>
    </>
  );
}
