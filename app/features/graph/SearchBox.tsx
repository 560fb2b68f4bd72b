import { useMemo, useState } from 'react';
import type { GraphLayout, GraphView } from '../../../workers/contracts';
import { unitOf } from '../../../workers/core/layout/layered';
import { useStore } from '../../store';
import { focusNode, selectGraphNode, setGraphSearch } from '../../store/actions';

const MAX_RESULTS = 10;

export interface SearchHit {
  /** The node to go to. */
  readonly node: string;
  /** What matched: the node itself, or a tensor it writes or reads. */
  readonly text: string;
  readonly kind: 'node' | 'tensor';
}

/** Nodes (by id, name or op) and tensors (by name, going to their producer) that contain the query. */
export function searchHits(view: GraphView, query: string, max = MAX_RESULTS): SearchHit[] {
  const q = query.trim().toLowerCase();
  if (q.length < 2) return [];
  const hits: SearchHit[] = [];
  for (const n of view.nodes) {
    if (n.id.toLowerCase().includes(q) || n.opType.toLowerCase() === q) hits.push({ node: n.id, text: n.id, kind: 'node' });
    if (hits.length >= max) return hits;
  }
  const seen = new Set(hits.map((h) => h.node));
  for (const n of view.nodes) {
    const t = [...n.outputs, ...n.weights.map((w) => w.name)].find((x) => x.toLowerCase().includes(q));
    if (t && !seen.has(n.id)) {
      hits.push({ node: n.id, text: t, kind: 'tensor' });
      seen.add(n.id);
    }
    if (hits.length >= max) break;
  }
  return hits;
}

/** The boxes drawn for every hit (a node inside a collapsed block marks the block). */
export function searchMatches(view: GraphView, layout: GraphLayout, query: string): Set<string> {
  const hits = searchHits(view, query, 500);
  if (hits.length === 0) return new Set();
  const unit = unitOf(view, layout.collapsed);
  return new Set(hits.map((h) => unit.get(h.node) ?? h.node));
}

/** Search by node or tensor name: the matches are outlined on the graph; Enter or a click goes to one. */
export function SearchBox() {
  const query = useStore((s) => s.graph.search);
  const view = useStore((s) => s.graph.views[s.graph.variant]);
  const [open, setOpen] = useState(false);
  const hits = useMemo(() => (view ? searchHits(view, query) : []), [view, query]);
  const go = (node: string) => {
    setOpen(false);
    void focusNode(node).then(() => selectGraphNode(node));
  };
  return (
    <div className="graph-search">
      <label>
        <span className="sr-only">Search nodes and tensors</span>
        <input
          type="search"
          placeholder="Search node or tensor ( / )"
          value={query}
          onChange={(e) => {
            setGraphSearch(e.target.value);
            setOpen(true);
          }}
          onFocus={() => setOpen(true)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && hits[0]) {
              e.preventDefault();
              go(hits[0].node);
            }
          }}
          aria-controls={open && hits.length > 0 ? 'graph-search-results' : undefined}
          aria-expanded={open && hits.length > 0}
          role="combobox"
          aria-autocomplete="list"
          data-testid="graph-search"
        />
      </label>
      {open && hits.length > 0 ? (
        <ul id="graph-search-results" className="graph-search-results" data-testid="graph-search-results">
          {hits.map((h) => (
            <li key={`${h.kind}:${h.node}`}>
              <button type="button" className="link mono" onClick={() => go(h.node)}>
                {h.text}
                {h.kind === 'tensor' ? <span className="muted"> (tensor of {h.node})</span> : null}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
