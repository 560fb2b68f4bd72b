import { useEffect, useMemo } from 'react';
import type { LearnTensorData } from '../../../workers/contracts';
import { codeHistogram, codeOf } from '../../../workers/core/learn/codes';
import { clipMetrics, codeUsage } from '../../../workers/core/learn/lessons';
import { computeQuantParams, qRange } from '../../../workers/core/quant/params';
import { loadTensor, loadWeight } from '../actions';
import { CodeHistogramChart } from '../charts/CodeHistogramChart';
import { ActivationPicker, Card, DownloadData, LayerPicker, LessonFrame, LoadState, Num, SetupStatus } from '../components';
import { Choice } from '../fields';
import { db, percent, sig } from '../lib/format';
import type { QuantType, SymmetryState } from '../meta';
import { tensorKey, useLearn } from '../store';

const patch = (p: Partial<SymmetryState>) => useLearn.getState().patchLesson(2, p);

interface Scheme {
  readonly id: 'asym' | 'sym';
  readonly type: QuantType;
  readonly symmetric: boolean;
  readonly title: string;
}

function schemeNumbers(data: LearnTensorData, s: Scheme) {
  const h = data.stats.histogram!;
  const observed = { min: data.stats.min, max: data.stats.max };
  const p = computeQuantParams(observed, { type: s.type, symmetric: s.symmetric, reduceRange: false });
  const q = qRange(s.type, { symmetric: s.symmetric, reduceRange: false });
  const grid = { scale: p.scale, zeroPoint: p.zeroPoint, ...q };
  return {
    grid,
    counts: codeHistogram(h, grid),
    reach: { lo: codeOf(observed.min, grid), hi: codeOf(observed.max, grid) },
    usage: codeUsage(observed, s.type, s.symmetric),
    metrics: clipMetrics(h, observed, s.type, s.symmetric),
  };
}

function SchemePanel(props: { data: LearnTensorData; scheme: Scheme; prefix: string }) {
  const { data, scheme, prefix } = props;
  const n = useMemo(() => schemeNumbers(data, scheme), [data, scheme]);
  const id = `${prefix}-${scheme.id}`;
  return (
    <div className="scheme" data-testid={id}>
      <h4>{scheme.title}</h4>
      <p className="scheme-numbers">
        uses <Num value={n.usage.used} format={String} testId={`${id}-used`} className="big" /> of <Num value={n.usage.total} format={String} testId={`${id}-total`} /> codes ·{' '}
        <Num value={n.usage.wastedFraction} format={(v) => percent(v, 1)} testId={`${id}-wasted`} className="big" /> wasted · SQNR <Num value={n.metrics.sqnrDb} format={db} testId={`${id}-sqnr`} />
      </p>
      <p className="muted small">
        scale {sig(n.grid.scale, 4)}, zero-point {n.grid.zeroPoint}, codes {n.grid.qmin}…{n.grid.qmax}; the data reaches codes {n.reach.lo}…{n.reach.hi}.
      </p>
      <CodeHistogramChart counts={n.counts} qmin={n.grid.qmin} qmax={n.grid.qmax} zeroPoint={n.grid.zeroPoint} reach={n.reach} label={`${data.tensor}: values per code, ${scheme.title}`} testId={`${id}-chart`} />
    </div>
  );
}

