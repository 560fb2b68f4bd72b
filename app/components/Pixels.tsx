import { useEffect, useRef } from 'react';
import type { RgbaPixels } from '../../workers/contracts';

/** RGBA pixels from a worker on a canvas (putImageData: no decoding on the main thread). */
export function Pixels(props: { pixels: RgbaPixels; label: string; testId?: string; scale?: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const { pixels } = props;
  useEffect(() => {
    const context = ref.current?.getContext('2d');
    if (!context) return;
    context.putImageData(new ImageData(new Uint8ClampedArray(pixels.data), pixels.width, pixels.height), 0, 0);
  }, [pixels]);
  const scale = props.scale ?? 1;
  return (
    <canvas
      ref={ref}
      width={pixels.width}
      height={pixels.height}
      role="img"
      aria-label={props.label}
      data-testid={props.testId}
      style={{ width: pixels.width * scale, height: pixels.height * scale }}
    />
  );
}
