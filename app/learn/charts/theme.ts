/**
 * Learn mode's chart colours: Okabe & Ito's palette (readable with every common colour-vision
 * deficiency, and on a projector); lines that must be told apart in grey also differ in dash.
 * Sizes are in em, so presenting mode (a larger root font) scales the charts with the text.
 */
import type { RangeMethod } from '../../../workers/contracts';
import { formatTick, OKABE_ITO } from '../../components/charts/theme';

export const PALETTE = {
  ...OKABE_ITO,
  grey: '#6b7280',
  bars: '#8aa4c2',
  barsStroke: '#5f7f9f',
  wasted: '#f3c7b5',
  axis: '#4b5563',
} as const;

export const METHOD_STYLE: Record<Extract<RangeMethod, 'minmax' | 'percentile' | 'entropy' | 'mse'>, { readonly color: string; readonly dash: string; readonly label: string }> = {
  minmax: { color: PALETTE.orange, dash: '6 3', label: 'MinMax' },
  percentile: { color: PALETTE.green, dash: '2 3', label: 'Percentile' },
  entropy: { color: PALETTE.purple, dash: '8 3 2 3', label: 'Entropy' },
  mse: { color: PALETTE.blue, dash: '4 2', label: 'MSE' },
};

/** Axis ticks inherit the font size of the chart's container (em-based). */
export const TICK = { fill: PALETTE.axis, fontSize: '0.8em' } as const;

/** Compact tick labels: the workbench's formatter. */
export const tick = formatTick;
