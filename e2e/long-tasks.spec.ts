/**
 * The page's thread stays free while the workers calibrate: from a fresh page, open the sample and
 * calibrate; no main-thread task may WORK 50 ms or more from the click on Calibrate until the result is
 * shown. Table-driven over the pool size: one worker, and two (a split and a merge).
 *
 * Work is judged by CPU time, from a Chrome trace of the run (each main-thread task's thread time),
 * never by the wall clock: on a loaded two-core machine a task that used 2 ms of CPU can take 130 ms of
 * wall time while it waits for a core, and that is the machine, not the app. The long-task observer's
 * wall-clock entries are printed beside the CPU figures as notes only.
 */
import { expect, note, test, type Workbench } from './fixtures';

const LONG_MS = 50;

interface Run {
  readonly ms: number;
  /** Long tasks (observer, wall clock), with the CPU time the trace gives the task that started with each. */
  readonly long: ReadonlyArray<{ wallMs: number; cpuMs: number | null }>;
  readonly tasks: number;
  readonly cpuMs: number;
  readonly maxCpuMs: number;
}

async function calibrateOnFreshPage(workbench: Workbench, workers: number): Promise<Run> {
  await workbench.goto();
  await workbench.openSample();
  await workbench.step('calibrate').getByTestId('pool-size').fill(String(workers));
  let from = 0;
  let to = 0;
  const trace = await workbench.traceMainThread(async () => {
    from = await workbench.now();
    await workbench.startCalibration();
    // Waits with a cheap query in the page: Playwright's own expect polling runs its selector engine on
    // the page's thread (up to 30-40 ms CPU per poll on this page, measured), which would count as the app's.
    await workbench.page.waitForFunction(
      () => (globalThis as unknown as { document: { querySelector(s: string): unknown } }).document.querySelector('[data-testid="calibration-result"]') !== null,
      undefined,
      { polling: 250, timeout: 300_000 },
    );
    to = await workbench.now();
  });
  await expect(workbench.page.getByTestId('calibration-result')).toContainText(`Calibrated on 30 image(s) with ${workers} worker(s)`);
  const during = trace.filter((t) => t.start >= from && t.start <= to);
  const long = (await workbench.longTaskEntries(from, to)).map((t) => ({
    wallMs: Math.round(t.duration),
    cpuMs: during.find((d) => Math.abs(d.start - t.start) < 2)?.cpuMs ?? null,
  }));
  return { ms: to - from, long, tasks: during.length, cpuMs: during.reduce((s, t) => s + t.cpuMs, 0), maxCpuMs: Math.max(0, ...during.map((t) => t.cpuMs)) };
}

const describe = (run: Run) => (run.long.length ? run.long.map((t) => `${t.wallMs} ms (CPU ${t.cpuMs === null ? '?' : t.cpuMs.toFixed(1)} ms)`).join(', ') : 'none');

for (const workers of [1, 2]) {
  test(`calibration with ${workers} worker(s) leaves the main thread free`, async ({ workbench, page }) => {
    const run = await calibrateOnFreshPage(workbench, workers);
    note(`main-thread tasks over ${LONG_MS} ms of wall time during calibration (${(run.ms / 1000).toFixed(1)} s; not judged)`, describe(run));
    note('main-thread work during calibration (trace)', `${run.tasks} tasks, ${run.cpuMs.toFixed(0)} ms CPU in all, the longest ${run.maxCpuMs.toFixed(1)} ms CPU`);
    expect(run.tasks, 'the trace saw the page thread').toBeGreaterThan(0);
    expect(run.maxCpuMs, 'the longest main-thread task during calibration, in CPU ms').toBeLessThan(LONG_MS);

    // The instrument works: a task that does a fixed amount of work (about 0.3 s of CPU, however busy
    // the machine) on the page's thread is seen with its CPU time.
    const busy = await workbench.traceMainThread(async () => {
      await page.evaluate(
        () =>
          new Promise<number>((done) =>
            setTimeout(() => {
              let x = 0;
              for (let i = 0; i < 300_000_000; i++) x = (x + i * 7) % 1_000_003;
              done(x);
            }),
          ),
      );
    });
    expect(Math.max(0, ...busy.map((t) => t.cpuMs)), 'a task of fixed work, in CPU ms').toBeGreaterThanOrEqual(LONG_MS);
  });
}
