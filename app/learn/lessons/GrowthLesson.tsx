import { useEffect } from 'react';
import { cancelGrowth, loadTensor, refreshGrowthRows, runGrowth } from '../actions';
import { GrowthChart } from '../charts/GrowthChart';
import { HistogramChart } from '../charts/HistogramChart';
import { METHOD_STYLE, PALETTE } from '../charts/theme';
import { ActivationPicker, Card, DownloadData, GraphLink, LessonFrame, Num, ProblemView, SetupStatus } from '../components';
import { Choice } from '../fields';
import { db, percent, sig } from '../lib/format';
import { mergeMarkerLabels } from '../lib/series';
import { GROWTH_METHODS, type GrowthMethod, type GrowthState } from '../meta';
import { tensorKey, useLearn } from '../store';

const patch = (p: Partial<GrowthState>) => useLearn.getState().patchLesson(5, p);

/** Lesson 5: one layer calibrated again image by image; its range and the SQNR that range gives the full set. */
export function GrowthLesson() {
  const st = useLearn((s) => s.lessons[5]);
  const catalog = useLearn((s) => s.catalog);
  const ready = useLearn((s) => s.setup.status === 'ready');
  const growth = useLearn((s) => s.growth);
  const full = useLearn((s) => (st.tensor ? s.tensors[tensorKey(st.tensor, 'u8', false)] : undefined));
  useEffect(() => {
    if (!st.tensor || !ready) return;
    void loadTensor(st.tensor, 'u8', false);
    const g = useLearn.getState().growth;
    if (g.tensor !== st.tensor || (g.status === 'idle' && g.snapshots.length === 0)) void runGrowth(st.tensor);
  }, [st.tensor, ready]);
  useEffect(() => {
    if (growth.snapshots.length > 0 && growth.rowsMethod !== st.method) void refreshGrowthRows();
  }, [st.method, growth.snapshots.length, growth.rowsMethod]);
  const rows = growth.tensor === st.tensor && growth.rowsMethod === st.method ? growth.rows : [];
  const total = growth.progress?.total ?? rows[rows.length - 1]?.images ?? 0;
  const style = METHOD_STYLE[st.method];
  return (
    <LessonFrame
      id={5}
      lead={
        <p>
          How many calibration images are enough? The layer below is calibrated again, one image at a time. After 1, 2, 4, 8… images its range is computed with the chosen method, and that range
          is applied to the layer's histogram over all the images: the SQNR says how well the first k images would have served the whole set.
        </p>
      }
    >
      <SetupStatus need="calibration" />
      <div className="learn-controls">
        {catalog?.activations.length ? <ActivationPicker label="Layer output" value={st.tensor} options={catalog.activations} onChange={(tensor) => patch({ tensor })} testId="l5-tensor" /> : null}
        <GraphLink node={catalog?.activations.find((a) => a.tensor === st.tensor)?.node} testId="l5-graph" />
        <Choice<GrowthMethod> legend="method" value={st.method} options={GROWTH_METHODS.map((m) => ({ value: m, label: METHOD_STYLE[m].label }))} onChange={(method) => patch({ method })} testId="l5-method" />
        {growth.status === 'working' ? (
          <button type="button" onClick={cancelGrowth} data-testid="l5-cancel">
            Stop
          </button>
        ) : (
          <button type="button" onClick={() => st.tensor && void runGrowth(st.tensor)} disabled={!ready || !st.tensor} data-testid="l5-run">
            Calibrate again, image by image
          </button>
        )}
      </div>
      {growth.status === 'working' && growth.progress ? (
        <p role="status" data-testid="l5-progress">
          Image {growth.progress.done} of {growth.progress.total}…
        </p>
      ) : null}
      {growth.error ? <ProblemView problem={growth.error} onRetry={st.tensor ? () => void runGrowth(st.tensor!) : undefined} /> : null}
      <div className="learn-grid two">
        <Card title={`Range and SQNR as images are added (${style.label})`} testId="l5-curve">
          {rows.length ? <GrowthChart rows={rows} total={total} label={`Range and SQNR of ${st.tensor} against the number of calibration images`} testId="l5-chart" /> : <p className="muted">The curve appears as the images go through the model.</p>}
        </Card>
        <Card title="The full set, and the range from k images" testId="l5-histogram-card">
          {full?.data ? (
            <HistogramChart
              histogram={full.data.view}
              markers={mergeMarkerLabels(
                rows.map((r, i) => ({ x: r.range.max, label: String(r.images), color: i === rows.length - 1 ? PALETTE.vermillion : style.color, dash: i === rows.length - 1 ? undefined : style.dash })),
                (full.data.stats.max - Math.min(0, full.data.stats.min)) / 200,
              )}
              label={`Histogram of ${st.tensor} over all images with the range from the first k images`}
              testId="l5-histogram"
            />
          ) : null}
          <p className="muted small">Each dashed line is the range max from the first k images (labelled k).</p>
        </Card>
      </div>
      {rows.length ? (
        <Card title="Numbers" testId="l5-table-card">
          <table className="learn-table" data-testid="l5-table">
            <thead>
              <tr>
                <th scope="col">images</th>
                <th scope="col">observed</th>
                <th scope="col">range ({style.label})</th>
                <th scope="col">scale</th>
                <th scope="col">SQNR on the full set</th>
                <th scope="col">clipped</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.images} data-testid={`l5-row-${r.images}`}>
                  <th scope="row">{r.images}</th>
                  <td className="num">
                    [{sig(r.observed.min, 5)}, {sig(r.observed.max, 5)}]
                  </td>
                  <td className="num">
                    [<Num value={r.range.min} format={(v) => sig(v, 5)} testId={`l5-row-${r.images}-min`} />, <Num value={r.range.max} format={(v) => sig(v, 5)} testId={`l5-row-${r.images}-max`} />]
                  </td>
                  <td className="num">{sig(r.scale, 4)}</td>
                  <td className="num">
                    <Num value={r.sqnrDb} format={db} testId={`l5-row-${r.images}-sqnr`} />
                  </td>
                  <td className="num">
                    <Num value={r.clippedFraction} format={(v) => percent(v, 4)} testId={`l5-row-${r.images}-clipped`} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted small">
            MinMax only grows as images are added (one bright image sets it for good); the histogram methods settle sooner. The last row is the full calibration itself.
          </p>
          {full?.data ? (
            <DownloadData
              name={`lesson-5-${st.tensor}`}
              data={() => ({ lesson: 5, tensor: st.tensor, method: st.method, grid: { type: 'u8', symmetric: false }, reference: full.data!.stats, snapshots: growth.snapshots, rows })}
              testId="l5-download"
            />
          ) : null}
        </Card>
      ) : null}
    </LessonFrame>
  );
}
