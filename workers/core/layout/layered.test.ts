/**
 * The layered layout with the engine the worker and the CLI use (dagre): every box placed without
 * overlap, layers going down the data flow, edges from their source box to their target box, and
 * collapsed blocks drawn as one box carrying the tensors that cross their border.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dagreEngine } from '../../layout-dagre';
import { graphView } from '../graph/view';
import { decodeModel } from '../onnx/decode';
import { prepareModel } from '../quant/quantize';
import { layersOf, layoutGraph, MAX_LAYERS_PER_BAND, repeatedBlocks, unitOf } from './layered';

const view = graphView(prepareModel(decodeModel(new Uint8Array(readFileSync('../shared/assets/models/squeezenet1.1-fp32.onnx')))).model.graph!);

describe('layoutGraph', () => {
  const layout = layoutGraph(view, dagreEngine);

  it('places every node once, inside the drawing, with no two boxes overlapping', () => {
    expect(layout.nodes.map((n) => n.id).sort()).toEqual(view.nodes.map((n) => n.id).sort());
    for (const n of layout.nodes) {
      expect(n.x).toBeGreaterThanOrEqual(0);
      expect(n.y).toBeGreaterThanOrEqual(0);
      expect(n.x + n.width).toBeLessThanOrEqual(layout.width);
      expect(n.y + n.height).toBeLessThanOrEqual(layout.height);
    }
    for (let i = 0; i < layout.nodes.length; i++)
      for (let j = i + 1; j < layout.nodes.length; j++) {
        const a = layout.nodes[i];
        const b = layout.nodes[j];
        const apart = a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
        expect(apart, `${a.id} and ${b.id}`).toBe(true);
      }
    expect(layout.engine).toMatch(/^dagre \d/);
  });

  it('draws data flowing down, each edge from its source box to its target box', () => {
    const at = new Map(layout.nodes.map((n) => [n.id, n]));
    expect(layout.edges.length).toBe(view.edges.length);
    for (const e of layout.edges) {
      const a = at.get(e.from)!;
      const b = at.get(e.to)!;
      expect(a.y).toBeLessThan(b.y);
      const [x0, y0] = e.points;
      const [x1, y1] = e.points.slice(-2);
      expect(Math.abs(y0 - (a.y + a.height))).toBeLessThan(2);
      expect(x0).toBeGreaterThanOrEqual(a.x - 1);
      expect(x0).toBeLessThanOrEqual(a.x + a.width + 1);
      expect(Math.abs(y1 - b.y)).toBeLessThan(2);
      expect(x1).toBeGreaterThanOrEqual(b.x - 1);
      expect(x1).toBeLessThanOrEqual(b.x + b.width + 1);
    }
  });

  it('collapses the repeated blocks into one box each, keeping the edges that cross them', () => {
    const blocks = repeatedBlocks(view);
    expect(blocks.length).toBe(8);
    const collapsed = layoutGraph(view, dagreEngine, { collapsed: blocks });
    const unit = unitOf(view, blocks);
    expect(collapsed.nodes.length).toBe(new Set(unit.values()).size);
    expect(collapsed.nodes.length).toBeLessThan(layout.nodes.length / 2);
    const box = collapsed.nodes.find((n) => n.id === 'block:Relu_4')!;
    expect(box).toMatchObject({ kind: 'block', members: 6, label: 'Relu block · 6 nodes' });
    const into = collapsed.edges.filter((e) => e.to === box.id);
    const out = collapsed.edges.filter((e) => e.from === box.id);
    expect(into.length).toBe(1);
    expect(out.length).toBe(1);
    expect(out[0].tensors).toEqual(view.edges.filter((e) => e.from === view.blocks.find((b) => b.id === box.id)!.nodes.at(-1)).map((e) => e.tensor));
  });
});

describe('deep graphs', () => {
  // A chain of 700 nodes: a layout engine's recursion would need a stack a worker does not have.
  const chain = Array.from({ length: 700 }, (_, i) => ({ id: `n${i}`, width: 60, height: 28 }));
  const links = chain.slice(1).map((n, i) => ({ id: String(i), from: `n${i}`, to: n.id }));

  it('numbers the layers without recursion', () => {
    const layers = layersOf(chain, links);
    expect(layers.get('n0')).toBe(0);
    expect(layers.get('n699')).toBe(699);
  });

  it('lays out past MAX_LAYERS_PER_BAND in stacked bands, top to bottom, each edge joining its boxes', () => {
    const view = {
      nodes: chain.map((n, i) => ({ id: n.id, kind: 'op' as const, opType: 'Relu', name: n.id, inputs: i ? [`t${i - 1}`] : [], weights: [], outputs: [`t${i}`], block: '', order: i })),
      edges: links.map((e, i) => ({ from: e.from, to: e.to, tensor: `t${i}` })),
      blocks: [],
    };
    const calls: number[] = [];
    const counting = { name: 'counting dagre', layout: (input: Parameters<typeof dagreEngine.layout>[0]) => (calls.push(input.nodes.length), dagreEngine.layout(input)) };
    const layout = layoutGraph(view, counting);
    expect(calls).toEqual([MAX_LAYERS_PER_BAND, MAX_LAYERS_PER_BAND, 700 - 2 * MAX_LAYERS_PER_BAND]);
    const y = new Map(layout.nodes.map((n) => [n.id, n.y]));
    for (let i = 1; i < 700; i++) expect(y.get(`n${i}`)!).toBeGreaterThan(y.get(`n${i - 1}`)!);
    const cross = layout.edges.find((e) => e.from === `n${MAX_LAYERS_PER_BAND - 1}`)!;
    const from = layout.nodes.find((n) => n.id === cross.from)!;
    const to = layout.nodes.find((n) => n.id === cross.to)!;
    expect(cross.points[1]).toBeCloseTo(from.y + from.height);
    expect(cross.points.at(-1)).toBeCloseTo(to.y);
  });
});
