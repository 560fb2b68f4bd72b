import { useEffect } from 'react';
import { SessionBar } from './components/SessionBar';
import { StepNav } from './components/StepNav';
import { resumeSession } from './store/actions';
import { CalibrateStep } from './features/calibrate/CalibrateStep';
import { CompareStep } from './features/compare/CompareStep';
import { DataStep } from './features/data/DataStep';
import { GraphSection } from './features/graph/GraphSection';
import { ModelStep } from './features/model/ModelStep';
import { QuantizeStep } from './features/quantize/QuantizeStep';
import { RangesStep } from './features/ranges/RangesStep';
import { LearnMode, ModeSwitch, useAppMode } from './learn';

/**
 * One page: the pipeline Model → Data → Calibrate → Ranges → Quantize → Compare, the step bar kept
 * in view, finished steps foldable; the session is kept in the browser and resumed on a reload.
 */
export function App() {
  const mode = useAppMode();
  useEffect(() => {
    void resumeSession();
  }, []);
  return (
    <>
      <header className="app-header">
        <h1>Zeropoint</h1>
        <p>Post-training INT8 quantization of ONNX vision models. Everything runs in this browser tab; nothing is uploaded.</p>
        <ModeSwitch />
        <SessionBar />
      </header>
      {mode === 'learn' ? (
        <LearnMode />
      ) : (
        <>
          <StepNav />
          <main>
            <ModelStep />
            <GraphSection />
            <DataStep />
            <CalibrateStep />
            <RangesStep />
            <QuantizeStep />
            <CompareStep />
          </main>
        </>
      )}
    </>
  );
}
