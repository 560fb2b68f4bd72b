/**
 * A term the workbench uses (SQNR, zero-point, per-channel, clipping, ...) with a small "?" button:
 * hovering or focusing it shows a one-paragraph explanation (role="tooltip", tied to the button by
 * aria-describedby) and a link to the Learn lesson that shows it on the model's own tensors.
 */
import { useId } from 'react';

export type TermId = 'sqnr' | 'zero-point' | 'scale' | 'per-channel' | 'clipping' | 'symmetric' | 'cosine';

const GLOSSARY: Record<TermId, { name: string; text: string; lesson: number }> = {
  sqnr: {
    name: 'SQNR',
    text: 'Signal-to-quantization-noise ratio: the power of the FP32 values over the power of the error quantization adds, in dB. 20 dB is noise at a tenth of the signal\u2019s amplitude; each 6 dB halves it.',
    lesson: 3,
  },
  'zero-point': {
    name: 'zero-point',
    text: 'The integer that stands for the real 0: real = scale \u00d7 (q \u2212 zero_point). It lets an asymmetric range such as 0\u2026 6 use all 256 codes, and 0 is always exact.',
    lesson: 1,
  },
  scale: { name: 'scale', text: 'The real step between two neighbouring integer codes: the range divided by the number of steps (255 for 8 bits).', lesson: 1 },
  'per-channel': {
    name: 'per-channel',
    text: 'Each output channel of a weight gets its own scale, so a channel of small weights is not crushed by the largest channel. Activations stay per tensor.',
    lesson: 4,
  },
  clipping: {
    name: 'clipping',
    text: 'Values outside the chosen range are clamped to its ends. A tighter range clips a few outliers but gives every other value a finer grid; the range methods choose that trade-off.',
    lesson: 3,
  },
  symmetric: { name: 'symmetric', text: 'A range centred on 0 (zero-point 0): simpler arithmetic, but a ReLU output wastes half the codes.', lesson: 2 },
  cosine: { name: 'cosine', text: 'Cosine similarity of the FP32 and INT8 outputs as vectors: 1 is the same direction; 0.99 or more is usually faithful, but a detector must be judged by its AP.', lesson: 7 },
};

export function Term(props: { id: TermId }) {
  const tip = useId();
  const t = GLOSSARY[props.id];
  return (
    <span className="term">
      <button type="button" className="term-button" aria-label={`What is ${t.name}?`} aria-describedby={tip} data-testid={`term-${props.id}`}>
        ?
      </button>
      <span role="tooltip" id={tip} className="term-tip">
        <strong>{t.name}</strong>: {t.text}{' '}
        <a href={`#learn/${t.lesson}`} tabIndex={-1}>
          Learn, lesson {t.lesson}
        </a>
      </span>
    </span>
  );
}
