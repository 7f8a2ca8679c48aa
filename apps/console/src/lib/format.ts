// Pure helpers of the console: figures as an operator reads them. No DOM here (unit-tested).
import type { ExecutionContext, Job, StepResult } from './types';

export function percent(ratio: number | null | undefined, digits = 1): string {
  if (ratio === null || ratio === undefined || Number.isNaN(ratio)) return '—';
  return `${(ratio * 100).toFixed(digits)}%`;
}

export function count(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return value.toLocaleString('en-US');
}

/** 0.4 s, 12 s, 3 min 5 s, 30 min, 2 h 10 min, 3 d 4 h (a zero second unit is left out). */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  if (seconds < 10) return `${Math.max(0, seconds).toFixed(1)} s`;
  const s = Math.round(seconds);
  const two = (big: number, bigUnit: string, small: number, smallUnit: string) =>
    small === 0 ? `${big} ${bigUnit}` : `${big} ${bigUnit} ${small} ${smallUnit}`;
  if (s < 60) return `${s} s`;
  if (s < 3600) return two(Math.floor(s / 60), 'min', s % 60, 's');
  if (s < 86_400) return two(Math.floor(s / 3600), 'h', Math.floor((s % 3600) / 60), 'min');
  return two(Math.floor(s / 86_400), 'd', Math.floor((s % 86_400) / 3600), 'h');
}

/** An axis label: one unit, at most one decimal (0.4s, 45s, 15m, 1.5h, 2d). */
export function shortDuration(seconds: number): string {
  const one = (value: number, unit: string) => `${Number(value.toFixed(value < 10 ? 1 : 0))}${unit}`;
  if (seconds < 60) return one(seconds, 's');
  if (seconds < 3600) return one(seconds / 60, 'm');
  if (seconds < 86_400) return one(seconds / 3600, 'h');
  return one(seconds / 86_400, 'd');
}

/** 2026-12-03 09:00:00, in the browser's zone or in `timeZone` (then with its offset: GMT+9, UTC). */
export function dateTime(value: string | null | undefined, timeZone?: string): string {
  if (!value) return '—';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    ...(timeZone ? { timeZoneName: 'short' } : {}),
  }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    parts.find((entry) => entry.type === type)?.value ?? '';
  const zone = timeZone ? ` ${part('timeZoneName')}` : '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')}${zone}`;
}

export interface JobPace {
  /** processed / total in 0..1, or null when the total is not known yet. */
  fraction: number | null;
  /** Items per second since the job started. */
  rate: number | null;
  /** Seconds until the total is reached at that rate. */
  etaSeconds: number | null;
  /** Seconds the job has run (until now, or until it completed). */
  elapsedSeconds: number | null;
}

/** Progress, rate and ETA of a job from its counters and timestamps. */
export function jobPace(job: Job, now: number = Date.now()): JobPace {
  const total = job.total_items;
  const processed = job.processed_items;
  const fraction = total > 0 ? Math.min(1, processed / total) : isFinished(job.status) ? 1 : null;
  const started = job.started_at ? Date.parse(job.started_at) : NaN;
  if (Number.isNaN(started)) return { fraction, rate: null, etaSeconds: null, elapsedSeconds: null };
  const end = job.completed_at ? Date.parse(job.completed_at) : now;
  const elapsedSeconds = Math.max(0, (end - started) / 1000);
  const rate = elapsedSeconds > 0 && processed > 0 ? processed / elapsedSeconds : null;
  const etaSeconds = !isFinished(job.status) && rate && total > processed ? (total - processed) / rate : null;
  return { fraction, rate, etaSeconds, elapsedSeconds };
}

export function isFinished(status: string): boolean {
  return status === 'SUCCESS' || status === 'FAILED' || status === 'CANCELLED';
}

export type JobAction = 'cancel' | 'pause' | 'resume' | 'retry';

/** Which controls the job's state allows (the API answers 409 to the others). */
export function allowedActions(job: Job, executionStatus: string | null | undefined): Set<JobAction> {
  const allowed = new Set<JobAction>();
  if (!isFinished(job.status)) allowed.add('cancel');
  if (job.status === 'RUNNING' && executionStatus !== 'PAUSED') allowed.add('pause');
  if (job.status === 'RUNNING' && executionStatus === 'PAUSED') allowed.add('resume');
  if (isFinished(job.status) && job.failed_count > 0) allowed.add('retry');
  return allowed;
}

/** A JSON column the API could not parse comes as text; the console reads the object form only. */
export function objectOf<T extends object>(value: T | string | null | undefined): Partial<T> {
  return value && typeof value === 'object' ? value : {};
}

export interface StepRow extends StepResult {
  step: string;
  avgMs: number | null;
}

export function stepRows(results: Record<string, StepResult>): StepRow[] {
  return Object.entries(results).map(([step, result]) => ({
    step,
    ...result,
    avgMs: result.tasks > 0 ? Math.round(result.total_ms / result.tasks) : null,
  }));
}

/** The checkpoint's lines an operator reads: where a resumed job would go on from. */
export function checkpointLines(context: ExecutionContext): string[] {
  const lines: string[] = [];
  if (context.checkpoint) {
    lines.push(`step ${context.checkpoint.step}, progress ${context.checkpoint.progress}`);
  }
  if (context.pagination) {
    const { next_page, last_page, stopped_at } = context.pagination;
    lines.push(
      `pagination: next page ${next_page} of ${last_page}` +
        (stopped_at !== null ? `, stopped at ${stopped_at}` : ''),
    );
  }
  if (context.current_page !== undefined) {
    lines.push(`page ${context.current_page}${context.total_pages ? ` of ${context.total_pages}` : ''}`);
  }
  if (context.crawl) {
    lines.push(`crawl: ${context.crawl.seen} of at most ${context.crawl.max_pages} pages seen`);
  }
  if (context.last_item_id) lines.push(`last record: ${context.last_item_id}`);
  return lines;
}

/** The columns of an items table: the record fields of the rows, in first-seen order. */
export function recordColumns(records: unknown[], limit = 12): string[] {
  const columns: string[] = [];
  for (const record of records) {
    if (!record || typeof record !== 'object' || Array.isArray(record)) continue;
    for (const key of Object.keys(record)) {
      if (!columns.includes(key)) columns.push(key);
      if (columns.length >= limit) return columns;
    }
  }
  return columns;
}

/** A cell's text: strings as they are, everything else as compact JSON. */
export function cellText(value: unknown, max = 160): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
