/** What a running job keeps in workflow_executions.context (its checkpoint), besides counters. */
export interface ExecutionState {
  pagination?: { next_page: number; last_page: number; stopped_at: number | null };
  crawl?: {
    seen: number;
    max_pages: number;
    max_depth: number;
    scope: 'host' | 'prefix' | 'pattern';
    start: string;
    prefix?: string;
    pattern?: string;
  };
  /** Records the parse stages produced, and the last one's key or URL. */
  items_processed: number;
  last_item_id?: string;
  current_page?: number;
  total_pages?: number;
  stored: { inserted: number; updated: number; unchanged: number; skipped: number };
  /** Failures that make the job FAILED at the end (RETRY exhausted or permanent), and SKIPped ones. */
  hard_failures: number;
  skipped_failures: number;
  retries: number;
  rejected_records: number;
  /** The first few failure reasons, for error_summary. */
  errors: string[];
  fail_reason?: string;
  checkpoint?: { step: string; progress: number };
}

export function emptyState(): ExecutionState {
  return {
    items_processed: 0,
    stored: { inserted: 0, updated: 0, unchanged: 0, skipped: 0 },
    hard_failures: 0,
    skipped_failures: 0,
    retries: 0,
    rejected_records: 0,
    errors: [],
  };
}

export function readState(context: string | null): ExecutionState {
  if (!context) return emptyState();
  try {
    return { ...emptyState(), ...(JSON.parse(context) as Partial<ExecutionState>) };
  } catch {
    return emptyState();
  }
}

export const MAX_ERRORS_KEPT = 10;

export function noteError(state: ExecutionState, reason: string): void {
  if (state.errors.length < MAX_ERRORS_KEPT) state.errors.push(reason.slice(0, 300));
}

/** Per-step figures kept in workflow_executions.step_results. */
export interface StepResult {
  tasks: number;
  succeeded: number;
  failed: number;
  retried: number;
  records: number;
  total_ms: number;
}

export type StepResults = Record<string, StepResult>;

export function readStepResults(text: string | null): StepResults {
  if (!text) return {};
  try {
    return JSON.parse(text) as StepResults;
  } catch {
    return {};
  }
}

export function stepResult(results: StepResults, step: string): StepResult {
  results[step] ??= { tasks: 0, succeeded: 0, failed: 0, retried: 0, records: 0, total_ms: 0 };
  return results[step];
}
