import type { FinishedJobsFigures, HourlyFigures, NewTasksFigures } from '@crawlflow/db';

export const HOUR_MS = 3_600_000;

/** One UTC hour of the overview's trend. Rates are 0..1, null when nothing happened that hour. */
export interface TrendHour {
  /** The hour's start, ISO 8601. */
  hour: string;
  /** Jobs that ended SUCCESS or FAILED that hour (as the key figures count them; CANCELLED aside). */
  finished_jobs: number;
  success_jobs: number;
  failed_jobs: number;
  success_rate: number | null;
  avg_execution_sec: number | null;
  /** Tasks created that hour, and those of them retried at least once since. */
  tasks: number;
  retried_tasks: number;
  retry_rate: number | null;
}

export function ratio(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

/** The start of the UTC hour `time` falls in. */
export function hourStart(time: Date): Date {
  return new Date(Math.floor(time.getTime() / HOUR_MS) * HOUR_MS);
}

/** The first hour of a window of `hours` hours whose last one is the current hour. */
export function windowStart(hours: number, now: Date): Date {
  return new Date(hourStart(now).getTime() - (hours - 1) * HOUR_MS);
}

/**
 * Every hour of the window, oldest first, the last one the current hour: the hours the database
 * answered carry their figures, the others zeros (and null rates).
 */
export function hourlyTrend(
  hours: number,
  now: Date,
  jobs: ReadonlyArray<HourlyFigures<FinishedJobsFigures>>,
  tasks: ReadonlyArray<HourlyFigures<NewTasksFigures>>,
): TrendHour[] {
  const jobsAt = new Map(jobs.map((row) => [row.hour, row]));
  const tasksAt = new Map(tasks.map((row) => [row.hour, row]));
  const first = windowStart(hours, now).getTime();
  return Array.from({ length: hours }, (_, i) => {
    const hour = new Date(first + i * HOUR_MS).toISOString();
    const job = jobsAt.get(hour);
    const task = tasksAt.get(hour);
    const succeeded = job?.succeeded ?? 0;
    const finished = succeeded + (job?.failed ?? 0);
    const created = task?.total ?? 0;
    const retried = task?.retried ?? 0;
    return {
      hour,
      finished_jobs: finished,
      success_jobs: succeeded,
      failed_jobs: job?.failed ?? 0,
      success_rate: ratio(succeeded, finished),
      avg_execution_sec: job?.avgSeconds ?? null,
      tasks: created,
      retried_tasks: retried,
      retry_rate: ratio(retried, created),
    };
  });
}
