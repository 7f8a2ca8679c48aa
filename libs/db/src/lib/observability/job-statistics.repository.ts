import { Db, managerOf, repositoryOf } from '../db';
import { CrawlingJob, CrawlingWorkflow } from '../entities';

/** One row of v_job_statistics: a day (UTC) and workflow over the last 7 days. */
export interface DailyJobStatistics {
  jobDate: Date;
  workflowId: string;
  totalJobs: number;
  successJobs: number;
  avgDurationSec: number | null;
  totalItemsProcessed: number;
}

export interface WorkflowFailureRate {
  workflowId: string;
  workflowName: string;
  totalJobs: number;
  failedJobs: number;
  /** Percent, unrounded. */
  failureRate: number;
}

// COUNT is BIGINT and SUM / AVG are DECIMAL: the driver hands them over as text.
function count(value: string | number | null): number {
  return Number(value ?? 0);
}

/** The job statistics the API serves: the design's view and its failure-rate alert. */
export class JobStatisticsRepository {
  /** v_job_statistics (no entity: a view), newest day first, of one workflow when `workflowId` is given. */
  static async daily(db: Db, workflowId?: string): Promise<DailyJobStatistics[]> {
    const select = managerOf(db)
      .createQueryBuilder()
      .select(['s.job_date', 's.workflow_id', 's.total_jobs', 's.success_jobs', 's.avg_duration_sec'])
      .addSelect('s.total_items_processed')
      .from('v_job_statistics', 's');
    if (workflowId) select.where('s.workflow_id = :workflowId', { workflowId });
    const rows: Array<{
      job_date: Date;
      workflow_id: string;
      total_jobs: string;
      success_jobs: string | null;
      avg_duration_sec: string | null;
      total_items_processed: string | null;
    }> = await select.orderBy('s.job_date', 'DESC').addOrderBy('s.workflow_id').getRawMany();
    return rows.map((row) => ({
      jobDate: row.job_date,
      workflowId: row.workflow_id,
      totalJobs: count(row.total_jobs),
      successJobs: count(row.success_jobs),
      avgDurationSec: row.avg_duration_sec === null ? null : Number(row.avg_duration_sec),
      totalItemsProcessed: count(row.total_items_processed),
    }));
  }

  /**
   * Workflows whose jobs created in the last `windowMinutes` failed more often than `thresholdPercent`,
   * highest rate first.
   */
  static async failureRatesAbove(
    db: Db,
    thresholdPercent: number,
    windowMinutes: number,
  ): Promise<WorkflowFailureRate[]> {
    const rows: Array<{
      workflow_id: string;
      workflow_name: string;
      total_jobs: string;
      failed_jobs: string;
      failure_rate: string;
    }> = await repositoryOf(db, CrawlingJob)
      .createQueryBuilder('j')
      .select('w.id', 'workflow_id')
      .addSelect('w.workflow_name', 'workflow_name')
      .addSelect('COUNT(*)', 'total_jobs')
      .addSelect("SUM(CASE WHEN j.status = 'FAILED' THEN 1 ELSE 0 END)", 'failed_jobs')
      .addSelect("SUM(CASE WHEN j.status = 'FAILED' THEN 1 ELSE 0 END) * 100.0 / COUNT(*)", 'failure_rate')
      .innerJoin(CrawlingWorkflow, 'w', 'w.id = j.workflow_id')
      .where('j.created_at >= NOW() - INTERVAL :minutes MINUTE', { minutes: windowMinutes })
      .groupBy('w.id')
      .addGroupBy('w.workflow_name')
      .having('failure_rate > :threshold', { threshold: thresholdPercent })
      .orderBy('failure_rate', 'DESC')
      .addOrderBy('w.id')
      .getRawMany();
    return rows.map((row) => ({
      workflowId: row.workflow_id,
      workflowName: row.workflow_name,
      totalJobs: count(row.total_jobs),
      failedJobs: count(row.failed_jobs),
      failureRate: Number(row.failure_rate),
    }));
  }
}
