import { memo } from 'react';
import { useStore } from '../../store';
import { selectProvider } from '../../store/actions';

/** Where the models can run, whether each is available here, and why not. */
export const ProviderList = memo(function ProviderList() {
  const providers = useStore((s) => s.comparison.providers);
  const selected = useStore((s) => s.comparison.selected);
  const busy = useStore((s) => s.comparison.latency.status === 'working' || s.comparison.compare.status === 'working');
  return (
    <table className="compact providers" data-testid="providers">
      <caption>Where to run (execution providers); unavailable ones say why</caption>
      <thead>
        <tr>
          <th scope="col">Use</th>
          <th scope="col">Provider</th>
          <th scope="col">Available</th>
          <th scope="col">Details</th>
        </tr>
      </thead>
      <tbody>
        {providers.map((p) => {
          const a = p.availability;
          return (
            <tr key={p.config.id} data-testid={`provider-${p.config.id}`}>
              <td>
                <input
                  type="radio"
                  name="provider"
                  aria-label={`Use ${p.config.label}`}
                  checked={selected === p.config.id}
                  disabled={busy || (a !== null && !a.available)}
                  onChange={() => selectProvider(p.config.id)}
                />
              </td>
              <th scope="row">{p.config.label}</th>
              <td data-testid="provider-available" className={a === null ? 'muted' : a.available ? 'good' : 'warn'}>
                {a === null ? 'checking…' : a.available ? 'yes' : 'no'}
              </td>
              <td data-testid="provider-detail" className={a && !a.available ? 'reason' : 'muted'}>
                {a === null ? '' : a.available ? (a.detail ?? '') : (a.reason ?? '')}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
});
