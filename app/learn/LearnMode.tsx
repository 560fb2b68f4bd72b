/**
 * Learn mode: seven interactive lessons on the real tensors of the open model (the embedded sample by
 * default), computed with the quantizer's own engine. The lesson bar, previous/next, presenting mode
 * and what the lessons run on; the URL follows every control (route.ts).
 */
import type { ReactElement } from 'react';
import { useStore } from '../store';
import { BeyondLesson } from './lessons/BeyondLesson';
import { ChannelLesson } from './lessons/ChannelLesson';
import { ClipLesson } from './lessons/ClipLesson';
import { GrowthLesson } from './lessons/GrowthLesson';
import { ScaleLesson } from './lessons/ScaleLesson';
import { SizeLesson } from './lessons/SizeLesson';
import { SymmetryLesson } from './lessons/SymmetryLesson';
import { LESSON_IDS, LESSONS, type LessonId } from './meta';
import { goToLesson, setPresenting } from './route';
import { useLearn } from './store';
import { formatLearnHash } from './url';

const VIEWS: Record<LessonId, () => ReactElement> = {
  1: ScaleLesson,
  2: SymmetryLesson,
  3: ClipLesson,
  4: ChannelLesson,
  5: GrowthLesson,
  6: SizeLesson,
  7: BeyondLesson,
};

function Source() {
  const setup = useLearn((s) => s.setup.status);
  const catalog = useLearn((s) => s.catalog);
  const source = useStore((s) => s.model.source);
  if (!catalog) return null;
  return (
    <p className="learn-source muted" data-testid="learn-source" data-status={setup}>
      On the real tensors of <strong>{catalog.model}</strong>
      {source === 'sample' ? ' (the embedded sample)' : ''}
      {catalog.images ? `, calibrated on ${catalog.images} image${catalog.images === 1 ? '' : 's'}` : ''}. Open another model or other images in the <a href="#workbench">Workbench</a>; the
      lessons follow.
    </p>
  );
}

export function LearnMode() {
  const lesson = useLearn((s) => s.lesson);
  const lessons = useLearn((s) => s.lessons);
  const presenting = useLearn((s) => s.presenting);
  const View = VIEWS[lesson];
  return (
    <div className="learn" data-testid="learn" data-lesson={lesson}>
      <div className="learn-bar">
        <nav aria-label="Lessons" className="lesson-nav">
          <ol>
            {LESSON_IDS.map((id) => (
              <li key={id}>
                <a href={formatLearnHash(id, lessons[id], presenting)} aria-current={id === lesson ? 'step' : undefined} data-testid={`lesson-link-${id}`}>
                  <span className="lesson-nav-number">{id}</span> <span className="lesson-nav-label">{LESSONS[id].short}</span>
                </a>
              </li>
            ))}
          </ol>
        </nav>
        <div className="learn-actions">
          <button type="button" onClick={() => goToLesson((lesson - 1) as LessonId)} disabled={lesson === 1} aria-label="Previous lesson" data-testid="lesson-prev">
            ←
          </button>
          <button type="button" onClick={() => goToLesson((lesson + 1) as LessonId)} disabled={lesson === 7} aria-label="Next lesson" data-testid="lesson-next">
            →
          </button>
          <button type="button" className={presenting ? 'primary' : undefined} aria-pressed={presenting} onClick={() => setPresenting(!presenting)} data-testid="present-toggle" title="Large type for a projector (Esc leaves)">
            {presenting ? 'Stop presenting' : 'Present'}
          </button>
        </div>
      </div>
      <Source />
      <View />
      <p className="learn-keys muted">
        <kbd>←</kbd> <kbd>→</kbd> or <kbd>PageUp</kbd> <kbd>PageDown</kbd>: previous / next lesson · <kbd>1</kbd>–<kbd>7</kbd>: a lesson · <kbd>Esc</kbd>: stop presenting · the address
        bar reopens this lesson as it is.
      </p>
    </div>
  );
}
