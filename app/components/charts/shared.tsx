/** Pieces several charts draw the same way: the histogram bin tooltip and the FP32/INT8 legend. */
import type { ReactNode } from 'react';
import { formatNumber } from '../../lib/format';
import { COLORS } from './theme';

interface BinTooltipProps {
  readonly active?: boolean;
  readonly payload?: ReadonlyArray<{ readonly payload?: { x: number; count: number } }>;
  readonly binWidth: number;
  /** A word before the bin's range ("error"). */
  readonly label?: string;
}

/** One histogram bin: its range and how many values fell in it. */
export function BinTooltip(props: BinTooltipProps) {
  const p = props.payload?.[0]?.payload;
  if (!props.active || !p) return null;
  return (
    <div className="chart-tooltip">
      <div>
        {props.label ? `${props.label} ` : ''}
        {formatNumber(p.x)} … {formatNumber(p.x + props.binWidth)}
      </div>
      <strong>{p.count.toLocaleString('en-US')}</strong> values
    </div>
  );
}

/** The FP32 and INT8 swatches, then any further legend items. */
export function Fp32Int8Legend(props: { children?: ReactNode }) {
  return (
    <ul className="chart-legend" aria-label="Legend">
      <li>
        <span className="swatch swatch-area" style={{ background: COLORS.fp32 }} aria-hidden="true" />
        FP32
      </li>
      <li>
        <span className="swatch swatch-area" style={{ background: COLORS.int8 }} aria-hidden="true" />
        INT8
      </li>
      {props.children}
    </ul>
  );
}
