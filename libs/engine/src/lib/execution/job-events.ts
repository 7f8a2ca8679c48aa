import { EXCHANGES, type JobEventKey } from '@crawlflow/contracts';
import type { EntityManager } from 'typeorm';

/**
 * Job events for other services, written to outbox_events in the transaction that changed the job,
 * and relayed to `crawl.events` from there: a crash cannot lose one.
 */
export async function recordJobEvent(manager: EntityManager, jobId: string, key: JobEventKey): Promise<void> {
  const [job] = (await manager.query(
    `SELECT id, workflow_id, workflow_version, job_type, status, priority, total_items, processed_items,
            success_count, failed_count, error_summary, scheduled_at, started_at, completed_at, created_at
       FROM crawling_jobs WHERE id = ?`,
    [jobId],
  )) as Array<Record<string, unknown>>;
  if (!job) return;
  const iso = (value: unknown): string | null =>
    value instanceof Date ? value.toISOString() : value ? String(value) : null;
  const body = {
    event: key,
    job_id: String(job.id),
    workflow_id: String(job.workflow_id),
    workflow_version: Number(job.workflow_version),
    job_type: job.job_type,
    status: job.status,
    priority: Number(job.priority),
    counts: {
      total_items: Number(job.total_items),
      processed_items: Number(job.processed_items),
      success_count: Number(job.success_count),
      failed_count: Number(job.failed_count),
    },
    error_summary: job.error_summary ?? null,
    created_at: iso(job.created_at),
    scheduled_at: iso(job.scheduled_at),
    started_at: iso(job.started_at),
    completed_at: iso(job.completed_at),
    emitted_at: new Date().toISOString(),
  };
  await manager.query('INSERT INTO outbox_events (exchange, routing_key, body) VALUES (?, ?, ?)', [
    EXCHANGES.events,
    key,
    JSON.stringify(body),
  ]);
}
