/** The store's data that graph overlays are built from (workers/core/report/overlays.ts), as one OverlayData. */
import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { OverlayData } from '../../../workers/contracts';
import { buildOverlays, type NodeOverlay } from '../../../workers/core/report/overlays';
import { useStore, type Store } from '../../store';

/** The pieces of the store overlays read (compared by identity, so a rebuild happens only when one changes). */
function pieces(s: Store) {
  return [s.comparison.compare.result, s.quantize.outcome, s.comparison.latency.rows, s.ranges.table, s.graph.analysis, s.analysis.sensitivity.result] as const;
}

export function overlayData(s: Store): OverlayData {
  const [compare, outcome, latency, table, analysis, sensitivity] = pieces(s);
  // Placement: the INT8 model's WebGPU run when there is one, else the FP32 model's.
  const gpu = latency.filter((r) => r.provider === 'webgpu' && r.placement?.captured);
  const placed = gpu.find((r) => r.role === 'int8') ?? gpu.find((r) => r.role === 'fp32');
  // Compare measures each quantized tensor's local error beside the accumulated one: both overlays.
  const split = compare?.perLayer ? compare.layers.filter((l) => l.local && l.node) : [];
  return {
    layers: compare?.perLayer ? compare.layers : null,
    ...(split.length
      ? { layerErrors: { images: compare!.images, nodes: split.map((l) => ({ node: l.node, tensor: l.fp32, localSqnrDb: l.local!.sqnrDb, accumulatedSqnrDb: l.sqnrDb })) } }
      : {}),
    decisions: outcome?.report?.nodes ?? null,
    placement: placed?.placement ? { model: placed.role === 'int8' ? 'int8' : 'fp32', cpuNodes: placed.placement.cpuNodes } : null,
    ranges: table ? { method: table.method, rows: table.rows } : null,
    // The Quantize step's sensitivity: each unit's damage quantized alone, drawn on every node of the unit.
    ...(sensitivity
      ? {
          sensitivity: {
            metric: 'cosine to FP32 with only this unit INT8',
            unit: 'cosine',
            nodes: sensitivity.rows.flatMap((r) => r.unit.nodes.map((node) => ({ node, drop: Math.max(0, 1 - r.alone.score), oneOn: r.alone.score, oneOff: r.kept.score }))),
          },
        }
      : {}),
    ...analysis,
  };
}

/** Every overlay whose data the workbench holds now. */
export function useOverlays(): NodeOverlay[] {
  const deps = useStore(useShallow(pieces));
  return useMemo(() => buildOverlays(overlayData(useStore.getState())), deps); // eslint-disable-line react-hooks/exhaustive-deps
}
