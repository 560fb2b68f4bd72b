import { Caption } from './shapes';

const LINE_X0 = 250;
const LINE_X1 = 630;

/** Ticks of the representable values of a format over [0, 1], as a picture of its resolution. */
function Levels(props: { y: number; values: readonly number[]; color: string }) {
  return (
    <g>
      <line x1={LINE_X0} x2={LINE_X1} y1={props.y} y2={props.y} stroke="#c7ccd4" />
      {props.values.map((v, i) => {
        const x = LINE_X0 + v * (LINE_X1 - LINE_X0);
        return <line key={i} x1={x} x2={x} y1={props.y - 9} y2={props.y + 9} stroke={props.color} strokeWidth={1} />;
      })}
    </g>
  );
}

function Bits(props: { y: number; fields: ReadonlyArray<{ bits: number; label: string; fill: string }> }) {
  let x = 8;
  const unit = 14;
  return (
    <g>
      {props.fields.map((f) => {
        const g = (
          <g key={`${f.label}-${x}`}>
            <rect x={x} y={props.y - 12} width={f.bits * unit} height={24} fill={f.fill} stroke="#5f6b7a" />
            {Array.from({ length: f.bits - 1 }, (_, i) => (
              <line key={i} x1={x + (i + 1) * unit} x2={x + (i + 1) * unit} y1={props.y - 12} y2={props.y + 12} stroke="#5f6b7a" strokeOpacity={0.35} />
            ))}
            <text x={x + (f.bits * unit) / 2} y={props.y + 26} textAnchor="middle" fontSize={10} fill="#5f6b7a">
              {f.label}
            </text>
          </g>
        );
        x += f.bits * unit;
        return g;
      })}
    </g>
  );
}

// FP16 values in [0, 1]: denser near 0 (one binade halves the step); 1 in 32 drawn so the ticks stay visible.
const fp16: number[] = [];
for (let e = -6; e < 0; e++) for (let m = 0; m < 1024; m += 32) fp16.push(2 ** e * (1 + m / 1024));
const int8 = Array.from({ length: 256 }, (_, i) => i / 255);
const int4 = Array.from({ length: 16 }, (_, i) => i / 15);

/** FP16, INT8 and INT4: their bits, and how finely each covers [0, 1]. */
export function FormatsDiagram() {
  return (
    <svg className="learn-diagram" viewBox="0 0 640 250" role="img" aria-label="Bits and resolution of FP16, INT8 and INT4" data-testid="l7-diagram-formats">
      <Caption x={8} y={18} weight={700} color="#1d2330" size={14}>
        FP16: sign, 5 exponent, 10 mantissa bits
      </Caption>
      <Bits
        y={44}
        fields={[
          { bits: 1, label: 's', fill: '#f3c7b5' },
          { bits: 5, label: 'exponent', fill: '#d6e6f5' },
          { bits: 10, label: 'mantissa', fill: '#e6f4ef' },
        ]}
      />
      <Levels y={44} values={fp16} color="#0072B2" />
      <Caption x={LINE_X0} y={76}>
        steps grow with the value; no range needed
      </Caption>
      <Caption x={8} y={106} weight={700} color="#1d2330" size={14}>
        INT8: 256 even steps of one scale
      </Caption>
      <Bits y={132} fields={[{ bits: 8, label: 'q', fill: '#e6f4ef' }]} />
      <Levels y={132} values={int8} color="#009E73" />
      <Caption x={LINE_X0} y={164}>
        256 even steps; needs a range (calibration)
      </Caption>
      <Caption x={8} y={194} weight={700} color="#1d2330" size={14}>
        INT4: 16 steps
      </Caption>
      <Bits y={220} fields={[{ bits: 4, label: 'q', fill: '#fdf1e6' }]} />
      <Levels y={220} values={int4} color="#E69F00" />
      <Caption x={LINE_X0} y={246}>
        16 even steps; weights only, per small group
      </Caption>
    </svg>
  );
}
