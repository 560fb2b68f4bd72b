import { memo } from 'react';
import { ChartFrame } from '../../components/ChartFrame';
import { Alert } from '../../components/Alert';
import { Deferred } from '../../components/Deferred';
import { AccuracyChart } from '../../components/charts/AccuracyChart';
import { useStore } from '../../store';
import { rescoreDetection, setDetectionOptions } from '../../store/actions';
import { classMapText, className } from '../../../workers/core/analysis/detection/labels';
import { DECODER_NAMES } from '../../../workers/core/analysis/detection/types';

const ap = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '–');
const drop = (x: number) => (Number.isFinite(x) ? `${x > 0 ? '−' : x < 0 ? '+' : ''}${Math.abs(x).toFixed(3)}` : '–');

/** The decoder and the class map a detector is scored with; a change applies on the next comparison. */
function DetectionSettings() {
  const settings = useStore((s) => s.comparison.detection);
  const busy = useStore((s) => s.comparison.compare.status === 'working');
  const hasResult = useStore((s) => s.comparison.compare.result !== null);
  return (
    <fieldset className="row wrap inline-fields" data-testid="detection-settings">
      <legend>Scoring</legend>
      <label>
        Decoder
        <select value={settings.decoder} onChange={(e) => setDetectionOptions({ decoder: e.target.value })} disabled={busy} data-testid="detection-decoder">
          <option value="">from the outputs</option>
          {DECODER_NAMES.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
      <label>
        Class map
        <input
          type="text"
          value={settings.classes}
          placeholder="e.g. person (model class 0 = label class person)"
          onChange={(e) => setDetectionOptions({ classes: e.target.value })}
          disabled={busy}
          data-testid="detection-classes"
          size={28}
        />
      </label>
      {hasResult ? (
        <button type="button" onClick={() => void rescoreDetection()} disabled={busy} data-testid="detection-rescore">
          Score again with these settings
        </button>
      ) : null}
    </fieldset>
  );
}

/**
 * A detector's task accuracy: FP32 and INT8 AP50 and AP50-95 on the images' YOLO labels, the drop, the
 * decoder that read the outputs (and why), and the settings to change it.
 */
export const Detection = memo(function Detection() {
  const hasBoxes = useStore((s) => (s.data.evaluation.items.length > 0 ? s.data.evaluation.items : s.data.calibration.items).some((i) => i.boxes !== undefined));
  const d = useStore((s) => s.comparison.compare.result?.detection ?? null);
  if (!hasBoxes && !d) return null;
  return (
    <section className="subsection" aria-labelledby="detection-title" data-testid="detection">
      <h3 id="detection-title">Detection accuracy</h3>
      <p className="muted">
        COCO-style average precision on the images' YOLO boxes: AP50 (IoU 0.5) and AP50-95 (mean over IoU 0.50…0.95), per class then averaged over the classes the labels
        show. The boxes are mapped back to each image through the preprocessing.
      </p>
      <DetectionSettings />
      {d && !d.ok ? <Alert problem={d.problem} testId="detection-error" /> : null}
      {d?.ok ? (
        <div className="split agreement">
          <div>
            <p data-testid="detection-decoder-used">
              Decoder <strong>{d.decoder.decoder}</strong> ({d.decoder.chosenBy === 'name' ? 'chosen by name' : 'recognised from the outputs'}): {d.decoder.reason}
            </p>
            <p className="muted" data-testid="detection-counts">
              {d.fp32.images} images, {d.fp32.truths} labelled objects in {d.fp32.perClass.length} class{d.fp32.perClass.length === 1 ? '' : 'es'}
              {d.classMap ? `; class map ${classMapText(d.classMap)}` : ''}
              {d.unlabelled ? `; ${d.unlabelled} image(s) without a label file count as having no objects` : ''}.
            </p>
            <table className="compact" data-testid="detection-table">
              <caption>Average precision (drop: INT8 against FP32)</caption>
              <thead>
                <tr>
                  <th scope="col">Measure</th>
                  <th scope="col">FP32</th>
                  <th scope="col">INT8</th>
                  <th scope="col">Change</th>
                </tr>
              </thead>
              <tbody>
                <tr>
                  <th scope="row">AP50</th>
                  <td data-testid="detection-fp32-ap50">{ap(d.fp32.ap50)}</td>
                  <td data-testid="detection-int8-ap50">{ap(d.int8.ap50)}</td>
                  <td data-testid="detection-drop-ap50">{drop(d.drop.ap50)}</td>
                </tr>
                <tr>
                  <th scope="row">AP50-95</th>
                  <td data-testid="detection-fp32-ap5095">{ap(d.fp32.ap5095)}</td>
                  <td data-testid="detection-int8-ap5095">{ap(d.int8.ap5095)}</td>
                  <td data-testid="detection-drop-ap5095">{drop(d.drop.ap5095)}</td>
                </tr>
              </tbody>
            </table>
            <details>
              <summary>AP50 per class</summary>
              <table className="compact" data-testid="detection-per-class">
                <thead>
                  <tr>
                    <th scope="col">Class</th>
                    <th scope="col">Objects</th>
                    <th scope="col">FP32</th>
                    <th scope="col">INT8</th>
                  </tr>
                </thead>
                <tbody>
                  {d.fp32.perClass.map((c, k) => (
                    <tr key={c.classId}>
                      <th scope="row">{className(c.classId)}</th>
                      <td>{c.truths}</td>
                      <td>{ap(c.ap50)}</td>
                      <td>{ap(d.int8.perClass[k]?.ap50 ?? NaN)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          </div>
          <ChartFrame title="Average precision" summary={`AP50 FP32 ${ap(d.fp32.ap50)}, INT8 ${ap(d.int8.ap50)}; AP50-95 FP32 ${ap(d.fp32.ap5095)}, INT8 ${ap(d.int8.ap5095)}.`} testId="detection-chart">
            <Deferred stage={1} height={210}>
              <AccuracyChart
                yTitle="Average precision (%)"
                groups={[
                  { label: 'AP50', fp32: d.fp32.ap50, int8: d.int8.ap50 },
                  { label: 'AP50-95', fp32: d.fp32.ap5095, int8: d.int8.ap5095 },
                ]}
              />
            </Deferred>
          </ChartFrame>
        </div>
      ) : null}
    </section>
  );
});
