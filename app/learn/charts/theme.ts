/**
 * Learn mode's chart colours: Okabe & Ito's palette (readable with every common colour-vision
 * deficiency, and on a projector); lines that must be told apart in grey also differ in dash.
 * Sizes are in em, so presenting mode (a larger root font) scales the charts with the text.
 */
import type { RangeMethod } from '../../../workers/contracts';

export const PALETTE = {
  black: '#000000',
  orange: '#E69F00',
  skyBlue: '#56B4E9',
  green: '#009E73',
  yellow: '#F0E442',
  blue: '#0072B2',
  vermillion: '#D55E00',
  purple: '#CC79A7',
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

/** Compact tick labels: 1.2k, 3.4M, 0.001, 1e-5. */
export function tick(value: number): string {
  if (!Number.isFinite(value)) return '';
  const a = Math.abs(value);
  if (a === 0) return '0';
  if (a >= 1e6) return `${+(value / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${+(value / 1e3).toPrecision(3)}k`;
  if (a >= 1) return `${+value.toPrecision(4)}`;
  if (a >= 1e-3) return `${+value.toPrecision(3)}`;
  return value.toExponential(0);
}
