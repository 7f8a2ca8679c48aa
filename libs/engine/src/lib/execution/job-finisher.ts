import { clipBytes, TaskLedger } from '@crawlflow/db';
import type { EntityManager } from 'typeorm';
import { recordJobEvent } from './job-events';
import type { ExecutionState } from './execution-state';

export type FinalStatus = 'SUCCESS' | 'FAILED' | 'CANCELLED';

/** error_summary of a finished job: what failed, how often, the first reasons. */
export function summarize(state: ExecutionState, failedCount: number, extra?: string): string | null {
  const parts: string[] = [];
  if (extra) parts.push(extra);
  if (state.hard_failures > 0) parts.push(`${state.hard_failures} task(s) failed`);
  if (state.skipped_failures > 0) parts.push(`${state.skipped_failures} task(s) failed and were skipped`);
  if (state.rejected_records > 0) parts.push(`${state.rejected_records} record(s) rejected`);
  if (parts.length === 0 && failedCount === 0) return null;
  const reasons = state.errors.length > 0 ? `; first errors: ${state.errors.join(' | ')}` : '';
  return clipBytes(`${parts.join('; ')}${reasons}`);
}

/**
 * Ends a job: terminal status and times, its execution closed, waiting ledger entries withdrawn
 * (in-flight ones finish; their results are recorded but start nothing), pages released, and the
 * job event written to the outbox — all in the caller's transaction.
 */
export async function finishJob(
  manager: EntityManager,
  jobId: string,
  status: FinalStatus,
  summary: string | null,
): Promise<void> {
  await manager.query(
    'UPDATE crawling_jobs SET status = ?, completed_at = NOW(3), error_summary = ? WHERE id = ?',
    [status, summary, jobId],
  );
  await manager.query(
    `UPDATE workflow_executions SET status = ?, completed_at = NOW(3)
      WHERE job_id = ? AND status IN ('RUNNING', 'PAUSED')`,
    [status === 'SUCCESS' ? 'COMPLETED' : 'FAILED', jobId],
  );
  if (status !== 'SUCCESS') await TaskLedger.withdrawWaiting(manager, jobId, `job ${status.toLowerCase()}`);
  await manager.query('DELETE FROM crawl_pages WHERE job_id = ?', [jobId]);
  await recordJobEvent(
    manager,
    jobId,
    status === 'SUCCESS' ? 'job.succeeded' : status === 'FAILED' ? 'job.failed' : 'job.cancelled',
  );
}
