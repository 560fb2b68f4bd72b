import type { Problem } from '../../workers/contracts';

const TITLES: Partial<Record<Problem['code'], string>> = {
  'not-onnx': 'Not an ONNX model',
  truncated: 'The model file is incomplete',
  'not-image-model': 'Not an image model',
  'bad-image': 'An image could not be read',
  'no-images': 'No usable images',
  'bad-spec': 'Preprocessing settings need a fix',
  'bad-labels': 'The labels file needs a fix',
  'already-quantized': 'Already quantized',
  'external-data': 'External data missing',
  'unsupported-op': 'Unsupported operator',
  'opset-upgrade': 'The opset cannot be upgraded',
  cancelled: 'Cancelled',
  runtime: 'The runtime failed',
  'bad-graph': 'The graph is broken',
  'bad-model': 'The model file is broken',
  'refused-file': 'A file was refused',
  'too-large': 'Too large',
  timeout: 'A run took too long',
  io: 'A file could not be read',
};

/** A problem, announced to screen readers (role="alert"): what is wrong and what to do. */
export function Alert(props: { problem: Problem; testId?: string; onDismiss?: () => void; tone?: 'error' | 'warning' }) {
  const { problem } = props;
  return (
    <div role="alert" className={`alert alert-${props.tone ?? (problem.code === 'cancelled' ? 'warning' : 'error')}`} data-testid={props.testId} data-code={problem.code}>
      <strong>{TITLES[problem.code] ?? 'Something went wrong'}.</strong> <span className="alert-message">{problem.message}</span>
      {props.onDismiss ? (
        <button type="button" className="link" onClick={props.onDismiss}>
          Dismiss
        </button>
      ) : null}
    </div>
  );
}
