import { describe, expect, it } from 'vitest';
import { parsePlacementLog } from './placement-log';

// Lines as onnxruntime-web 1.30 writes them to console.error in Chromium (WebGPU EP, a QDQ SqueezeNet).
const MIXED = [
  '2026-11-23 00:58:05.257409 [V:onnxruntime:, session_state.cc:1377 VerifyEachNodeIsAssignedToAnEp] Node placements',
  '2026-11-23 00:58:05.258390 [V:onnxruntime:, session_state.cc:1383 VerifyEachNodeIsAssignedToAnEp]  Node(s) placed on [CPUExecutionProvider]. Number of nodes: 2',
  '2026-11-23 00:58:05.259164 [V:onnxruntime:, session_state.cc:1385 VerifyEachNodeIsAssignedToAnEp]   QuantizeLinear (data_0_QuantizeLinear)',
  '2026-11-23 00:58:05.259885 [V:onnxruntime:, session_state.cc:1385 VerifyEachNodeIsAssignedToAnEp]   QuantizeLinear (fire2/squeeze1x1 (odd) name)',
  '2026-11-23 00:58:05.280804 [V:onnxruntime:, session_state.cc:1383 VerifyEachNodeIsAssignedToAnEp]  Node(s) placed on [WebGpuExecutionProvider]. Number of nodes: 1',
  '2026-11-23 00:58:05.280914 [V:onnxruntime:, session_state.cc:1385 VerifyEachNodeIsAssignedToAnEp]   DequantizeLinear (conv1_w_0_DequantizeLinear)',
  '2026-11-23 00:58:05.290000 [I:onnxruntime:, inference_session.cc:2610 Initialize] something else',
];

describe('parsePlacementLog', () => {
  it('reads the nodes per provider', () => {
    const p = parsePlacementLog(MIXED)!;
    expect(p.map((x) => [x.provider, x.count, x.nodes.length])).toEqual([
      ['CPUExecutionProvider', 2, 2],
      ['WebGpuExecutionProvider', 1, 1],
    ]);
    expect(p[0].nodes[1]).toEqual({ opType: 'QuantizeLinear', name: 'fire2/squeeze1x1 (odd) name' });
  });

  it('reads the single-provider form', () => {
    const p = parsePlacementLog([
      '2026-11-23 00:57:44.387800 [V:onnxruntime:, session_state.cc:1380 VerifyEachNodeIsAssignedToAnEp]  All nodes placed on [WebGpuExecutionProvider]. Number of nodes: 41',
    ])!;
    expect(p).toEqual([{ provider: 'WebGpuExecutionProvider', count: 41, nodes: [] }]);
  });

  it('says null when nothing was logged', () => {
    expect(parsePlacementLog(['unrelated'])).toBeNull();
  });
});
