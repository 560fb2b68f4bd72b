/**
 * Colours and axis styling shared by every chart. The palette is Okabe & Ito's (Color Universal
 * Design), distinguishable with every common colour-vision deficiency; lines that must still be told
 * apart in grey also differ in dash pattern.
 */
import type { RangeMethod } from '../../../workers/contracts';

export const OKABE_ITO = {
  black: '#000000',
  orange: '#E69F00',
  skyBlue: '#56B4E9',
  green: '#009E73',
  yellow: '#F0E442',
  blue: '#0072B2',
  vermillion: '#D55E00',
  purple: '#CC79A7',
} as const;

export const COLORS = {
  fp32: OKABE_ITO.blue,
  int8: OKABE_ITO.vermillion,
  model: '#6b7280',
  /** Histogram bars (neutral, so the markers stand out). */
  bars: '#8aa4c2',
  barsStroke: '#5f7f9f',
  /** The chosen clip range and what it clips. */
  clip: OKABE_ITO.vermillion,
  worst: OKABE_ITO.vermillion,
  selected: OKABE_ITO.black,
  grid: '#1d2330',
  axis: '#5f6b7a',
  gridLines: '#e6e9ee',
} as const;

/** One colour and dash per range method (markers on the activation histogram). */
export const METHOD_STYLE: Record<RangeMethod, { readonly color: string; readonly dash: string; readonly label: string }> = {
  minmax: { color: OKABE_ITO.orange, dash: '6 3', label: 'MinMax' },
  'moving-average': { color: OKABE_ITO.yellow, dash: '2 2', label: 'Moving-average MinMax' },
  percentile: { color: OKABE_ITO.green, dash: '2 3', label: 'Percentile' },
  entropy: { color: OKABE_ITO.purple, dash: '8 3 2 3', label: 'Entropy (KL)' },
  mse: { color: OKABE_ITO.skyBlue, dash: '4 2', label: 'MSE' },
};

export const AXIS_TICK = { fontSize: 11, fill: COLORS.axis } as const;

/** Compact tick labels: 1.2k, 3.4M, 0.001, 1e-5. */
export function formatTick(value: number): string {
  if (!Number.isFinite(value)) return '';
  const a = Math.abs(value);
  if (a === 0) return '0';
  if (a >= 1e6) return `${+(value / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${+(value / 1e3).toPrecision(3)}k`;
  if (a >= 1) return `${+value.toPrecision(4)}`;
  if (a >= 1e-3) return `${+value.toPrecision(3)}`;
  return value.toExponential(0);
}
