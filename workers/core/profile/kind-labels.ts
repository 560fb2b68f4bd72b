/** Op kinds of the per-node profile and their labels: plain data the page may import (no model code). */
export type OpKind = 'depthwise' | 'grouped' | 'pointwise' | 'dense' | 'matmul' | 'elementwise' | 'data-movement' | 'other' | 'qdq' | 'layout';

export const KIND_LABELS: Readonly<Record<OpKind, string>> = {
  depthwise: 'depthwise conv',
  grouped: 'grouped conv',
  pointwise: 'pointwise conv (1x1)',
  dense: 'dense conv (kxk)',
  matmul: 'MatMul / Gemm',
  elementwise: 'elementwise and activations',
  'data-movement': 'data movement (pool, concat, reshape, resize)',
  other: 'other ops',
  qdq: 'Q/DQ boundaries',
  layout: 'layout transposes',
};
