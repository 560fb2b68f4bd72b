/**
 * The graph view of real models (Netron's style: a table of files and what their view must hold):
 * every node drawn once, every data edge between a producer and a consumer, and the blocks a person
 * can collapse: namespaces for exported PyTorch graphs, fork-join blocks for flat names.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeModel } from '../onnx/decode';
import { prepareModel } from '../quant/quantize';
import { graphView, namespaceOf } from './view';

const model = (file: string) => prepareModel(decodeModel(new Uint8Array(readFileSync(`../shared/assets/models/${file}`)))).model;

const TABLE = [
  // file, op nodes (prepared), blocks, the repeated blocks that must be found
  { file: 'squeezenet1.1-fp32.onnx', ops: 65, repeated: 8, sample: { id: 'block:Relu_4', nodes: 6, signature: 'Relu,Conv,Conv,Relu,Relu,Concat' } },
  { file: 'yolov8n-fp32-topology.onnx', ops: 296, repeated: 201, sample: { id: 'model.2/m.0', nodes: 9, signature: null } },
  { file: 'mnist.onnx', ops: 11, repeated: 0, sample: null },
] as const;

describe('graphView', () => {
  for (const row of TABLE) {
    it(row.file, () => {
      const m = model(row.file);
      const view = graphView(m.graph!);
      const ops = view.nodes.filter((n) => n.kind === 'op');
      expect(ops.length).toBe(row.ops);
      expect(new Set(view.nodes.map((n) => n.id)).size).toBe(view.nodes.length);
      expect(view.nodes.filter((n) => n.kind === 'input').map((n) => n.name)).toEqual(m.graph!.input.filter((i) => !m.graph!.initializer.some((t) => t.name === i.name)).map((i) => i.name));
      expect(view.nodes.filter((n) => n.kind === 'output').map((n) => n.name)).toEqual(m.graph!.output.map((o) => o.name));
      // Every edge joins the tensor's producer to a node that reads it.
      const byId = new Map(view.nodes.map((n) => [n.id, n]));
      for (const e of view.edges) {
        expect(byId.get(e.from)!.outputs).toContain(e.tensor);
        expect(byId.get(e.to)!.inputs).toContain(e.tensor);
      }
      // Weights are listed on their node, never drawn as nodes or edges.
      expect(view.edges.some((e) => m.graph!.initializer.some((t) => t.name === e.tensor))).toBe(false);
      expect(view.blocks.filter((b) => b.repeated).length).toBe(row.repeated);
      if (row.sample) {
        const b = view.blocks.find((x) => x.id === row.sample.id)!;
        expect(b.nodes.length).toBe(row.sample.nodes);
        if (row.sample.signature) expect(b.signature).toBe(row.sample.signature);
        for (const id of b.nodes) expect(byId.get(id)!.block === b.id || view.blocks.some((c) => c.id === byId.get(id)!.block && c.id.startsWith(b.id))).toBe(true);
      }
      // Blocks come outermost first, and a parent always holds its child's nodes.
      for (const b of view.blocks) {
        if (!b.parent) continue;
        const parent = view.blocks.find((p) => p.id === b.parent)!;
        expect(view.blocks.indexOf(parent)).toBeLessThan(view.blocks.indexOf(b));
        for (const id of b.nodes) expect(parent.nodes).toContain(id);
      }
    });
  }

  it('reads module paths from exported names', () => {
    expect(namespaceOf('/model.2/m.0/cv1/conv/Conv')).toEqual(['model.2', 'm.0', 'cv1', 'conv']);
    expect(namespaceOf('Conv_3')).toEqual([]);
  });
});
