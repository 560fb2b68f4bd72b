import { useLearn } from './store';
import { formatLearnHash } from './url';

/** Workbench | Learn, in the app header. Links, so either mode can be opened in a new tab too. */
export function ModeSwitch() {
  const mode = useLearn((s) => s.mode);
  const lesson = useLearn((s) => s.lesson);
  const state = useLearn((s) => s.lessons[s.lesson]);
  return (
    <nav className="mode-switch" aria-label="Mode">
      <a href="#workbench" aria-current={mode === 'workbench' ? 'page' : undefined} data-testid="mode-workbench">
        Workbench
      </a>
      <a href={formatLearnHash(lesson, state, false)} aria-current={mode === 'learn' ? 'page' : undefined} data-testid="mode-learn">
        Learn
      </a>
    </nav>
  );
}
