import { Arrow, Box, Caption } from './shapes';

/** Static: activation scales fixed at calibration. Dynamic: computed from each input at run time. */
export function StaticDynamicDiagram() {
  return (
    <svg className="learn-diagram" viewBox="0 0 640 220" role="img" aria-label="Static against dynamic quantization" data-testid="l7-diagram-static-dynamic">
      <Caption x={8} y={22} weight={700} color="#1d2330" size={14}>
        Static (QDQ, what Zeropoint writes)
      </Caption>
      <Box x={8} y={36} w={90} h={40}>
        x (FP32)
      </Box>
      <Arrow x1={98} y1={56} x2={150} y2={56} />
      <Box x={150} y={36} w={170} h={40} fill="#e8f1fb" stroke="#0072B2">
        Quantize (scale, zp fixed)
      </Box>
      <Arrow x1={320} y1={56} x2={372} y2={56} label="int8" />
      <Box x={372} y={36} w={120} h={40} fill="#e6f4ef" stroke="#009E73">
        QLinearConv
      </Box>
      <Arrow x1={492} y1={56} x2={544} y2={56} label="int8" />
      <Box x={544} y={36} w={90} h={40}>
        next layer
      </Box>
      <Caption x={150} y={96}>
        scales from calibration, once; int8 between layers
      </Caption>
      <Caption x={8} y={136} weight={700} color="#1d2330" size={14}>
        Dynamic (weights only known ahead)
      </Caption>
      <Box x={8} y={150} w={90} h={40}>
        x (FP32)
      </Box>
      <Arrow x1={98} y1={170} x2={150} y2={170} />
      <Box x={150} y={150} w={170} h={40} fill="#fdf1e6" stroke="#E69F00">
        min/max of x, now
      </Box>
      <Arrow x1={320} y1={170} x2={372} y2={170} label="scale" />
      <Box x={372} y={150} w={120} h={40} fill="#e6f4ef" stroke="#009E73">
        MatMulInteger
      </Box>
      <Arrow x1={492} y1={170} x2={544} y2={170} label="fp32" />
      <Box x={544} y={150} w={90} h={40}>
        next layer
      </Box>
      <Caption x={150} y={210}>
        no calibration; a min/max pass on every input, every run
      </Caption>
    </svg>
  );
}
