/**
 * Paging through a newest-first list with the API's `next` cursor: the cursors of the pages before
 * this one are kept so "Newer" can go back; a change of filter starts again at the first page.
 */
import { useState } from 'preact/hooks';

export interface Pages {
  /** The cursor of the page shown (undefined: the first page). */
  cursor: string | undefined;
  /** 1-based number of the page shown. */
  number: number;
  older(next: string | null | undefined): void;
  newer(): void;
}

export function usePages(filterKey: string): Pages {
  const [cursors, setCursors] = useState<string[]>([]);
  const [lastFilter, setLastFilter] = useState(filterKey);
  if (lastFilter !== filterKey) {
    setLastFilter(filterKey);
    if (cursors.length) setCursors([]);
  }
  const current = lastFilter === filterKey ? cursors : [];
  return {
    cursor: current[current.length - 1],
    number: current.length + 1,
    older: (next) => {
      if (next) setCursors((c) => [...c, next]);
    },
    newer: () => setCursors((c) => c.slice(0, -1)),
  };
}

/** The Newer / Older buttons under a list; nothing when the whole list is on one page. */
export function Pager({ pages, next }: { pages: Pages; next: string | null | undefined }) {
  if (pages.number === 1 && !next) return null;
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" class="btn small" disabled={pages.number === 1} onClick={() => pages.newer()}>
        ← Newer
      </button>
      <span class="muted small">Page {pages.number}</span>
      <button type="button" class="btn small" disabled={!next} onClick={() => pages.older(next)}>
        Older →
      </button>
    </nav>
  );
}
