import { useDeferredValue, useEffect, useMemo } from 'react';
import type { CalibrationRange, LearnTensorData } from '../../../workers/contracts';
import { clipMetrics } from '../../../workers/core/learn/lessons';
import { computeQuantParams } from '../../../workers/core/quant/params';
import { loadTensor, retryTensor } from '../actions';
import { HistogramChart, type HistogramMarker } from '../charts/HistogramChart';
import { METHOD_STYLE, PALETTE } from '../charts/theme';
import { ActivationPicker, Card, DownloadData, GraphLink, LessonFrame, LoadState, Num, SetupStatus } from '../components';
import { Check, Choice, NumberField, Slider } from '../fields';
import { clipSliderBounds } from '../lib/series';
import { db, percent, sig } from '../lib/format';
import type { ClipState, QuantType } from '../meta';
import { tensorKey, useLearn } from '../store';

const patch = (p: Partial<ClipState>) => useLearn.getState().patchLesson(3, p);

const METHODS = ['minmax', 'percentile', 'entropy', 'mse'] as const;

function methodRange(data: LearnTensorData, m: (typeof METHODS)[number]): CalibrationRange | undefined {
  return data.ranges[m];
}

function ClipView(props: { data: LearnTensorData; st: ClipState }) {
  const { data, st } = props;
  const h = data.stats.histogram!;
  const minmax = data.ranges.minmax;
  const range = { min: st.min ?? minmax.min, max: st.max ?? minmax.max };
  const m = clipMetrics(h, range, st.type, st.symmetric);
  const params = computeQuantParams(range, { type: st.type, symmetric: st.symmetric, reduceRange: false });
  const bounds = clipSliderBounds({ min: data.stats.min, max: data.stats.max });
  const table = useMemo(
    () =>
      METHODS.flatMap((name) => {
        const r = methodRange(data, name);
        return r ? [{ name, range: r, metrics: clipMetrics(h, r, st.type, st.symmetric) }] : [];
      }),
    [data, h, st.type, st.symmetric],
  );
  const best = table.reduce((b, r) => (r.metrics.mse < b.metrics.mse ? r : b), table[0]);
  // The chart follows a fast slider a frame behind; the numbers never do.
  const chartRange = useDeferredValue(range);
  const markers: HistogramMarker[] = [
    ...table.flatMap((r) => {
      const style = METHOD_STYLE[r.name];
      const out: HistogramMarker[] = [];
      if (r.range.max > 0) out.push({ x: r.range.max, label: style.label, color: style.color, dash: style.dash });
      if (r.range.min < 0) out.push({ x: r.range.min, label: style.label, color: style.color, dash: style.dash });
      return out;
    }),
    { x: chartRange.max, label: 'clip max', color: PALETTE.vermillion, width: 3, position: 'insideBottomRight' },
    ...(chartRange.min < 0 ? [{ x: chartRange.min, label: 'clip min', color: PALETTE.vermillion, width: 3, position: 'insideBottomLeft' as const }] : []),
  ];
  return (
    <>
      <div className="learn-controls">
        {bounds.max ? <Slider label={`clip max = ${sig(range.max, 5)}`} value={range.max} min={bounds.max[0]} max={bounds.max[1]} step={bounds.step} onChange={(max) => patch({ max, min: range.min })} testId="l3-max-slider" /> : null}
        {bounds.min ? <Slider label={`clip min = ${sig(range.min, 5)}`} value={range.min} min={bounds.min[0]} max={bounds.min[1]} step={bounds.step} onChange={(min) => patch({ min, max: range.max })} testId="l3-min-slider" /> : null}
        <NumberField label="min" value={range.min} onChange={(min) => patch({ min, max: range.max })} testId="l3-min" width="7em" />
        <NumberField label="max" value={range.max} onChange={(max) => patch({ max, min: range.min })} testId="l3-max" width="7em" />
      </div>
      <div className="learn-grid wide-left">
        <Card title="Live: this clip range on the real histogram" testId="l3-live">
          <HistogramChart histogram={data.view} clip={chartRange} markers={markers} label={`Histogram of ${data.tensor} with the clip range and where each method puts it`} testId="l3-histogram" tall />
          <p className="muted small">
            Counts on a log scale ({data.stats.count.toLocaleString('en-US')} values from {data.images} images). Shaded: clipped. Dashed: where each method puts the range.
          </p>
        </Card>
        <Card title="The error of this range" testId="l3-metrics">
          <dl className="learn-facts">
            <dt>range</dt>
            <dd>
              [<Num value={range.min} format={(v) => sig(v, 5)} testId="l3-range-min" />, <Num value={range.max} format={(v) => sig(v, 5)} testId="l3-range-max" />]
            </dd>
            <dt>SQNR</dt>
            <dd>
              <Num value={m.sqnrDb} format={db} testId="l3-sqnr" className="big" />
            </dd>
            <dt>MSE</dt>
            <dd>
              <Num value={m.mse} format={(v) => sig(v, 4)} testId="l3-mse" className="big" />
            </dd>
            <dt>clipped</dt>
            <dd>
              <Num value={m.clippedFraction} format={(v) => percent(v, 4)} testId="l3-clipped" className="big" />
            </dd>
            <dt>step</dt>
            <dd>
              scale {sig(params.scale, 4)}, zero-point {params.zeroPoint}
            </dd>
          </dl>
          <p className="note">
            SQNR = 10·log10(mean(x²) / MSE), with the expected squared error of every value of the histogram on this grid (clipping error outside, rounding error inside): the number the MSE method
            minimises.
          </p>
        </Card>
      </div>
      <Card title="Where the methods put it" testId="l3-methods">
        <table className="learn-table" data-testid="l3-method-table">
          <thead>
            <tr>
              <th scope="col">Method</th>
              <th scope="col">Range</th>
              <th scope="col">SQNR</th>
              <th scope="col">MSE</th>
              <th scope="col">Clipped</th>
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {table.map((r) => (
              <tr key={r.name} data-testid={`l3-method-${r.name}`} className={r === best ? 'best' : undefined}>
                <th scope="row">
                  <span className="swatch" style={{ background: METHOD_STYLE[r.name].color }} /> {METHOD_STYLE[r.name].label}
                </th>
                <td className="num">
                  [<Num value={r.range.min} format={(v) => sig(v, 5)} testId={`l3-method-${r.name}-min`} />, <Num value={r.range.max} format={(v) => sig(v, 5)} testId={`l3-method-${r.name}-max`} />]
                </td>
                <td className="num">
                  <Num value={r.metrics.sqnrDb} format={db} testId={`l3-method-${r.name}-sqnr`} />
                </td>
                <td className="num">{sig(r.metrics.mse, 4)}</td>
                <td className="num">{percent(r.metrics.clippedFraction, 4)}</td>
                <td>
                  <button type="button" onClick={() => patch({ min: r.range.min, max: r.range.max })} data-testid={`l3-use-${r.name}`}>
                    Use
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="muted small">
          MinMax clips nothing but spends codes on rare outliers; Percentile drops the top 0.001%; Entropy (TensorRT) keeps the shape of the distribution; MSE picks the range of least expected
          error on this grid. Same statistics, no recalibration: switching costs nothing.
        </p>
        <DownloadData name={`lesson-3-${data.tensor}`} data={() => ({ lesson: 3, tensor: data.tensor, grid: data.grid, range, metrics: m, stats: data.stats, ranges: data.ranges })} testId="l3-download" />
      </Card>
    </>
  );
}

/** Lesson 3: a clip range over a real histogram, its live error, and where each method would put it. */
export function ClipLesson() {
  const st = useLearn((s) => s.lessons[3]);
  const catalog = useLearn((s) => s.catalog);
  const data = useLearn((s) => (st.tensor ? s.tensors[tensorKey(st.tensor, st.type, st.symmetric)] : undefined));
  useEffect(() => {
    if (st.tensor && catalog?.activations.length) void loadTensor(st.tensor, st.type, st.symmetric);
  }, [st.tensor, st.type, st.symmetric, catalog]);
  return (
    <LessonFrame
      id={3}
      lead={
        <p>
          The range decides the step: a wide range clips nothing but rounds coarsely; a narrow one rounds finely but clips the tail. Move the clip range over the real histogram of a layer and
          watch the expected error, in dB of SQNR (higher is better), and the share of values clipped.
        </p>
      }
    >
      <SetupStatus need="calibration" />
      <div className="learn-controls">
        {catalog?.activations.length ? <ActivationPicker label="Tensor" value={st.tensor} options={catalog.activations} onChange={(tensor) => patch({ tensor, min: null, max: null })} testId="l3-tensor" /> : null}
        <Choice<QuantType>
          legend="grid"
          value={st.type}
          options={[
            { value: 'u8', label: 'u8' },
            { value: 's8', label: 's8' },
          ]}
          onChange={(type) => patch({ type })}
          testId="l3-type"
        />
        <Check label="symmetric" checked={st.symmetric} onChange={(symmetric) => patch({ symmetric })} testId="l3-symmetric" />
        <GraphLink node={catalog?.activations.find((a) => a.tensor === st.tensor)?.node} testId="l3-graph" />
      </div>
      {data?.data ? <ClipView data={data.data} st={st} /> : catalog?.activations.length ? <LoadState value={data} what="the histogram and every method's range" onRetry={st.tensor ? () => retryTensor(st.tensor!, st.type, st.symmetric) : undefined} /> : null}
    </LessonFrame>
  );
}
