import { isTerminalJobStatus } from '@crawlflow/contracts';
import type { Json } from './api-client';

/** The parts of `GET /api/jobs/:id` that progress and summaries read. */
export interface JobView {
  id: string;
  status: string;
  processed: number;
  total: number;
  percent: number;
  succeeded: number;
  failed: number;
  currentStep: string | null;
  retries: number;
  stored: { inserted: number; updated: number; unchanged: number; skipped: number };
  itemsProcessed: number;
  errorSummary: string | null;
  startedAt: Date | null;
  completedAt: Date | null;
  stepResults: Record<string, { tasks: number; succeeded: number; failed: number; records: number }>;
}

const num = (value: unknown): number => (Number.isFinite(Number(value)) ? Number(value) : 0);
const record = (value: unknown): Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
const date = (value: unknown): Date | null => {
  if (typeof value !== 'string' || value === '') return null;
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? null : parsed;
};

export function jobView(job: Json): JobView {
  const progress = record(job.progress);
  const execution = record(job.execution);
  const context = record(execution.context);
  const stored = record(context.stored);
  const steps = record(execution.step_results);
  return {
    id: String(job.id),
    status: String(job.status),
    processed: num(progress.processed ?? job.processed_items),
    total: num(progress.total ?? job.total_items),
    percent: num(progress.percent),
    succeeded: num(job.success_count),
    failed: num(job.failed_count),
    currentStep: typeof execution.current_step === 'string' ? execution.current_step : null,
    retries: num(context.retries),
    stored: {
      inserted: num(stored.inserted),
      updated: num(stored.updated),
      unchanged: num(stored.unchanged),
      skipped: num(stored.skipped),
    },
    itemsProcessed: num(context.items_processed),
    errorSummary: typeof job.error_summary === 'string' && job.error_summary ? job.error_summary : null,
    startedAt: date(job.started_at),
    completedAt: date(job.completed_at),
    stepResults: Object.fromEntries(
      Object.entries(steps).map(([name, raw]) => {
        const figures = record(raw);
        return [
          name,
          {
            tasks: num(figures.tasks),
            succeeded: num(figures.succeeded),
            failed: num(figures.failed),
            records: num(figures.records),
          },
        ];
      }),
    ),
  };
}

export function isTerminal(status: string): boolean {
  return isTerminalJobStatus(status);
}

/** Seconds as `4s`, `2m05s`, `1h02m`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
