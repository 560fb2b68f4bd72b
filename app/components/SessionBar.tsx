import { useEffect } from 'react';
import { useStore, type Theme } from '../store';
import { dismissSessionNote, newSession, setTheme, startCalibration } from '../store/actions';

/** What a reload brought back (or why it could not), "New session", and the theme. */
export function SessionBar() {
  const session = useStore((s) => s.ui.session);
  const theme = useStore((s) => s.ui.theme);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  return (
    <div className="session-bar">
      {session.note ? (
        <p className={`session-note ${session.status === 'error' ? 'warn' : ''}`} role="status" data-testid="session-note" data-status={session.status}>
          {session.note}
          {session.calibrationInterrupted ? (
            <>
              {' '}
              A calibration was running when the page closed.{' '}
              <button type="button" className="link" onClick={() => void startCalibration()} data-testid="session-recalibrate">
                Calibrate again
              </button>
            </>
          ) : null}{' '}
          {session.status !== 'restoring' ? (
            <button type="button" className="link" onClick={dismissSessionNote}>
              Dismiss
            </button>
          ) : null}
        </p>
      ) : null}
      <label className="theme-choice">
        Theme
        <select value={theme} onChange={(e) => setTheme(e.target.value as Theme)} data-testid="theme-select">
          <option value="auto">as the system</option>
          <option value="light">light</option>
          <option value="dark">dark</option>
        </select>
      </label>
      <button
        type="button"
        onClick={() => {
          if (window.confirm('Start a new session? The model, images, calibration and comparisons kept in this browser are forgotten.')) void newSession();
        }}
        data-testid="new-session"
        title="Forget the model, images, calibration and comparisons kept in this browser"
      >
        New session
      </button>
    </div>
  );
}
