import { clipBytes, ExecutionsRepository, JobsRepository, PagesRepository, TaskLedger } from '@crawlflow/db';
import type { EntityManager } from 'typeorm';
import type { ExecutionState } from './execution-state';
import { recordJobEvent } from './job-events';

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
  await JobsRepository.finish(manager, jobId, status, summary);
  await ExecutionsRepository.close(manager, jobId, status === 'SUCCESS' ? 'COMPLETED' : 'FAILED');
  if (status !== 'SUCCESS') await TaskLedger.withdrawWaiting(manager, jobId, `job ${status.toLowerCase()}`);
  await PagesRepository.deleteOfJob(manager, jobId);
  await recordJobEvent(
    manager,
    jobId,
    status === 'SUCCESS' ? 'job.succeeded' : status === 'FAILED' ? 'job.failed' : 'job.cancelled',
  );
}
