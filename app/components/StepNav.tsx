import { useShallow } from 'zustand/react/shallow';
import { useStore } from '../store';
import { foldFinished, scrollToStep } from '../store/actions';
import { STEPS, stepStatus } from '../store/status';
import { StatusBadge } from './StatusBadge';

/**
 * The pipeline as links to each step, with each step's status, and one line saying what is going on
 * now; it stays at the top of the window (sticky) while the page scrolls.
 */
export function StepNav() {
  const statuses = useStore(useShallow((s) => STEPS.map((step) => stepStatus(s, step.id).state)));
  const texts = useStore(useShallow((s) => STEPS.map((step) => stepStatus(s, step.id).text)));
  const anyFolded = useStore((s) => Object.values(s.ui.folded).some(Boolean));
  // What is happening: a step at work, else the first one that is not done.
  const now = statuses.indexOf('working') >= 0 ? statuses.indexOf('working') : statuses.findIndex((st) => st !== 'done');
  return (
    <nav aria-label="Steps" className="step-nav" data-testid="step-nav">
      <ol>
        {STEPS.map((step, i) => (
          <li key={step.id} data-state={statuses[i]}>
            <a
              href={`#step-${step.id}-title`}
              onClick={(e) => {
                e.preventDefault();
                scrollToStep(step.id);
              }}
            >
              <span className="nav-number" aria-hidden="true">
                {step.n}
              </span>
              {step.title}
              <StatusBadge status={{ state: statuses[i], text: texts[i] }} compact />
            </a>
          </li>
        ))}
        <li className="nav-tools">
          <span className="nav-now" role="status" data-testid="current-status">
            {now >= 0 ? (
              <>
                Now: <strong>{STEPS[now].title}</strong> — {texts[now]}
              </>
            ) : (
              'Every step is done.'
            )}
          </span>
          <button type="button" className="link" onClick={() => foldFinished(!anyFolded)} data-testid="fold-finished">
            {anyFolded ? 'Unfold all steps' : 'Fold finished steps'}
          </button>
        </li>
      </ol>
    </nav>
  );
}
