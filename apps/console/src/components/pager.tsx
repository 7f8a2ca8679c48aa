import { useEffect, useState } from 'preact/hooks';

/**
 * Keyset paging over `next_cursor`: the cursors of the pages seen so far are kept, so that
 * "Previous" returns to them. `reset` (e.g. the filters) starts again from the first page.
 */
export function useCursorPages(reset: string) {
  const [state, setState] = useState<{ reset: string; stack: Array<string | null> }>({
    reset,
    stack: [null],
  });
  // New filters start from the first page, and forget the pages of the old ones.
  useEffect(() => setState((last) => (last.reset === reset ? last : { reset, stack: [null] })), [reset]);
  const stack = state.reset === reset ? state.stack : [null];
  const cursor = stack[stack.length - 1];
  return {
    cursor,
    page: stack.length,
    next: (nextCursor: string) => setState({ reset, stack: [...stack, nextCursor] }),
    previous: () => setState({ reset, stack: stack.length > 1 ? stack.slice(0, -1) : stack }),
  };
}

export function Pager({
  page,
  hasNext,
  onNext,
  onPrevious,
  label,
}: {
  page: number;
  hasNext: boolean;
  onNext: () => void;
  onPrevious: () => void;
  label: string;
}) {
  return (
    <nav class="pager" aria-label={`${label} pages`}>
      <button type="button" class="button" onClick={onPrevious} disabled={page <= 1}>
        ← Previous
      </button>
      <span class="muted">page {page}</span>
      <button type="button" class="button" onClick={onNext} disabled={!hasNext}>
        Next →
      </button>
    </nav>
  );
}
