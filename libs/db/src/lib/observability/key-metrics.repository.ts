import type { SelectQueryBuilder } from 'typeorm';
import { Db, repositoryOf } from '../db';
import { CrawlingJob, CrawlingTask } from '../entities';
import { toSqlTimestamp } from '../ledger';

export interface FinishedJobsFigures {
  succeeded: number;
  failed: number;
  /** Average seconds from started_at to completed_at (null: no job finished). */
  avgSeconds: number | null;
}

export interface NewTasksFigures {
  total: number;
  retried: number;
}

/** One UTC hour of a window: `hour` is its start, ISO 8601 (`2026-12-03T10:00:00.000Z`). */
export type HourlyFigures<T> = T & { hour: string };

/**
 * The hour a time falls in, as ISO text: the session is UTC on MySQL, and SQLite stores UTC text,
 * so both print the same. Literal text around the specifiers is kept by DATE_FORMAT.
 */
const hourOf = (column: string): string => `DATE_FORMAT(${column}, '%Y-%m-%dT%H:00:00.000Z')`;

interface FinishedJobsRow {
  ok: string | null;
  failed: string | null;
  avg_s: string | null;
}

interface NewTasksRow {
  total: string;
  retried: string | null;
}

/** The jobs that ended SUCCESS or FAILED, aggregated; the callers add the window (and the hour). */
function finishedJobs(db: Db): SelectQueryBuilder<CrawlingJob> {
  return repositoryOf(db, CrawlingJob)
    .createQueryBuilder('j')
    .select("SUM(j.status = 'SUCCESS')", 'ok')
    .addSelect("SUM(j.status = 'FAILED')", 'failed')
    .addSelect('AVG(TIMESTAMPDIFF(MICROSECOND, j.started_at, j.completed_at)) / 1e6', 'avg_s')
    .where("j.status IN ('SUCCESS', 'FAILED')");
}

/** Tasks, and how many of them were retried at least once; the callers add the window. */
function newTasks(db: Db): SelectQueryBuilder<CrawlingTask> {
  return repositoryOf(db, CrawlingTask)
    .createQueryBuilder('t')
    .select('COUNT(*)', 'total')
    .addSelect('SUM(t.retry_count > 0)', 'retried');
}

// SUM and AVG come back as DECIMAL text, NULL over no rows.
function toFinishedJobs(row: FinishedJobsRow | undefined): FinishedJobsFigures {
  return {
    succeeded: Number(row?.ok ?? 0),
    failed: Number(row?.failed ?? 0),
    avgSeconds: row?.avg_s === null || row?.avg_s === undefined ? null : Number(row.avg_s),
  };
}

function toNewTasks(row: NewTasksRow | undefined): NewTasksFigures {
  return { total: Number(row?.total ?? 0), retried: Number(row?.retried ?? 0) };
}

/**
 * The original design's key figures, one aggregate each (docs/data-model.md#monitoring-queries),
 * over the last hour (the gauges) or per UTC hour since a time (the console's trend). Neither
 * crawling_jobs.completed_at nor crawling_tasks.created_at is indexed: both read the table whole.
 */
export class KeyMetricsRepository {
  /** Jobs that ended SUCCESS or FAILED in the last hour. */
  static async jobsFinishedLastHour(db: Db): Promise<FinishedJobsFigures> {
    const row: FinishedJobsRow | undefined = await finishedJobs(db)
      .andWhere('j.completed_at >= NOW() - INTERVAL 1 HOUR')
      .getRawOne();
    return toFinishedJobs(row);
  }

  /** The same figures per hour of completed_at, for the hours from `since` on (only hours with jobs). */
  static async jobsFinishedByHour(db: Db, since: Date): Promise<Array<HourlyFigures<FinishedJobsFigures>>> {
    const rows: Array<FinishedJobsRow & { hour: string }> = await finishedJobs(db)
      .addSelect(hourOf('j.completed_at'), 'hour')
      .andWhere('j.completed_at >= :since', { since: toSqlTimestamp(since) })
      .groupBy('hour')
      .getRawMany();
    return rows.map((row) => ({ hour: String(row.hour), ...toFinishedJobs(row) }));
  }

  /** Tasks created in the last hour, and how many of them were retried at least once. */
  static async tasksCreatedLastHour(db: Db): Promise<NewTasksFigures> {
    const row: NewTasksRow | undefined = await newTasks(db)
      .where('t.created_at >= NOW() - INTERVAL 1 HOUR')
      .getRawOne();
    return toNewTasks(row);
  }

  /** The same figures per hour of created_at, for the hours from `since` on (only hours with tasks). */
  static async tasksCreatedByHour(db: Db, since: Date): Promise<Array<HourlyFigures<NewTasksFigures>>> {
    const rows: Array<NewTasksRow & { hour: string }> = await newTasks(db)
      .addSelect(hourOf('t.created_at'), 'hour')
      .where('t.created_at >= :since', { since: toSqlTimestamp(since) })
      .groupBy('hour')
      .getRawMany();
    return rows.map((row) => ({ hour: String(row.hour), ...toNewTasks(row) }));
  }

  /** Jobs RUNNING now (idx_jobs_status). */
  static async runningJobs(db: Db): Promise<number> {
    return repositoryOf(db, CrawlingJob).countBy({ status: 'RUNNING' });
  }
}