/** Lesson 2: the same real tensor on an asymmetric and a symmetric grid; the unused codes are shaded. */
export function SymmetryLesson() {
  const st = useLearn((s) => s.lessons[2]);
  const catalog = useLearn((s) => s.catalog);
  const act = useLearn((s) => (st.activation ? s.tensors[tensorKey(st.activation, 'u8', false)] : undefined));
  const weight = useLearn((s) => (st.weight ? s.weights[st.weight] : undefined));
  useEffect(() => {
    if (st.activation && catalog?.activations.length) void loadTensor(st.activation, 'u8', false);
  }, [st.activation, catalog]);
  useEffect(() => {
    if (st.weight && catalog?.weights.length) void loadWeight(st.weight);
  }, [st.weight, catalog]);
  const schemes = useMemo<readonly Scheme[]>(
    () => [
      { id: 'asym', type: 'u8', symmetric: false, title: 'Asymmetric u8: the zero-point moves to fit the data' },
      { id: 'sym', type: st.symType, symmetric: true, title: `Symmetric ${st.symType}: zero-point ${st.symType === 's8' ? '0' : '128'}, the range is ±max|x|` },
    ],
    [st.symType],
  );
  const postRelu = (a: { opType: string; min: number }) => a.opType === 'Relu' || a.min >= 0;
  return (
    <LessonFrame
      id={2}
      lead={
        <p>
          A symmetric grid puts the zero-point in the middle and covers [−max|x|, +max|x|]. After a ReLU nothing is negative, so the whole negative half of the codes is never used: one bit of the eight
          is thrown away, and the step (and the rounding noise) doubles, about 6 dB of SQNR. Weights are spread around 0, so for them symmetric costs little and saves the zero-point arithmetic:
          that is why activations are u8 asymmetric and weights s8 symmetric.
        </p>
      }
    >
      <SetupStatus need="calibration" />
      <div className="learn-controls">
        {catalog?.activations.length ? (
          <ActivationPicker label="Post-ReLU activation" value={st.activation} options={catalog.activations} filter={postRelu} onChange={(activation) => patch({ activation })} testId="l2-activation" />
        ) : null}
        {catalog?.weights.length ? <LayerPicker label="Conv weight" value={st.weight} options={catalog.weights} onChange={(w) => patch({ weight: w })} testId="l2-weight" /> : null}
        <Choice<QuantType>
          legend="symmetric grid"
          value={st.symType}
          options={[
            { value: 's8', label: 's8 (zero-point 0)' },
            { value: 'u8', label: 'u8 (zero-point 128)' },
          ]}
          onChange={(symType) => patch({ symType })}
          testId="l2-symtype"
        />
      </div>
      <div className="learn-grid two">
        <Card title={st.activation ? `Activation ${st.activation}` : 'Activation'} testId="l2-activation-card">
          {act?.data ? (
            <>
              <p className="muted small" data-testid="l2-act-observed">
                observed [<Num value={act.data.stats.min} format={(v) => sig(v, 5)} testId="l2-act-min" />, <Num value={act.data.stats.max} format={(v) => sig(v, 5)} testId="l2-act-max" />] over{' '}
                {act.data.images} images, {percent(act.data.stats.histogram!.zeroCount / act.data.stats.count, 0)} exact zeros
              </p>
              {schemes.map((s) => (
                <SchemePanel key={s.id} data={act.data!} scheme={s} prefix="l2-act" />
              ))}
              <DownloadData name={`lesson-2-${act.data.tensor}`} data={() => ({ lesson: 2, tensor: act.data!.tensor, stats: act.data!.stats, schemes })} testId="l2-act-download" />
            </>
          ) : catalog?.activations.length ? (
            <LoadState value={act} what="the activation's statistics" />
          ) : null}
        </Card>
        <Card title={weight?.data ? `Weight ${weight.data.tensor}` : 'Weight'} testId="l2-weight-card">
          {weight?.data ? (
            <>
              <p className="muted small">
                observed [<Num value={weight.data.stats.min} format={(v) => sig(v, 5)} testId="l2-w-min" />, <Num value={weight.data.stats.max} format={(v) => sig(v, 5)} testId="l2-w-max" />],{' '}
                {weight.data.stats.count.toLocaleString('en-US')} values
              </p>
              {schemes.map((s) => (
                <SchemePanel key={s.id} data={weight.data!} scheme={s} prefix="l2-w" />
              ))}
            </>
          ) : catalog?.weights.length ? (
            <LoadState value={weight} what="the weight's histogram" />
          ) : null}
        </Card>
      </div>
    </LessonFrame>
  );
}
