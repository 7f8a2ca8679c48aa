import { isTerminalJobStatus } from '@crawlflow/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import { conflict, notFound } from '../engine-errors';
import { finishJob } from './job-finisher';
import { readState } from './execution-state';
import { type JobState, PARKED_UNTIL, releaseParked } from './job-progress';

interface JobRow {
  id: string;
  status: string;
  workflow_id: string;
  workflow_version: number;
  target_id: string | null;
  priority: number;
}

async function lockJob(manager: EntityManager, jobId: string): Promise<JobRow> {
  const [job] = (await manager.query(
    'SELECT id, status, workflow_id, workflow_version, target_id, priority FROM crawling_jobs WHERE id = ? FOR UPDATE',
    [jobId],
  )) as JobRow[];
  if (!job) throw notFound(`job ${jobId} does not exist`);
  return job;
}

/**
 * Cancel: dispatch stops, waiting entries are withdrawn, in-flight tasks finish but their results
 * start nothing, and the job ends CANCELLED (a PENDING job is cancelled before it starts).
 */
export async function cancelJob(dataSource: DataSource, jobId: string): Promise<void> {
  await dataSource.transaction('READ COMMITTED', async (manager) => {
    const job = await lockJob(manager, jobId);
    if (isTerminalJobStatus(job.status)) throw conflict(`job ${jobId} is already ${job.status}`);
    await finishJob(manager, jobId, 'CANCELLED', 'cancelled on request');
  });
}

/** Pause: the job's waiting entries are parked (not dispatched) and so is any task planned meanwhile. */
export async function pauseJob(dataSource: DataSource, jobId: string): Promise<void> {
  await dataSource.transaction('READ COMMITTED', async (manager) => {
    const job = await lockJob(manager, jobId);
    if (job.status !== 'RUNNING')
      throw conflict(`only a RUNNING job can be paused; job ${jobId} is ${job.status}`);
    const [execution] = (await manager.query(
      'SELECT id, status FROM workflow_executions WHERE job_id = ? ORDER BY id DESC LIMIT 1 FOR UPDATE',
      [jobId],
    )) as Array<{ id: string; status: string }>;
    if (execution?.status === 'PAUSED') throw conflict(`job ${jobId} is already paused`);
    await manager.query("UPDATE workflow_executions SET status = 'PAUSED' WHERE id = ?", [execution.id]);
    await manager.query(
      "UPDATE crawling_queues SET scheduled_for = ? WHERE job_id = ? AND status = 'WAITING'",
      [PARKED_UNTIL, jobId],
    );
  });
}

/** Resume from the checkpoint: parked entries become due now; nothing that finished runs again. */
export async function resumeJob(dataSource: DataSource, jobId: string): Promise<void> {
  await dataSource.transaction('READ COMMITTED', async (manager) => {
    const job = await lockJob(manager, jobId);
    const [execution] = (await manager.query(
      'SELECT id, status FROM workflow_executions WHERE job_id = ? ORDER BY id DESC LIMIT 1 FOR UPDATE',
      [jobId],
    )) as Array<{ id: string; status: string }>;
    if (job.status !== 'RUNNING' || execution?.status !== 'PAUSED')
      throw conflict(`job ${jobId} is not paused`);
    // Everything waiting was parked by the pause: count what is still out, release up to the cap.
    const [row] = (await manager.query('SELECT context FROM workflow_executions WHERE id = ?', [
      execution.id,
    ])) as Array<{
      context: string | null;
    }>;
    const state = readState(row?.context ?? null) as JobState;
    const [out] = (await manager.query(
      "SELECT COUNT(*) AS n FROM crawling_queues WHERE job_id = ? AND status = 'PROCESSING'",
      [jobId],
    )) as Array<{ n: string }>;
    state.in_flight = Number(out.n);
    await releaseParked(manager, jobId, state, false);
    await manager.query("UPDATE workflow_executions SET status = 'RUNNING', context = ? WHERE id = ?", [
      JSON.stringify(state),
      execution.id,
    ]);
  });
}

/**
 * A RETRY job for a finished job's FAILED tasks, on the same workflow version. It is PENDING like
 * any new job; the starter copies the failed tasks when it starts it.
 */
export async function retryJob(dataSource: DataSource, jobId: string): Promise<{ id: string }> {
  return dataSource.transaction('READ COMMITTED', async (manager) => {
    const job = await lockJob(manager, jobId);
    if (!isTerminalJobStatus(job.status))
      throw conflict(`job ${jobId} is still ${job.status}; retry it once it has finished`);
    const [failed] = (await manager.query(
      "SELECT COUNT(*) AS n FROM crawling_tasks WHERE job_id = ? AND status = 'FAILED'",
      [jobId],
    )) as Array<{ n: string }>;
    if (Number(failed?.n ?? 0) === 0) throw conflict(`job ${jobId} has no failed tasks to retry`);
    const result: { insertId: number } = await manager.query(
      `INSERT INTO crawling_jobs (workflow_id, workflow_version, target_id, job_type, status, priority, params)
       VALUES (?, ?, ?, 'RETRY', 'PENDING', ?, ?)`,
      [
        job.workflow_id,
        job.workflow_version,
        job.target_id,
        job.priority,
        JSON.stringify({ retry_of: String(job.id) }),
      ],
    );
    return { id: String(result.insertId) };
  });
}
