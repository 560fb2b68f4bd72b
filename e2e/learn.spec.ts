/**
 * Learn mode in real Chromium, on the embedded sample. Every lesson opens; every control moves the
 * number it claims to move, and that number is recomputed here with the engine's own functions
 * (workers/core) from the same inputs: the values the page shows (their exact data-value), the data
 * the lesson lets you download (the histogram it used), or the sample model and images themselves
 * (weights read from the .onnx, activations from onnxruntime-node). Also: the URL reopens a lesson in
 * its state, the keyboard moves between lessons, presenting mode scales the page, the lessons keep
 * working offline once loaded, and no request leaves the page's origin.
 */
import type { AllRanges, CalibrationRange, ChannelErrors, GrowthRow, LearnGrid } from '../workers/contracts';
import { createTensorStats, updateTensorStats, type TensorStats } from '../workers/core/calibration/collector';
import { computeAllRanges, computeRange } from '../workers/core/calibration/ranges';
import { DEFAULT_QUANTIZE_OPTIONS, rangeOptionsFor } from '../workers/core/quant/quantize';
import { clipMetrics, codeUsage, modelBytes, perChannelLesson, roundTrip, scaleLesson } from '../workers/core/learn/lessons';
import { expect, test, Workbench } from './fixtures';
import { loadSample, LearnPage, minMax, numel, statsFrom } from './learn-page';

type StatsJson = Parameters<typeof statsFrom>[0];

