import { Arrow, Box, Caption } from './shapes';

/** PTQ: a trained model, calibration, INT8 — minutes, no labels. QAT: training continues with fake quantization in the loop. */
export function PtqQatDiagram() {
  return (
    <svg className="learn-diagram" viewBox="0 0 640 230" role="img" aria-label="Post-training quantization against quantization-aware training" data-testid="l7-diagram-ptq-qat">
      <Caption x={8} y={22} weight={700} color="#1d2330" size={14}>
        PTQ (post-training, what Zeropoint does)
      </Caption>
      <Box x={8} y={34} w={150} h={44}>
        trained FP32 model
      </Box>
      <Arrow x1={158} y1={56} x2={228} y2={56} />
      <Box x={222} y={34} w={192} h={44} fill="#e8f1fb" stroke="#0072B2">
        calibrate on ~100 images
      </Box>
      <Arrow x1={408} y1={56} x2={478} y2={56} label="ranges" />
      <Box x={478} y={34} w={150} h={44} fill="#e6f4ef" stroke="#009E73">
        INT8 model
      </Box>
      <Caption x={228} y={96}>
        minutes, no labels, no training code
      </Caption>
      <Caption x={8} y={138} weight={700} color="#1d2330" size={14}>
        QAT (quantization-aware training)
      </Caption>
      <Box x={8} y={150} w={150} h={44}>
        trained FP32 model
      </Box>
      <Arrow x1={158} y1={172} x2={228} y2={172} />
      <Box x={228} y={150} w={180} h={44} fill="#fdf1e6" stroke="#E69F00">
        fine-tune, Q→DQ inside
      </Box>
      <path d="M 300 194 C 300 222, 340 222, 340 196" fill="none" stroke="#E69F00" strokeWidth={1.6} markerEnd="" />
      <polygon points="340,194 335,203 345,203" fill="#E69F00" />
      <Caption x={350} y={218} color="#E69F00">
        epochs: labels, GPUs, the training pipeline
      </Caption>
      <Arrow x1={408} y1={172} x2={478} y2={172} />
      <Box x={478} y={150} w={150} h={44} fill="#e6f4ef" stroke="#009E73">
        INT8 model
      </Box>
    </svg>
  );
}
