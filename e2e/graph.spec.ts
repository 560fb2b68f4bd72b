/**
 * The graph view on the embedded sample: it renders, overlays colour it, the worst node opens its
 * panel, keeping it in FP32 rebuilds and recolours it.
 */
import { expect, note, test } from './fixtures';
import { GraphPage } from './graph-page';

test('sample: graph, SQNR overlay, worst node panel, keep FP32', async ({ workbench, page }) => {
  const graph = new GraphPage(page);
  await workbench.goto();
  await workbench.openSample();
  const boxes = await graph.rendered();
  note('sample boxes', String(boxes));
  await workbench.calibrate();
  await workbench.buildInt8();
  await workbench.compare();
  await graph.chooseOverlay('sqnr');
  const worst = await graph.goToWorst();
  note('worst', worst);
  await graph.clickCentre();
  await expect(graph.panel().getByTestId('node-panel-name')).toHaveText(worst);
  await page.screenshot({ path: 'test-results/screenshots/graph-scratch.png', fullPage: false });
});