/** The page's number equals the engine's (same function, same inputs: equal to rounding noise at most). */
function same(actual: number, expected: number, what: string): void {
  if (!Number.isFinite(expected)) {
    expect(actual, what).toBe(expected);
    return;
  }
  expect(Math.abs(actual - expected), `${what}: page ${actual}, engine ${expected}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
}

/** Two runtimes (onnxruntime-web WASM in the page, onnxruntime-node here) agree to float rounding. */
function close(actual: number, expected: number, what: string, relative = 1e-4): void {
  expect(Math.abs(actual - expected), `${what}: page ${actual}, onnxruntime-node ${expected}`).toBeLessThanOrEqual(relative * Math.max(1, Math.abs(expected)));
}

test('lessons 1, 6 and 7: the controls move their numbers as the engine computes them; keyboard, Back and presenting mode', async ({ page, baseURL }) => {
  const learn = new LearnPage(page);
  await learn.goto();
  await page.getByTestId('mode-learn').click();
  await expect(learn.lesson(1)).toBeVisible();
  expect(learn.hash()).toMatch(/^#learn\/1\?/);

  // Lesson 1: the worked example of the issue, then every control.
  const l1 = async (what: string) => {
    const min = Number(await learn.byId('l1-min').inputValue());
    const max = Number(await learn.byId('l1-max').inputValue());
    const type = (await learn.byId('l1-type').getByRole('radio', { checked: true }).inputValue()) as 'u8' | 's8';
    const symmetric = await learn.byId('l1-symmetric').isChecked();
    const x = await learn.value('l1-x-value');
    const l = scaleLesson({ min, max }, type, symmetric);
    same(await learn.value('l1-scale'), l.scale, `${what}: scale`);
    same(await learn.value('l1-zero-point'), l.zeroPoint, `${what}: zero-point`);
    await expect(learn.byId('l1-formula-scale')).toHaveText(l.formula.scale);
    await expect(learn.byId('l1-formula-zero-point')).toHaveText(l.formula.zeroPoint);
    const r = roundTrip(x, l, type);
    same(await learn.value('l1-q'), r.q, `${what}: q`);
    same(await learn.value('l1-real'), r.real, `${what}: dequantized`);
    same(await learn.value('l1-error'), r.error, `${what}: error`);
    return { l, r };
  };
  await expect(learn.byId('l1-scale')).toHaveText(/^0\.0231/);
  await expect(learn.byId('l1-zero-point')).toHaveText('39');
  await expect(learn.byId('l1-q')).toHaveText('52');
  await l1('worked example');
  await learn.screenshot('1');

  await learn.byId('l1-min').fill('-2');
  await learn.byId('l1-max').fill('6');
  await expect(learn.byId('l1-formula-scale')).toContainText('(6 − -2)');
  const before = await l1('range [-2, 6]');
  await learn.byId('l1-type').getByLabel('s8 (−128…127)').check();
  await expect(learn.byId('l1-qmin')).toHaveText('-128');
  const s8 = await l1('s8');
  expect(s8.l.zeroPoint).not.toBe(before.l.zeroPoint);
  await learn.byId('l1-symmetric').check();
  await expect(learn.byId('l1-zero-point')).toHaveText('0');
  await l1('s8 symmetric');
  // The x slider, by keyboard: q and the round trip follow; the lesson does not change.
  const q0 = await learn.value('l1-q');
  await learn.byId('l1-x-slider').focus();
  for (let i = 0; i < 12; i++) await page.keyboard.press('ArrowRight');
  await expect.poll(() => learn.value('l1-q')).not.toBe(q0);
  await expect(learn.lesson(1)).toBeVisible();
  const slid = Number(await learn.byId('l1-x-slider').inputValue());
  expect(await learn.value('l1-x-value')).toBe(slid);
  await expect(learn.byId('l1-x')).toHaveValue(String(Number(slid.toPrecision(7))));
  const l = scaleLesson({ min: -2, max: 6 }, 's8', true);
  const r = roundTrip(slid, l, 's8');
  same(await learn.value('l1-q'), r.q, 'slider: q');
  same(await learn.value('l1-real'), r.real, 'slider: dequantized');
  // Beyond the range: clipped to the end code.
  await learn.byId('l1-x').fill('9');
  await expect(learn.byId('l1-q')).toHaveText('127');
  await expect(learn.byId('l1-error-note')).toContainText('clipped');

  // The buttons: back to the worked example; next and previous lesson.
  await learn.byId('l1-reset').click();
  await expect(learn.byId('l1-q')).toHaveText('52');
  await l1('worked example again');
  await learn.byId('l1-symmetric').check();
  await learn.byId('l1-type').getByLabel('s8 (−128…127)').check();
  await learn.byId('l1-min').fill('-2');
  await learn.byId('l1-max').fill('6');
  await expect(learn.byId('l1-zero-point')).toHaveText('0');
  await learn.byId('lesson-next').click();
  await expect(learn.lesson(2)).toBeVisible();
  await learn.byId('lesson-prev').click();
  await expect(learn.lesson(1)).toBeVisible();

  // Keyboard navigation between lessons, and Back.
  await learn.blur();
  await page.keyboard.press('ArrowRight');
  await expect(learn.lesson(2)).toBeVisible();
  expect(learn.hash()).toMatch(/^#learn\/2/);
  await page.keyboard.press('PageDown');
  await expect(learn.lesson(3)).toBeVisible();
  await page.keyboard.press('PageUp');
  await expect(learn.lesson(2)).toBeVisible();
  await page.keyboard.press('End');
  await expect(learn.lesson(7)).toBeVisible();
  await page.keyboard.press('Home');
  await expect(learn.lesson(1)).toBeVisible();
  await page.keyboard.press('6');
  await expect(learn.lesson(6)).toBeVisible();
  await page.goBack();
  await expect(learn.lesson(1)).toBeVisible();
  // Lesson 1 kept its state through all that (the store, and the URL of its history entry).
  await expect(learn.byId('l1-zero-point')).toHaveText('0');
  await page.goForward();
  await expect(learn.lesson(6)).toBeVisible();

  // Lesson 6: parameters x bytes.
  await expect(learn.byId('l6-bytes-32')).toHaveText('180 MB');
  await expect(learn.byId('l6-bytes-8')).toHaveText('45 MB');
  for (const bits of [32, 16, 8, 4] as const) same(await learn.value(`l6-bytes-${bits}`), modelBytes(45e6, bits), `45M at ${bits} bits`);
  await learn.byId('l6-parameters').fill('25.6');
  await expect(learn.byId('l6-bytes-32')).toHaveText('102 MB');
  for (const bits of [32, 16, 8, 4] as const) same(await learn.value(`l6-bytes-${bits}`), modelBytes(25.6e6, bits), `25.6M at ${bits} bits`);
  const sample = await loadSample();
  await learn.byId('l6-this-model').click();
  same(await learn.value('l6-bytes-32'), modelBytes(sample.parameters, 32), 'the sample model in FP32');
  await expect.poll(() => learn.hash()).toContain(`params=${sample.parameters}`);
  await expect(learn.byId('l6-no-size')).toBeVisible();
  await learn.screenshot('6');

  // Lesson 7: three pictures, and each guardrail links to its workbench screen.
  await page.keyboard.press('ArrowRight');
  await expect(learn.lesson(7)).toBeVisible();
  for (const d of ['ptq-qat', 'static-dynamic', 'formats']) await expect(learn.byId(`l7-diagram-${d}`)).toBeVisible();
  await learn.screenshot('7');
  await learn.byId('l7-guard-first-last').click();
  await expect(page.getByTestId('step-quantize')).toBeInViewport();
  expect(learn.hash()).toBe('#step-quantize-title');
  await expect(page.getByTestId('mode-workbench')).toHaveAttribute('aria-current', 'page');
  await page.goBack();
  await expect(learn.lesson(7)).toBeVisible();
  // Bias correction lands on its switch in Quantize, not only on the step.
  await learn.byId('l7-guard-bias').click();
  await expect(page.getByTestId('bias-correction')).toBeInViewport();
  expect(learn.hash()).toBe('#bias-correction');
  await page.goBack();
  await expect(learn.lesson(7)).toBeVisible();
  await learn.byId('l7-guard-layers').click();
  await expect(page.getByTestId('step-compare')).toBeInViewport();

  // Presenting mode: large type on the root, charts scale with it; Escape leaves it.
  await page.getByTestId('mode-learn').click();
  await learn.byId('lesson-link-1').click();
  await expect(learn.lesson(1)).toBeVisible();
  const title = page.locator('.lesson h2');
  const size = () => title.evaluate((el) => parseFloat((globalThis as unknown as { getComputedStyle(e: unknown): { fontSize: string } }).getComputedStyle(el).fontSize));
  const chartHeight = async () => (await learn.byId('l1-number-line').boundingBox())!.height;
  const [font0, chart0] = [await size(), await chartHeight()];
  await learn.byId('present-toggle').click();
  await expect(page.locator('html')).toHaveClass(/presenting/);
  await expect.poll(() => learn.hash()).toContain('present=1');
  // Present sizes its type to the window (present.spec.ts: it fits 1280x720, grows at 1920x1080).
  expect(await size()).toBeGreaterThan(1.3 * font0);
  expect(await chartHeight()).toBeGreaterThan(1.4 * chart0);
  await learn.screenshot('presenting');
  await page.keyboard.press('ArrowRight');
  await expect(learn.lesson(2)).toBeVisible();
  await expect.poll(() => learn.hash()).toMatch(/^#learn\/2\?.*present=1/);
  await page.keyboard.press('Escape');
  await expect(page.locator('html')).not.toHaveClass(/presenting/);
  expect(await size()).toBe(font0);

  expect(learn.foreignRequests(baseURL!)).toEqual([]);
});

test('the URL reopens a lesson in its state', async ({ page, baseURL }) => {
  const learn = new LearnPage(page);
  // Lesson 1 from a fresh page.
  await learn.goto('#learn/1?min=-2&max=6&type=s8&sym=0&x=1.5');
  await expect(learn.lesson(1)).toBeVisible();
  await expect(learn.byId('l1-min')).toHaveValue('-2');
  await expect(learn.byId('l1-max')).toHaveValue('6');
  await expect(learn.byId('l1-type').getByLabel('s8 (−128…127)')).toBeChecked();
  await expect(learn.byId('l1-symmetric')).not.toBeChecked();
  await expect(learn.byId('l1-x')).toHaveValue('1.5');
  const l = scaleLesson({ min: -2, max: 6 }, 's8', false);
  same(await learn.value('l1-scale'), l.scale, 'scale from the URL');
  same(await learn.value('l1-zero-point'), l.zeroPoint, 'zero-point from the URL');
  same(await learn.value('l1-q'), roundTrip(1.5, l, 's8').q, 'q from the URL');

  // Lesson 3 with a tensor and a clip range, from a fresh page (the sample is opened and calibrated again).
  await page.goto('about:blank');
  await learn.goto(`#learn/3?tensor=${encodeURIComponent('fire2/squeeze1x1_2')}&min=0&max=500&type=u8&sym=0`);
  await expect(learn.lesson(3)).toBeVisible();
  await learn.waitForData();
  await expect(learn.byId('l3-tensor')).toHaveValue('fire2/squeeze1x1_2');
  await expect(learn.byId('l3-sqnr')).toBeVisible();
  expect(await learn.value('l3-range-max')).toBe(500);
  expect(await learn.value('l3-range-min')).toBe(0);
  expect(Math.abs(Number(await learn.byId('l3-max-slider').inputValue()) - 500)).toBeLessThan(2);
  const data = await learn.downloadJson<{ tensor: string; stats: StatsJson }>('l3-download');
  expect(data.tensor).toBe('fire2/squeeze1x1_2');
  const h = statsFrom(data.stats).histogram!;
  const m = clipMetrics(h, { min: 0, max: 500 }, 'u8', false);
  same(await learn.value('l3-sqnr'), m.sqnrDb, 'SQNR of [0, 500] from the URL');
  same(await learn.value('l3-clipped'), m.clippedFraction, 'clipped of [0, 500] from the URL');

  // Move the slider, let the URL follow, reload: the lesson comes back where it was left.
  await learn.byId('l3-max-slider').focus();
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowLeft');
  const moved = await learn.value('l3-range-max');
  expect(moved).toBeLessThan(500);
  await expect.poll(() => learn.hash()).toContain(`max=${Number(moved.toPrecision(12))}`);
  await page.reload();
  await learn.waitForData();
  await expect(learn.byId('l3-sqnr')).toBeVisible();
  same(await learn.value('l3-range-max'), moved, 'max after reload');
  same(await learn.value('l3-sqnr'), clipMetrics(h, { min: 0, max: moved }, 'u8', false).sqnrDb, 'SQNR after reload');

  // Lesson 4 by editing the address (hash navigation): layer, channel and order come from the URL.
  await page.evaluate(() => {
    (globalThis as unknown as { location: { hash: string } }).location.hash = '#learn/4?layer=Conv_5&ch=12&sort=range';
  });
  await expect(learn.byId('l4-layer')).toHaveValue('Conv_5');
  await expect(learn.byId('l4-channel-input')).toHaveValue('12');
  await expect(learn.byId('l4-sort').getByLabel('by range')).toBeChecked();
  const sample = await loadSample();
  const w = sample.weight('Conv_5');
  const rows = perChannelLesson(w.values, w.dims);
  same(await learn.value('l4-channel-pt'), rows[12].perTensorSqnrDb, 'Conv_5 channel 12 per tensor');
  same(await learn.value('l4-channel-pc'), rows[12].perChannelSqnrDb, 'Conv_5 channel 12 per channel');

  expect(learn.foreignRequests(baseURL!)).toEqual([]);
});

