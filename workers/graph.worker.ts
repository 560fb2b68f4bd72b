/**
 * The graph worker: a thin comlink door that lays out a GraphView with dagre (workers/layout-dagre.ts
 * behind the engine's LayeredEngine port), off the page's thread, and writes the HTML report. A
 * 1,000-node layout takes seconds; pan and zoom on the page never call it again.
 */
import * as Comlink from 'comlink';
import './transfer';
import type { ExportedFile, GraphLayout, GraphView, GraphWorkerApi, LayoutOptions, ReportInput } from './contracts';
import { layoutGraph } from './core/layout/layered';
import { renderReport, reportFileName } from './core/report/html';
import { dagreEngine } from './layout-dagre';

const api = {
  async layout(view: GraphView, options: LayoutOptions): Promise<GraphLayout> {
    return layoutGraph(view, dagreEngine, options);
  },

  async report(input: ReportInput): Promise<ExportedFile> {
    const bytes = new TextEncoder().encode(renderReport(input));
    return Comlink.transfer({ name: reportFileName(input.model.name), mime: 'text/html', bytes }, [bytes.buffer]);
  },
} satisfies GraphWorkerApi;

Comlink.expose(api);
