import { Db, repositoryOf } from '../db';
import { CrawlingJob, CrawlingTask } from '../entities';

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

/** The original design's key figures, one aggregate each (docs/data-model.md#monitoring-queries). */
export class KeyMetricsRepository {
  /** Jobs that ended SUCCESS or FAILED in the last hour. */
  static async jobsFinishedLastHour(db: Db): Promise<FinishedJobsFigures> {
    const row: { ok: string | null; failed: string | null; avg_s: string | null } | undefined =
      await repositoryOf(db, CrawlingJob)
        .createQueryBuilder('j')
        .select("SUM(j.status = 'SUCCESS')", 'ok')
        .addSelect("SUM(j.status = 'FAILED')", 'failed')
        .addSelect('AVG(TIMESTAMPDIFF(MICROSECOND, j.started_at, j.completed_at)) / 1e6', 'avg_s')
        .where('j.completed_at >= NOW() - INTERVAL 1 HOUR')
        .andWhere("j.status IN ('SUCCESS', 'FAILED')")
        .getRawOne();
    // SUM and AVG come back as DECIMAL text, NULL over no rows.
    return {
      succeeded: Number(row?.ok ?? 0),
      failed: Number(row?.failed ?? 0),
      avgSeconds: row?.avg_s === null || row?.avg_s === undefined ? null : Number(row.avg_s),
    };
  }

  /** Tasks created in the last hour, and how many of them were retried at least once. */
  static async tasksCreatedLastHour(db: Db): Promise<NewTasksFigures> {
    const row: { total: string; retried: string | null } | undefined = await repositoryOf(db, CrawlingTask)
      .createQueryBuilder('t')
      .select('COUNT(*)', 'total')
      .addSelect('SUM(t.retry_count > 0)', 'retried')
      .where('t.created_at >= NOW() - INTERVAL 1 HOUR')
      .getRawOne();
    return { total: Number(row?.total ?? 0), retried: Number(row?.retried ?? 0) };
  }
}
