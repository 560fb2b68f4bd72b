/**
 * The graph view's page object: the canvas, its overlay and legend, the node panel, and the helpers
 * a spec needs to read a canvas (the colour drawn at a point, the selected node's box) and to pan and
 * zoom it with real pointer and wheel events. Every wait is an expectation on the page; no sleeps.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { expect, type Locator, type Page } from 'playwright/test';
import sharp from 'sharp';

/** The README's picture of the graph view. */
export const GRAPH_SCREENSHOT = resolve(import.meta.dirname, '../docs/graph.png');

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export class GraphPage {
  constructor(readonly page: Page) {}

  section(): Locator {
    return this.page.getByTestId('graph-view');
  }

  canvas(): Locator {
    return this.page.getByTestId('graph-canvas');
  }

  panel(): Locator {
    return this.page.getByTestId('node-panel');
  }

  /** Waits until the graph is drawn and returns how many boxes it has. */
  async rendered(): Promise<number> {
    await expect(this.canvas()).toBeVisible({ timeout: 60_000 });
    await expect(this.page.getByTestId('graph-summary')).toContainText(/\d+ boxes drawn \(dagre/);
    await expect(this.canvas()).toHaveAttribute('data-scale', /\d/);
    const summary = await this.page.getByTestId('graph-summary').innerText();
    return Number(/(\d+) boxes drawn/.exec(summary)![1]);
  }

  async chooseOverlay(id: string): Promise<void> {
    await expect(this.page.getByTestId('graph-overlay').locator(`option[value="${id}"]`)).toHaveCount(1, { timeout: 60_000 });
    await this.page.getByTestId('graph-overlay').selectOption(id);
    await expect(this.page.getByTestId('graph-legend')).toBeVisible();
  }

  /** The node "go to the worst" centres on (from the button's title). */
  async goToWorst(): Promise<string> {
    const button = this.page.getByTestId('graph-go-worst');
    const title = (await button.getAttribute('title')) ?? '';
    await button.click();
    return title.replace(/^Centre the view on /, '');
  }

  /** Clicks the canvas at a point (CSS pixels from its top-left corner). */
  async clickAt(x: number, y: number): Promise<void> {
    await this.canvas().click({ position: { x, y } });
  }

  /** Clicks the middle of the canvas (where a focused node is centred). */
  async clickCentre(): Promise<void> {
    const box = await this.canvas().boundingBox();
    if (!box) throw new Error('The graph canvas has no box');
    await this.clickAt(box.width / 2, box.height / 2);
  }

  /** The selected node's box on the canvas (CSS pixels), as the canvas reports it after drawing. */
  async selectedBox(): Promise<Box> {
    await expect(this.canvas()).toHaveAttribute('data-selected-box', /\d/);
    const [x, y, width, height] = ((await this.canvas().getAttribute('data-selected-box')) ?? '').split(',').map(Number);
    return { x, y, width, height };
  }

  /** The colour drawn at a canvas point (CSS pixels), as '#rrggbb', read from the canvas itself. */
  async colourAt(x: number, y: number): Promise<string> {
    return this.canvas().evaluate(
      (el, p) => {
        const c = el as unknown as { width: number; clientWidth: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
        const k = c.width / c.clientWidth;
        const d = c.getContext('2d').getImageData(Math.round(p.x * k), Math.round(p.y * k), 1, 1).data;
        return `#${[d[0], d[1], d[2]].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
      },
      { x, y },
    );
  }

  /** The fill of the selected node: a point inside its box, clear of its border and its label. */
  async selectedFill(): Promise<string> {
    const b = await this.selectedBox();
    return this.colourAt(b.x + Math.min(8, b.width / 4), b.y + b.height / 2);
  }

  /**
   * The graph section as the README's picture (docs/graph.png), when it is missing or
   * ZEROPOINT_UPDATE_SCREENSHOT=1: a palette PNG under 400 KB. Returns where it went, or null.
   */
  async docsScreenshot(): Promise<string | null> {
    if (existsSync(GRAPH_SCREENSHOT) && process.env.ZEROPOINT_UPDATE_SCREENSHOT !== '1') return null;
    const shot = await this.section().screenshot({ animations: 'disabled', caret: 'hide' });
    const png = await sharp(shot).png({ palette: true, compressionLevel: 9, effort: 10 }).toBuffer();
    expect(png.length).toBeLessThan(400_000);
    await mkdir(dirname(GRAPH_SCREENSHOT), { recursive: true });
    await writeFile(GRAPH_SCREENSHOT, png);
    return GRAPH_SCREENSHOT;
  }

  /**
   * A full garbage collection on the page's heap now (CDP), so a major collection of what loading the
   * model left behind does not fall inside a measurement of something else.
   */
  async collectGarbage(): Promise<void> {
    const cdp = await this.page.context().newCDPSession(this.page);
    try {
      await cdp.send('HeapProfiler.collectGarbage');
    } finally {
      await cdp.detach();
    }
  }

  /**
   * A scripted pan and zoom: real input events (left-button drags and wheel turns over the canvas)
   * sent through the browser's input pipeline with CDP's Input.dispatchMouseEvent. Not through
   * page.mouse: Playwright snapshots the whole DOM on the page's thread around each of its actions when
   * it records a trace, which would count as the app's work (up to 40 ms a move on a 1,000-row page).
   */
  async panAndZoom(rounds: number): Promise<void> {
    const box = await this.canvas().boundingBox();
    if (!box) throw new Error('The graph canvas has no box');
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    const cdp = await this.page.context().newCDPSession(this.page);
    const mouse = (type: 'mouseMoved' | 'mousePressed' | 'mouseReleased' | 'mouseWheel', x: number, y: number, extra: Record<string, unknown> = {}) =>
      cdp.send('Input.dispatchMouseEvent', { type, x, y, button: type === 'mouseMoved' || type === 'mouseWheel' ? 'none' : 'left', clickCount: type === 'mouseMoved' || type === 'mouseWheel' ? 0 : 1, ...extra });
    const drag = async (dx: number, dy: number) => {
      await mouse('mouseMoved', cx, cy);
      await mouse('mousePressed', cx, cy);
      for (let k = 1; k <= 8; k++) await mouse('mouseMoved', cx + k * dx, cy + k * dy, { buttons: 1 });
      await mouse('mouseReleased', cx + 8 * dx, cy + 8 * dy);
    };
    try {
      for (let r = 0; r < rounds; r++) {
        await drag(12, -30);
        for (let k = 0; k < 4; k++) await mouse('mouseWheel', cx, cy, { deltaX: 0, deltaY: r % 2 === 0 ? 240 : -240 });
        await drag(-12, 30);
      }
    } finally {
      await cdp.detach();
    }
  }

}
