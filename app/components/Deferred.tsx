import { useEffect, useState, type ReactNode } from 'react';

/**
 * Mounts its children `stage` tasks after it mounts itself (a placeholder of the same height until
 * then), so a result that brings several charts at once draws them in separate short tasks instead of
 * one long one that would freeze the page. Later updates go straight through.
 */
export function Deferred(props: { stage: number; height: number; children: ReactNode }) {
  const [ready, setReady] = useState(props.stage <= 0);
  useEffect(() => {
    if (ready) return;
    const timer = setTimeout(() => setReady(true), 20 * props.stage);
    return () => clearTimeout(timer);
  }, [ready, props.stage]);
  return ready ? <>{props.children}</> : <div className="deferred" style={{ height: props.height }} aria-busy="true" />;
}
