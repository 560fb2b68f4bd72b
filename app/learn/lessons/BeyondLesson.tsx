import { Card, LessonFrame } from '../components';
import { FormatsDiagram } from '../diagrams/FormatsDiagram';
import { PtqQatDiagram } from '../diagrams/PtqQatDiagram';
import { StaticDynamicDiagram } from '../diagrams/StaticDynamicDiagram';

interface Guardrail {
  readonly id: string;
  readonly title: string;
  readonly why: string;
  /** The workbench step where it is done. */
  readonly step: 'calibrate' | 'ranges' | 'quantize' | 'compare';
  readonly where: string;
  /** An element on that step to land on, instead of the step's title. */
  readonly anchor?: string;
}

const GUARDRAILS: readonly Guardrail[] = [
  {
    id: 'first-last',
    title: 'Keep the first and last layers in FP32',
    why: 'The first layer sees raw pixels and the last one produces the scores: both are small and sensitive, so keeping them in FP32 costs little size and often buys back most of the accuracy.',
    step: 'quantize',
    where: 'Quantize: the "keep first and last in FP32" preset, or any node by name or op type',
  },
  {
    id: 'percentile',
    title: 'Clip with a percentile (or MSE, or entropy) instead of MinMax',
    why: 'One outlier in one image should not stretch the range of every value (lesson 3).',
    step: 'calibrate',
    where: 'Calibrate: the range method; Ranges shows what each method picks, without recalibrating',
  },
  {
    id: 'bias',
    title: 'Bias correction',
    why: 'Rounding the weights shifts the mean of each output channel by the rounding error times the input’s mean; bias correction measures the input means during calibration and subtracts that shift from the bias. It matters most with per-tensor weights and depthwise layers.',
    step: 'quantize',
    anchor: 'bias-correction',
    where: 'Quantize: the "Bias correction" switch; Compare then shows each layer’s offset, the part of its error bias correction removes',
  },
  {
    id: 'fallback',
    title: 'Check which ops fall back to the CPU',
    why: 'An op the accelerator has no INT8 kernel for runs on the CPU, with copies back and forth: the INT8 model can end up slower than FP32.',
    step: 'compare',
    where: 'Compare on WebGPU: the nodes onnxruntime placed on the CPU',
  },
  {
    id: 'layers',
    title: 'Compare layer by layer',
    why: 'Top-1 agreement says whether the model broke; the SQNR of each layer says where.',
    step: 'compare',
    where: 'Compare: per-layer SQNR of FP32 against INT8',
  },
];

/** Lesson 7: PTQ against QAT, static against dynamic, INT8 against INT4 and FP16; the guardrails, each linked to its screen. */
export function BeyondLesson() {
  return (
    <LessonFrame id={7} lead={<p>What this workbench does, what it does not, and the checks that keep an INT8 model honest.</p>}>
      <div className="topics">
        <Card title="PTQ against QAT" testId="l7-ptq-qat" className="topic">
          <PtqQatDiagram />
          <p>
            Post-training quantization needs only the trained model and a few hundred unlabelled images, and is done in minutes. Quantization-aware training simulates the rounding during
            fine-tuning so the weights learn to live with it: it wins back the last point of accuracy (small models, INT4) at the price of the whole training pipeline.
          </p>
        </Card>
        <Card title="Static against dynamic" testId="l7-static-dynamic" className="topic">
          <StaticDynamicDiagram />
          <p>
            Static quantization fixes every activation's scale at calibration, so whole chains of layers run in integers: the fast path for CNNs. Dynamic quantization measures each input at run
            time: no calibration, but a min/max pass per tensor per run.
          </p>
        </Card>
        <Card title="INT8 against INT4 and FP16" testId="l7-formats" className="topic">
          <FormatsDiagram />
          <p>
            FP16 halves the size with no calibration and little loss. INT8 quarters it with a scale and a zero-point per tensor (or channel), the subject of these lessons. INT4 halves it again, but
            16 levels are too few for a whole tensor: it is used for weights, in groups of 32 to 128 values with their own scales.
          </p>
        </Card>
      </div>
      <Card title="The guardrails, and where the workbench does them" testId="l7-guardrails">
        <ul className="guardrails">
          {GUARDRAILS.map((g) => (
            <li key={g.id}>
              <a href={`#${g.anchor ?? `step-${g.step}-title`}`} data-testid={`l7-guard-${g.id}`}>
                {g.title}
              </a>
              <span className="muted"> → {g.where}.</span>
              <br />
              {g.why}
            </li>
          ))}
        </ul>
      </Card>
    </LessonFrame>
  );
}
