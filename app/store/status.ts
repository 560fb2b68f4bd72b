/**
 * Where each pipeline step stands, derived from the store (no state of its own): what the step
 * header badge and the step navigation show.
 */
import type { Store } from './index';

export type StepId = 'model' | 'data' | 'calibrate' | 'ranges' | 'quantize' | 'compare';

export type StepState = 'done' | 'ready' | 'needs-input' | 'working' | 'waiting' | 'problem';

export interface StepStatus {
  readonly state: StepState;
  /** A few words for the badge. */
  readonly text: string;
}

export const STEPS: ReadonlyArray<{ readonly id: StepId; readonly n: number; readonly title: string }> = [
  { id: 'model', n: 1, title: 'Model' },
  { id: 'data', n: 2, title: 'Data' },
  { id: 'calibrate', n: 3, title: 'Calibrate' },
  { id: 'ranges', n: 4, title: 'Ranges' },
  { id: 'quantize', n: 5, title: 'Quantize' },
  { id: 'compare', n: 6, title: 'Compare' },
];

const s = (state: StepState, text: string): StepStatus => ({ state, text });

export function stepStatus(store: Store, id: StepId): StepStatus {
  const info = store.model.info;
  switch (id) {
    case 'model':
      if (store.model.status === 'working') return s('working', 'Reading…');
      if (store.model.error) return s('problem', 'Needs a fix');
      if (!info) return s('needs-input', 'Needs a model');
      if (!info.prepared || !info.geometry) return s('problem', info.alreadyQuantized ? 'Already INT8' : 'Cannot quantize');
      return s('done', 'Done');
    case 'data':
      if (store.data.reading) return s('working', 'Reading…');
      if (store.data.specError) return s('problem', 'Needs a fix');
      if (store.data.calibration.items.length === 0) return s('needs-input', 'Needs images');
      if (!info) return s('waiting', 'Waiting for a model');
      return s('done', 'Done');
    case 'calibrate': {
      const c = store.calibration;
      if (c.status === 'working') return s('working', 'Running…');
      if (c.status === 'ready') return s('done', 'Done');
      if (!info?.prepared || !info.geometry) return s('waiting', 'Waiting for step 1');
      if (store.data.calibration.items.length === 0 || !store.data.spec) return s('waiting', 'Waiting for step 2');
      if (c.status === 'error') return s('problem', 'Needs a fix');
      return s('ready', c.status === 'cancelled' ? 'Cancelled' : 'Ready to run');
    }
    case 'ranges':
      if (store.calibration.status !== 'ready') return s('waiting', 'Waiting for step 3');
      if (store.ranges.error) return s('problem', 'Needs a fix');
      if (store.ranges.status === 'working') return s('working', 'Computing…');
      return s('done', 'Done');
    case 'quantize': {
      const q = store.quantize;
      if (q.status === 'working') return s('working', 'Building…');
      if (q.outcome) return s('done', 'Done');
      if (store.calibration.status !== 'ready') return s('waiting', 'Waiting for step 3');
      if (q.error) return s('problem', 'Needs a fix');
      return s('ready', 'Ready to build');
    }
    case 'compare': {
      const c = store.comparison;
      if (c.latency.status === 'working' || c.compare.status === 'working') return s('working', 'Running…');
      if (!info?.geometry) return s('waiting', 'Waiting for step 1');
      if (c.compare.error || c.latency.error) return s(c.compare.error?.code === 'cancelled' || c.latency.error?.code === 'cancelled' ? 'ready' : 'problem', c.compare.error?.code === 'cancelled' || c.latency.error?.code === 'cancelled' ? 'Cancelled' : 'Needs a fix');
      if (c.compare.result) return s('done', 'Done');
      if (!store.quantize.outcome) return s(c.latency.rows.length ? 'ready' : 'waiting', 'Waiting for step 5');
      return s('ready', 'Ready to compare');
    }
  }
}
