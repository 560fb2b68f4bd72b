import { useStore } from '../../store';
import { formatDb, formatNumber, formatPercent } from '../../lib/format';

export function Agreement() {
  const r = useStore((s) => s.comparison.compare.result);
  if (!r) return null;
  const a = r.agreement;
  return (
    <div data-testid="comparison">
      <p role="status" data-testid="comparison-summary">
        Compared on {r.images} image(s) in {(r.elapsedMs / 1000).toFixed(1)} s{r.skippedImages.length ? `; ${r.skippedImages.length} image(s) skipped` : ''}.
      </p>
      {a ? (
        <dl className="facts" data-testid="agreement">
          <dt>Top-1 agreement</dt>
          <dd data-testid="top1-agreement">{formatPercent(a.top1Agreement)}</dd>
          <dt>FP32 top-1 in INT8 top-5</dt>
          <dd data-testid="top5-agreement">{formatPercent(a.top5Agreement)}</dd>
          {a.labeled > 0 ? (
            <>
              <dt>Accuracy ({a.labeled} labelled)</dt>
              <dd data-testid="accuracy">
                FP32 top-1 {formatPercent(a.reference.top1)}, top-5 {formatPercent(a.reference.top5)}; INT8 top-1 {formatPercent(a.test.top1)}, top-5 {formatPercent(a.test.top5)}
              </dd>
            </>
          ) : null}
        </dl>
      ) : (
        <p className="muted">The first output does not look like class scores, so there is no top-1 agreement.</p>
      )}
      <table className="compact" data-testid="output-errors">
        <caption>Outputs</caption>
        <thead>
          <tr>
            <th scope="col">Output</th>
            <th scope="col">Cosine</th>
            <th scope="col">SQNR</th>
            <th scope="col">Max abs</th>
          </tr>
        </thead>
        <tbody>
          {r.outputs.map((o) => (
            <tr key={o.name}>
              <th scope="row">{o.name}</th>
              <td className="num">{formatNumber(o.cosine, 5)}</td>
              <td className="num">{formatDb(o.sqnrDb)}</td>
              <td className="num">{formatNumber(o.maxAbs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {r.perLayer ? (
        <div className="table-scroll tall">
          <table className="compact" data-testid="layer-errors">
            <caption>Per layer, in graph order</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Tensor</th>
                <th scope="col">Op</th>
                <th scope="col">SQNR</th>
                <th scope="col">Cosine</th>
                <th scope="col">MSE</th>
                <th scope="col">INT8</th>
              </tr>
            </thead>
            <tbody>
              {r.layers.map((l) => (
                <tr key={l.fp32}>
                  <td className="num">{l.order}</td>
                  <th scope="row">
                    <code>{l.fp32}</code>
                  </th>
                  <td>{l.opType}</td>
                  <td className="num">{formatDb(l.sqnrDb)}</td>
                  <td className="num">{formatNumber(l.cosine, 5)}</td>
                  <td className="num">{formatNumber(l.mse)}</td>
                  <td>{l.quantized ? 'yes' : 'no'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="muted">The INT8 model carries no tensor mapping, so layers are not compared.</p>
      )}
    </div>
  );
}
