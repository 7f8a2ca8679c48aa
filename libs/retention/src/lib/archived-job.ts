import { ArchivedJobsRepository, CrawlingJobArchive, Db } from '@crawlflow/db';

/** A crawling_jobs_archive row as the API shows it: the job's columns, `archived_at`, `archived: true`. */
export type ArchivedJobRow = Record<string, unknown> & {
  id: string;
  total_items: number;
  processed_items: number;
  archived: true;
  archived_at: Date;
};

/** The archived job with its column names, as a live job reads (snake_case, the table's order). */
function archivedJobRow(job: CrawlingJobArchive): ArchivedJobRow {
  return {
    id: job.id,
    schedule_id: job.scheduleId,
    workflow_id: job.workflowId,
    workflow_version: job.workflowVersion,
    target_id: job.targetId,
    job_type: job.jobType,
    status: job.status,
    priority: job.priority,
    params: job.params,
    idempotency_key: job.idempotencyKey,
    scheduled_at: job.scheduledAt,
    started_at: job.startedAt,
    completed_at: job.completedAt,
    total_items: job.totalItems,
    processed_items: job.processedItems,
    success_count: job.successCount,
    failed_count: job.failedCount,
    error_summary: job.errorSummary,
    created_at: job.createdAt,
    updated_at: job.updatedAt,
    archived_at: job.archivedAt,
    archived: true,
  };
}

/**
 * The archived job with this id, or undefined (unknown id, or a live job: look in crawling_jobs
 * first, as a job is in exactly one of the two tables after every commit).
 */
export async function findArchivedJob(db: Db, id: string | number): Promise<ArchivedJobRow | undefined> {
  if (!/^\d{1,19}$/.test(String(id))) return undefined;
  const job = await ArchivedJobsRepository.findById(db, String(id));
  return job ? archivedJobRow(job) : undefined;
}
