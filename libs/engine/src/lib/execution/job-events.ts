import { EXCHANGES, type JobEventKey } from '@crawlflow/contracts';
import { JobsRepository, OutboxRepository } from '@crawlflow/db';
import type { EntityManager } from 'typeorm';

/**
 * Job events for other services, written to outbox_events in the transaction that changed the job,
 * and relayed to `crawl.events` from there: a crash cannot lose one.
 */
export async function recordJobEvent(manager: EntityManager, jobId: string, key: JobEventKey): Promise<void> {
  const job = await JobsRepository.find(manager, jobId);
  if (!job) return;
  const iso = (value: Date | null): string | null => (value ? value.toISOString() : null);
  const body = {
    event: key,
    job_id: job.id,
    workflow_id: job.workflowId,
    workflow_version: job.workflowVersion,
    job_type: job.jobType,
    status: job.status,
    priority: job.priority,
    counts: {
      total_items: job.totalItems,
      processed_items: job.processedItems,
      success_count: job.successCount,
      failed_count: job.failedCount,
    },
    error_summary: job.errorSummary ?? null,
    created_at: iso(job.createdAt),
    scheduled_at: iso(job.scheduledAt),
    started_at: iso(job.startedAt),
    completed_at: iso(job.completedAt),
    emitted_at: new Date().toISOString(),
  };
  await OutboxRepository.add(manager, {
    exchange: EXCHANGES.events,
    routingKey: key,
    body: JSON.stringify(body),
  });
}
