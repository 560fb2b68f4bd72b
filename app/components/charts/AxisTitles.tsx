import type { ReactNode } from 'react';

/**
 * Axis titles as HTML around a chart (not SVG labels: recharts measures those in the DOM, which forces
 * a layout of the whole page on every first draw). `y` reads bottom to top beside the plot, `x` is
 * centred under it.
 */
export function AxisTitles(props: { x?: string; y?: string; children: ReactNode }) {
  return (
    <div className="axis-titles">
      <div className="axis-row">
        {props.y ? <div className="axis-title-y">{props.y}</div> : null}
        <div className="axis-plot">{props.children}</div>
      </div>
      {props.x ? <div className="axis-title-x">{props.x}</div> : null}
    </div>
  );
}
