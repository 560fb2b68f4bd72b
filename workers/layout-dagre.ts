/**
 * The only import of the layout library: @dagrejs/dagre behind the engine's LayeredEngine port
 * (workers/core/layout/layered.ts). Used by the graph worker and by the CLI's HTML report; no
 * worker or Node globals here.
 *
 * Why dagre: it is the layered layout Netron and Google Model Explorer draw ONNX graphs with (so the
 * picture is the one people know), it is small, synchronous and pure JavaScript with its own types,
 * so it runs unchanged in a worker and in Node. elkjs (ELK Layered) routes edges better but is a
 * 1.5 MB transpiled Java bundle with an async API and its own worker scheme.
 */
import dagre from '@dagrejs/dagre';
import type { LayeredEngine, LayeredInput, LayeredOutput } from './core/layout/layered';

/** Past this many boxes dagre's network-simplex ranking costs seconds: the cheaper ranker does. */
const LARGE = 600;

export const dagreEngine: LayeredEngine = {
  name: `dagre ${dagre.version}`,
  layout(input: LayeredInput): LayeredOutput {
    const g = new dagre.graphlib.Graph({ multigraph: true });
    g.setGraph({ rankdir: 'TB', nodesep: input.nodeSpacing, ranksep: input.layerSpacing, edgesep: 8, ranker: input.nodes.length > LARGE ? 'tight-tree' : 'network-simplex' });
    g.setDefaultEdgeLabel(() => ({}));
    for (const n of input.nodes) g.setNode(n.id, { width: n.width, height: n.height });
    for (const e of input.edges) g.setEdge(e.from, e.to, {}, e.id);
    dagre.layout(g);
    const nodes = new Map<string, { x: number; y: number }>();
    for (const n of input.nodes) {
      const placed = g.node(n.id);
      nodes.set(n.id, { x: placed.x ?? 0, y: placed.y ?? 0 });
    }
    const edges = new Map<string, Array<{ x: number; y: number }>>();
    for (const e of input.edges) edges.set(e.id, (g.edge({ v: e.from, w: e.to, name: e.id })?.points ?? []).map((p: { x: number; y: number }) => ({ x: p.x, y: p.y })));
    return { nodes, edges };
  },
};