test('lessons 2 to 5 on the real tensors of the sample agree with the engine, offline once loaded; lesson 6 shows what Compare measured', async ({ page, context, baseURL }) => {
  test.slow();
  const learn = new LearnPage(page);
  const sample = await loadSample();
  await learn.goto('#learn/2');
  await learn.mark('open the sample and calibrate');
  await expect(learn.lesson(2)).toBeVisible();
  await learn.waitForData();
  await expect(learn.byId('learn-source')).toContainText('squeezenet1.1-fp32.onnx');
  await expect(learn.byId('learn-source')).toContainText('calibrated on 30 images');
  // Lesson 5 warms up in the background (its worker loads onnxruntime while online): wait for it.
  await expect(learn.byId('l2-act-asym-used')).toBeVisible();
  const firstAct = await learn.byId('l2-activation').inputValue();
  expect(firstAct).toBe('conv1_2');

  // What onnxruntime-node sees for the tensors used below, on the same 30 images.
  const observed = await sample.observe(['conv1_2', 'fire2/squeeze1x1_2']);

  // From here on the network is gone: the lessons compute everything in the page's workers.
  await context.setOffline(true);

  await learn.mark('lesson 2');
  // ---- Lesson 2: code usage and SQNR of both grids, for an activation and a weight.
  const l2 = async (prefix: 'l2-act' | 'l2-w', observedRange: { min: number; max: number }, stats: TensorStats | null, symType: 'u8' | 's8', what: string) => {
    for (const [id, type, symmetric] of [
      ['asym', 'u8', false],
      ['sym', symType, true],
    ] as const) {
      const u = codeUsage(observedRange, type, symmetric);
      same(await learn.value(`${prefix}-${id}-used`), u.used, `${what} ${id}: used codes`);
      same(await learn.value(`${prefix}-${id}-total`), u.total, `${what} ${id}: codes`);
      same(await learn.value(`${prefix}-${id}-wasted`), u.wastedFraction, `${what} ${id}: wasted`);
      if (stats) same(await learn.value(`${prefix}-${id}-sqnr`), clipMetrics(stats.histogram!, observedRange, type, symmetric).sqnrDb, `${what} ${id}: SQNR`);
    }
  };
  const actJson = async () => statsFrom((await learn.downloadJson<{ stats: StatsJson }>('l2-act-download')).stats);
  let act = await actJson();
  // The statistics are the real ones: 30 images of conv1_2, as onnxruntime-node computes them too.
  expect(act.count).toBe(30 * numel([1, 64, 111, 111]));
  const perImage = observed.map((o) => minMax(o.conv1_2));
  const node = { min: Math.min(...perImage.map((r) => r.min)), max: Math.max(...perImage.map((r) => r.max)) };
  close(act.max, node.max, 'conv1_2 max over 30 images');
  expect(act.min).toBe(0);
  same(await learn.value('l2-act-max'), act.max, 'conv1_2 max shown');
  await l2('l2-act', { min: act.min, max: act.max }, act, 's8', 'conv1_2');
  // Post-ReLU data on a symmetric s8 grid: half the codes are never used.
  expect(await learn.value('l2-act-sym-wasted')).toBeCloseTo(127 / 255, 2);
  // The weight, from the .onnx file itself.
  /** A weight's statistics built here from the .onnx file, with the collector the worker uses. */
  const weightStats = (node: string) => {
    const w = sample.weight(node);
    const st = createTensorStats(w.name);
    updateTensorStats(st, w.values);
    return st;
  };
  const w0 = weightStats(await learn.byId('l2-weight').inputValue());
  const wr = { min: w0.min, max: w0.max };
  same(await learn.value('l2-w-min'), wr.min, 'weight min');
  same(await learn.value('l2-w-max'), wr.max, 'weight max');
  await l2('l2-w', wr, w0, 's8', 'conv1 weight');
  await learn.screenshot('2');
  // Controls: another activation, another weight, the symmetric grid's type.
  await learn.byId('l2-activation').selectOption('fire2/squeeze1x1_2');
  await expect(learn.byId('l2-activation-card').getByRole('heading', { level: 3 })).toContainText('fire2/squeeze1x1_2');
  await expect(learn.byId('l2-act-asym-sqnr')).toBeVisible();
  act = await actJson();
  close(act.max, minMax(observed.map((o) => minMax(o['fire2/squeeze1x1_2']).max)).max, 'fire2/squeeze1x1_2 max');
  await l2('l2-act', { min: act.min, max: act.max }, act, 's8', 'fire2/squeeze1x1_2');
  await learn.byId('l2-weight').selectOption('Conv_27');
  const w27s = weightStats('Conv_27');
  const w27 = { min: w27s.min, max: w27s.max };
  await expect.poll(() => learn.value('l2-w-min')).toBe(w27.min);
  await l2('l2-w', w27, w27s, 's8', 'Conv_27 weight');
  const wastedS8 = await learn.value('l2-act-sym-wasted');
  await learn.byId('l2-symtype').getByLabel('u8 (zero-point 128)').check();
  await expect.poll(() => learn.value('l2-act-sym-total')).toBe(256);
  expect(await learn.value('l2-act-sym-wasted')).not.toBe(wastedS8);
  await l2('l2-act', { min: act.min, max: act.max }, act, 'u8', 'fire2/squeeze1x1_2, u8 symmetric');
  await l2('l2-w', w27, w27s, 'u8', 'Conv_27 weight, u8 symmetric');

  await learn.mark('lesson 3');
  // ---- Lesson 3: the clip slider's SQNR, MSE and % clipped are clipMetrics of the histogram it shows.
  await learn.blur();
  await page.keyboard.press('3');
  await expect(learn.lesson(3)).toBeVisible();
  await expect(learn.byId('l3-sqnr')).toBeVisible();
  const l3 = await learn.downloadJson<{ tensor: string; grid: LearnGrid; stats: StatsJson; ranges: AllRanges }>('l3-download');
  expect(l3.tensor).toBe('conv1_2');
  const stats3 = statsFrom(l3.stats);
  const h3 = stats3.histogram!;
  close(h3.max, node.max, 'lesson 3 histogram max');
  const l3check = async (type: 'u8' | 's8', symmetric: boolean, hist = h3, what = '') => {
    const range = { min: await learn.value('l3-range-min'), max: await learn.value('l3-range-max') };
    const m = clipMetrics(hist, range, type, symmetric);
    same(await learn.value('l3-sqnr'), m.sqnrDb, `${what} SQNR of [${range.min}, ${range.max}]`);
    same(await learn.value('l3-mse'), m.mse, `${what} MSE of [${range.min}, ${range.max}]`);
    same(await learn.value('l3-clipped'), m.clippedFraction, `${what} clipped of [${range.min}, ${range.max}]`);
    await expect(learn.byId('l3-sqnr')).toHaveText(`${m.sqnrDb.toFixed(1)} dB`);
    return { range, m };
  };
  const start = await l3check('u8', false, h3, 'MinMax');
  same(start.range.max, stats3.max, 'the clip starts at MinMax');
  expect(start.m.clippedFraction).toBe(0);
  // The markers: every method's range, as computeAllRanges puts it on the same statistics.
  const all = computeAllRanges(stats3, { percentile: { percentile: 99.999, mode: 'symmetric' }, entropy: {}, mse: { type: 'u8', symmetric: false } });
  for (const method of ['minmax', 'percentile', 'entropy', 'mse'] as const) {
    same(await learn.value(`l3-method-${method}-max`), all[method]!.max, `${method} marker`);
    same(await learn.value(`l3-method-${method}-sqnr`), clipMetrics(h3, all[method]!, 'u8', false).sqnrDb, `${method} SQNR`);
  }
  // The slider, by keyboard: the range tightens, the SQNR follows the engine.
  await learn.byId('l3-max-slider').focus();
  for (let i = 0; i < 3; i++) await page.keyboard.press('PageDown');
  await expect.poll(() => learn.value('l3-range-max')).toBeLessThan(start.range.max);
  const tighter = await l3check('u8', false, h3, 'slider');
  expect(tighter.m.sqnrDb).not.toBe(start.m.sqnrDb);
  expect(tighter.m.clippedFraction).toBeGreaterThan(0);
  await expect(learn.lesson(3)).toBeVisible(); // the arrows moved the slider, not the lesson
  // "Use" a method: MSE's range, the best of the four.
  await learn.byId('l3-use-mse').click();
  await expect.poll(() => learn.value('l3-range-max')).toBeCloseTo(all.mse!.max, 6);
  const best = await l3check('u8', false, h3, 'MSE range');
  expect(best.m.mse).toBeLessThanOrEqual(clipMetrics(h3, all.percentile!, 'u8', false).mse);
  await learn.screenshot('3');
  // Another grid: s8 symmetric (new markers from the worker, same histogram).
  await learn.byId('l3-type').getByLabel('s8').check();
  await learn.byId('l3-symmetric').check();
  await expect(learn.byId('l3-method-mse-sqnr')).toBeVisible();
  const allS8 = computeAllRanges(stats3, { percentile: { percentile: 99.999, mode: 'symmetric' }, entropy: {}, mse: { type: 's8', symmetric: true } });
  await expect.poll(() => learn.value('l3-method-mse-max')).toBeCloseTo(allS8.mse!.max, 6);
  await l3check('s8', true, h3, 's8 symmetric');
  // Another tensor, signed this time (a Conv output before its ReLU): the min slider and the fields.
  await learn.byId('l3-type').getByLabel('u8').check();
  await learn.byId('l3-symmetric').uncheck();
  await learn.byId('l3-tensor').selectOption('conv1_1');
  await expect(learn.byId('l3-min-slider')).toBeVisible();
  await expect.poll(async () => (await learn.downloadJson<{ tensor: string }>('l3-download')).tensor).toBe('conv1_1');
  const signed = statsFrom((await learn.downloadJson<{ stats: StatsJson }>('l3-download')).stats);
  expect(signed.min).toBeLessThan(0);
  same(await learn.value('l3-range-min'), signed.min, 'conv1_1 starts at its MinMax min');
  await l3check('u8', false, signed.histogram!, 'conv1_1 MinMax');
  await learn.byId('l3-min-slider').focus();
  for (let i = 0; i < 2; i++) await page.keyboard.press('PageUp');
  await expect.poll(() => learn.value('l3-range-min')).toBeGreaterThan(signed.min);
  await l3check('u8', false, signed.histogram!, 'conv1_1 min slider');
  await learn.byId('l3-max').fill('300');
  await expect.poll(() => learn.value('l3-range-max')).toBe(300);
  await l3check('u8', false, signed.histogram!, 'conv1_1 max field');

  await learn.mark('lesson 4');
  // ---- Lesson 4: per-channel errors of a real Conv weight, recomputed from the .onnx file.
  await learn.blur();
  await page.keyboard.press('ArrowRight');
  await expect(learn.lesson(4)).toBeVisible();
  await expect(learn.byId('l4-channel-pt')).toBeVisible();
  const layer = await learn.byId('l4-layer').inputValue();
  const check4 = async (node: string, channel: number) => {
    const w = sample.weight(node);
    const rows: ChannelErrors[] = perChannelLesson(w.values, w.dims);
    const r = rows[channel];
    same(await learn.value('l4-channel-min'), r.min, `${node} #${channel} min`);
    same(await learn.value('l4-channel-max'), r.max, `${node} #${channel} max`);
    same(await learn.value('l4-channel-pt'), r.perTensorSqnrDb, `${node} #${channel} per tensor`);
    same(await learn.value('l4-channel-pc'), r.perChannelSqnrDb, `${node} #${channel} per channel`);
    const worst = rows.reduce((b, x) => (x.perTensorSqnrDb < b.perTensorSqnrDb ? x : b));
    same(await learn.value('l4-worst-channel'), worst.channel, `${node} worst channel`);
    same(await learn.value('l4-worst-pt'), worst.perTensorSqnrDb, `${node} worst per tensor`);
    same(await learn.value('l4-worst-pc'), worst.perChannelSqnrDb, `${node} worst per channel`);
    return { rows, worst };
  };
  const first = await check4(layer, 0);
  // The preselected layer is where per-channel matters most: its worst channel gains a lot.
  expect(first.worst.perChannelSqnrDb - first.worst.perTensorSqnrDb).toBeGreaterThan(20);
  await learn.byId('l4-channel-input').fill('7');
  await expect(learn.byId('l4-channel')).toBeVisible();
  await expect.poll(() => learn.value('l4-channel-pt')).toBeCloseTo(first.rows[7].perTensorSqnrDb, 6);
  await check4(layer, 7);
  await learn.byId('l4-show-worst').click();
  await expect(learn.byId('l4-channel-input')).toHaveValue(String(first.worst.channel));
  await check4(layer, first.worst.channel);
  await learn.screenshot('4');
  await learn.byId('l4-layer').selectOption('Conv_0');
  await expect.poll(() => learn.value('l4-channel-pt')).toBeCloseTo(perChannelLesson(sample.weight('Conv_0').values, sample.weight('Conv_0').dims)[0].perTensorSqnrDb, 6);
  await check4('Conv_0', 0);
  await learn.byId('l4-sort').getByLabel('by range').check();
  await check4('Conv_0', 0); // the order of the charts changes, not the numbers
  await expect(learn.byId('l4-ranges-chart')).toBeVisible();

  await learn.mark('lesson 5');
  // ---- Lesson 5: the range from the first k images, and the full set's SQNR with it.
  await learn.blur();
  await page.keyboard.press('ArrowRight');
  await expect(learn.lesson(5)).toBeVisible();
  await expect(learn.byId('l5-row-30-sqnr')).toBeVisible({ timeout: 180_000 });
  for (const k of [1, 2, 4, 8, 16, 30]) await expect(learn.byId(`l5-row-${k}`)).toBeVisible();
  const check5 = async (method: 'minmax' | 'percentile' | 'entropy' | 'mse') => {
    const d = await learn.downloadJson<{ tensor: string; method: string; reference: StatsJson; snapshots: Array<{ images: number; stats: StatsJson }>; rows: GrowthRow[] }>('l5-download');
    expect(d.method).toBe(method);
    const reference = statsFrom(d.reference).histogram!;
    for (const s of d.snapshots) {
      const snap = statsFrom(s.stats);
      // What the model worker does for lesson 5 (and the workbench for its ranges): the method with its defaults.
      const range: CalibrationRange = computeRange(snap, rangeOptionsFor({ ...DEFAULT_QUANTIZE_OPTIONS, method, activationType: 'u8', activationSymmetric: false }));
      same(await learn.value(`l5-row-${s.images}-min`), range.min, `${method} range min after ${s.images} images`);
      same(await learn.value(`l5-row-${s.images}-max`), range.max, `${method} range max after ${s.images} images`);
      const m = clipMetrics(reference, range, 'u8', false);
      same(await learn.value(`l5-row-${s.images}-sqnr`), m.sqnrDb, `${method} SQNR with ${s.images} images`);
      same(await learn.value(`l5-row-${s.images}-clipped`), m.clippedFraction, `${method} clipped with ${s.images} images`);
    }
    return d;
  };
  const d5 = await check5('minmax');
  expect(d5.tensor).toBe('conv1_2');
  // The snapshots are real: after 1 image the MinMax range is image 1's max, after 30 the full set's.
  close(await learn.value('l5-row-1-max'), minMax(observed[0].conv1_2).max, 'max of conv1_2 on image 1');
  close(await learn.value('l5-row-30-max'), node.max, 'max of conv1_2 on all 30 images');
  const minmaxRow2 = await learn.value('l5-row-2-max');
  await learn.byId('l5-method').getByLabel('Percentile').check();
  await expect.poll(() => learn.value('l5-row-2-max')).not.toBe(minmaxRow2);
  await check5('percentile');
  await learn.byId('l5-method').getByLabel('MSE').check();
  await expect(learn.byId('l5-curve').getByRole('heading', { level: 3 })).toContainText('MSE');
  await expect.poll(async () => (await learn.downloadJson<{ method: string }>('l5-download')).method).toBe('mse');
  await check5('mse');
  await learn.screenshot('5');
  await learn.mark('lesson 5, another layer');
  // Another layer: calibrated again image by image, offline, in the page's worker.
  await learn.byId('l5-tensor').selectOption('fire2/squeeze1x1_2');
  await expect(learn.byId('l5-progress')).toBeVisible();
  await expect(learn.byId('l5-row-30-sqnr')).toBeVisible({ timeout: 180_000 });
  const d5b = await check5('mse');
  expect(d5b.tensor).toBe('fire2/squeeze1x1_2');
  await context.setOffline(false);

  // ---- Lesson 6 with the workbench's measurements: build the INT8 model, measure latency, come back.
  await learn.mark('workbench: build INT8');
  await page.getByTestId('mode-workbench').click();
  const workbench = new Workbench(page);
  await workbench.buildInt8();
  const int8Text = await page.getByTestId('int8-size').innerText();
  await learn.mark('workbench: latency');
  await workbench.measureLatency(3);
  await learn.mark('lesson 6');
  await page.getByTestId('mode-learn').click();
  await learn.byId('lesson-link-6').click();
  await expect(learn.byId('l6-measured-size')).toBeVisible();
  const ratio = await learn.value('l6-size-ratio');
  expect(int8Text).toContain(`${(100 * ratio).toFixed(1)}%`);
  same(ratio, (await learn.value('l6-int8-file')) / (await learn.value('l6-fp32-file')), 'INT8 / FP32 size');
  await expect(learn.byId('l6-latency-wasm-1')).toBeVisible();
  expect(await learn.value('l6-latency-wasm-1-fp32')).toBeGreaterThan(0);
  expect(await learn.value('l6-latency-wasm-1-int8')).toBeGreaterThan(0);
  same(await learn.value('l6-speedup-wasm-1'), (await learn.value('l6-latency-wasm-1-fp32')) / (await learn.value('l6-latency-wasm-1-int8')), 'speed-up');
  await learn.screenshot('6-measured');

  test.info().annotations.push({ type: 'main-thread tasks over 50 ms, by phase', description: await learn.longTasksByPhase() });
  // The page did fetch the sample and onnxruntime's WASM (the listener sees workers too), all from its own origin.
  expect(learn.requests.some((u) => u.endsWith('/samples/squeezenet1.1-fp32.onnx'))).toBe(true);
  expect(learn.requests.some((u) => u.endsWith('.wasm'))).toBe(true);
  expect(learn.foreignRequests(baseURL!)).toEqual([]);
  await expect(page.getByRole('alert')).toHaveCount(0);
});
