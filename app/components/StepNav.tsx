import { useShallow } from 'zustand/react/shallow';
import { useStore } from '../store';
import { STEPS, stepStatus } from '../store/status';
import { StatusBadge } from './StatusBadge';

/** The pipeline as links to each step, with each step's status. */
export function StepNav() {
  const statuses = useStore(useShallow((s) => STEPS.map((step) => stepStatus(s, step.id).state)));
  const texts = useStore(useShallow((s) => STEPS.map((step) => stepStatus(s, step.id).text)));
  return (
    <nav aria-label="Steps" className="step-nav">
      <ol>
        {STEPS.map((step, i) => (
          <li key={step.id} data-state={statuses[i]}>
            <a href={`#step-${step.id}-title`}>
              <span className="nav-number" aria-hidden="true">
                {step.n}
              </span>
              {step.title}
              <StatusBadge status={{ state: statuses[i], text: texts[i] }} compact />
            </a>
          </li>
        ))}
      </ol>
    </nav>
  );
}
