import { isTerminalJobStatus } from '@crawlflow/contracts';
import {
  type CrawlingJob,
  ExecutionsRepository,
  JobsRepository,
  TaskLedger,
  withDeadlockRetry,
  type WorkflowExecution,
} from '@crawlflow/db';
import type { DataSource, EntityManager } from 'typeorm';
import { conflict, notFound } from '../engine-errors';
import { readState } from './execution-state';
import { finishJob } from './job-finisher';
import { type JobState, releaseParked } from './job-progress';

/**
 * The job's execution (if it has started), then the job, both locked: the order in which a result
 * batch takes them (job-progress.ts), so a control and a batch queue behind each other instead of
 * deadlocking.
 */
async function lockJob(
  manager: EntityManager,
  jobId: string,
): Promise<{ job: CrawlingJob; execution: WorkflowExecution | undefined }> {
  const execution = await ExecutionsRepository.lockLatest(manager, jobId);
  const job = await JobsRepository.lockForControl(manager, jobId);
  if (!job) throw notFound(`job ${jobId} does not exist`);
  return { job, execution };
}

/**
 * A control's transaction: it locks the job's execution and the job, then entries, while a result
 * batch holds entries before it locks the execution, so InnoDB may pick the control as a deadlock
 * victim. Run again.
 */
function control<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  return withDeadlockRetry(() => dataSource.transaction(work));
}

/**
 * Cancel: dispatch stops, waiting entries are withdrawn, in-flight tasks finish but their results
 * start nothing, and the job ends CANCELLED (a PENDING job is cancelled before it starts).
 */
export async function cancelJob(dataSource: DataSource, jobId: string): Promise<void> {
  await control(dataSource, async (manager) => {
    const { job } = await lockJob(manager, jobId);
    if (isTerminalJobStatus(job.status)) throw conflict(`job ${jobId} is already ${job.status}`);
    await finishJob(manager, jobId, 'CANCELLED', 'cancelled on request');
  });
}

/** Pause: the job's waiting entries are parked (not dispatched) and so is any task planned meanwhile. */
export async function pauseJob(dataSource: DataSource, jobId: string): Promise<void> {
  await control(dataSource, async (manager) => {
    const { job, execution } = await lockJob(manager, jobId);
    if (job.status !== 'RUNNING')
      throw conflict(`only a RUNNING job can be paused; job ${jobId} is ${job.status}`);
    if (!execution) throw conflict(`job ${jobId} has no execution to pause`);
    if (execution.status === 'PAUSED') throw conflict(`job ${jobId} is already paused`);
    await ExecutionsRepository.setStatus(manager, execution.id, 'PAUSED');
    await TaskLedger.parkWaiting(manager, jobId);
  });
}

/** Resume from the checkpoint: parked entries become due now; nothing that finished runs again. */
export async function resumeJob(dataSource: DataSource, jobId: string): Promise<void> {
  await control(dataSource, async (manager) => {
    const { job, execution } = await lockJob(manager, jobId);
    if (job.status !== 'RUNNING' || execution?.status !== 'PAUSED')
      throw conflict(`job ${jobId} is not paused`);
    // Everything waiting was parked by the pause: count what is still out, release up to the cap.
    const state = readState(execution.context) as JobState;
    state.in_flight = await TaskLedger.inFlight(manager, jobId);
    await releaseParked(manager, jobId, state, false);
    await ExecutionsRepository.setStatus(manager, execution.id, 'RUNNING', JSON.stringify(state));
  });
}

/**
 * A RETRY job for a finished job's FAILED tasks, on the same workflow version. It is PENDING like
 * any new job; the starter copies the failed tasks when it starts it.
 */
export async function retryJob(dataSource: DataSource, jobId: string): Promise<{ id: string }> {
  return control(dataSource, async (manager) => {
    const { job } = await lockJob(manager, jobId);
    if (!isTerminalJobStatus(job.status))
      throw conflict(`job ${jobId} is still ${job.status}; retry it once it has finished`);
    if ((await TaskLedger.countFailedTasks(manager, jobId)) === 0)
      throw conflict(`job ${jobId} has no failed tasks to retry`);
    const created = await JobsRepository.insertOrFind(manager, {
      scheduleId: null,
      workflowId: job.workflowId,
      workflowVersion: job.workflowVersion,
      targetId: job.targetId,
      jobType: 'RETRY',
      priority: job.priority,
      params: JSON.stringify({ retry_of: job.id }),
      idempotencyKey: null,
      scheduledAt: null,
    });
    return { id: created.id };
  });
}
