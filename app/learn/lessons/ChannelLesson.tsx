import { useEffect, useMemo } from 'react';
import type { LearnWeightData } from '../../../workers/contracts';
import { computeQuantParams } from '../../../workers/core/quant/params';
import { loadWeight } from '../actions';
import { ChannelErrorChart } from '../charts/ChannelErrorChart';
import { ChannelRangeChart } from '../charts/ChannelRangeChart';
import { Card, DownloadData, GraphLink, LayerPicker, LessonFrame, LoadState, Num, SetupStatus } from '../components';
import { Choice, NumberField } from '../fields';
import { channelSummary, sortChannels } from '../lib/series';
import { db, sig } from '../lib/format';
import type { ChannelSort, ChannelState } from '../meta';
import { useLearn } from '../store';

const patch = (p: Partial<ChannelState>) => useLearn.getState().patchLesson(4, p);

const S8 = { type: 's8' as const, symmetric: true, reduceRange: false };

function ChannelView(props: { data: LearnWeightData; st: ChannelState }) {
  const { data, st } = props;
  const rows = data.channels;
  const summary = useMemo(() => channelSummary(rows), [rows]);
  const sorted = useMemo(() => sortChannels(rows, st.sort), [rows, st.sort]);
  const channel = Math.min(Math.max(0, st.channel), rows.length - 1);
  const row = rows[channel];
  const tensorScale = computeQuantParams({ min: data.stats.min, max: data.stats.max }, S8).scale;
  const channelScale = computeQuantParams({ min: row.min, max: row.max }, S8).scale;
  return (
    <>
      <div className="learn-grid two">
        <Card title={`${data.node}: ${rows.length} output channels, one scale each or one for all`} testId="l4-summary">
          <table className="learn-table" data-testid="l4-summary-table">
            <thead>
              <tr>
                <th scope="col" />
                <th scope="col">per tensor</th>
                <th scope="col">per channel</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <th scope="row">median channel SQNR</th>
                <td className="num">
                  <Num value={summary.medianPerTensor} format={db} testId="l4-median-pt" />
                </td>
                <td className="num">
                  <Num value={summary.medianPerChannel} format={db} testId="l4-median-pc" />
                </td>
              </tr>
              <tr>
                <th scope="row">
                  worst channel (<Num value={summary.worstChannel} format={(v) => `#${v}`} testId="l4-worst-channel" />)
                </th>
                <td className="num">
                  <Num value={summary.worstPerTensor} format={db} testId="l4-worst-pt" />
                </td>
                <td className="num">
                  <Num value={summary.worstPerChannelOfWorst} format={db} testId="l4-worst-pc" />
                </td>
              </tr>
            </tbody>
          </table>
          <p className="note">
            One s8 symmetric scale for the whole weight is set by its largest value (scale {sig(tensorScale, 4)}); a channel whose weights are small gets only a few of the 255 codes. Per channel, each
            output channel gets its own scale: ONNX Runtime's QLinearConv takes a vector of weight scales at no extra cost.
          </p>
        </Card>
        <Card title="One channel" testId="l4-channel">
          <div className="learn-controls">
            <NumberField label="channel" value={channel} min={0} max={rows.length - 1} step={1} onChange={(c) => patch({ channel: Math.round(c) })} testId="l4-channel-input" width="6em" />
            <button type="button" onClick={() => patch({ channel: summary.worstChannel })} data-testid="l4-show-worst">
              Show the worst
            </button>
          </div>
          <dl className="learn-facts">
            <dt>range</dt>
            <dd>
              [<Num value={row.min} format={(v) => sig(v, 4)} testId="l4-channel-min" />, <Num value={row.max} format={(v) => sig(v, 4)} testId="l4-channel-max" />]
            </dd>
            <dt>per-tensor</dt>
            <dd>
              <Num value={row.perTensorSqnrDb} format={db} testId="l4-channel-pt" className="big" /> (scale {sig(tensorScale, 4)}, {Math.round(Math.max(Math.abs(row.min), Math.abs(row.max)) / tensorScale)} codes
              each side)
            </dd>
            <dt>per-channel</dt>
            <dd>
              <Num value={row.perChannelSqnrDb} format={db} testId="l4-channel-pc" className="big" /> (scale {sig(channelScale, 4)}, 127 codes each side)
            </dd>
          </dl>
        </Card>
      </div>
      <div className="learn-controls">
        <Choice<ChannelSort>
          legend="channel order"
          value={st.sort}
          options={[
            { value: 'channel', label: 'by index' },
            { value: 'range', label: 'by range' },
          ]}
          onChange={(sort) => patch({ sort })}
          testId="l4-sort"
        />
      </div>
      <div className="learn-grid two">
        <Card title="Each channel's weight range">
          <ChannelRangeChart rows={sorted} selected={channel} label={`Weight range of each output channel of ${data.node}`} testId="l4-ranges-chart" />
        </Card>
        <Card title="Each channel's error under both schemes">
          <ChannelErrorChart rows={sorted} selected={channel} label={`SQNR of each output channel of ${data.node}, per tensor and per channel`} testId="l4-errors-chart" />
        </Card>
      </div>
      <DownloadData name={`lesson-4-${data.node}`} data={() => ({ lesson: 4, node: data.node, weight: data.tensor, dims: data.dims, channels: data.channels })} testId="l4-download" />
    </>
  );
}

/** Lesson 4: a real Conv weight quantized with one scale per tensor or one per output channel. */
export function ChannelLesson() {
  const st = useLearn((s) => s.lessons[4]);
  const catalog = useLearn((s) => s.catalog);
  const data = useLearn((s) => (st.layer ? s.weights[st.layer] : undefined));
  useEffect(() => {
    if (st.layer && catalog?.weights.length) void loadWeight(st.layer);
  }, [st.layer, catalog]);
  return (
    <LessonFrame
      id={4}
      lead={
        <p>
          The output channels of a convolution are separate filters, and their weights can differ in size by orders of magnitude. The layer preselected is the one of this model where they differ
          most.
        </p>
      }
    >
      <SetupStatus need="model" />
      {catalog && catalog.weights.length === 0 ? <p className="note">This model has no Conv layer with constant weights.</p> : null}
      <div className="learn-controls">
        {catalog?.weights.length ? <LayerPicker label="Conv layer" value={st.layer} options={catalog.weights} onChange={(layer) => patch({ layer, channel: 0 })} testId="l4-layer" showSpread /> : null}
        <GraphLink node={st.layer} testId="l4-graph" />
      </div>
      {data?.data ? <ChannelView data={data.data} st={st} /> : catalog?.weights.length ? <LoadState value={data} what="the per-channel errors" /> : null}
    </LessonFrame>
  );
}
