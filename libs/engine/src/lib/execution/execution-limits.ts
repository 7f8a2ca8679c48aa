import { isTerminalJobStatus } from '@crawlflow/contracts';
import { AdmissionRepository } from '@crawlflow/db';
import type { EntityManager } from 'typeorm';
import { finishJob } from './job-finisher';

/** The original design's defaults for a workflow without a parallel_execution_config row. */
export const DEFAULT_MAX_PARALLEL_JOBS = 5;
export const DEFAULT_MAX_PARALLEL_TASKS = 10;

export interface ParallelConfig {
  maxParallelJobs: number;
  maxParallelTasks: number;
  resourcePool: string | null;
}

export async function parallelConfig(manager: EntityManager, workflowId: string): Promise<ParallelConfig> {
  const row = await AdmissionRepository.parallelConfig(manager, workflowId);
  return {
    maxParallelJobs: row?.maxParallelJobs ?? DEFAULT_MAX_PARALLEL_JOBS,
    maxParallelTasks: row?.maxParallelTasks ?? DEFAULT_MAX_PARALLEL_TASKS,
    resourcePool: row?.resourcePool ?? null,
  };
}

export type Admission = 'start' | 'wait' | 'cancelled';

/**
 * Whether a PENDING job may start now. Dependencies first: it waits until each FINISH dependency has
 * ended and each SUCCESS dependency has succeeded; a SUCCESS dependency that failed or was
 * cancelled cancels it, with the reason. Then the limits: running jobs of its workflow under
 * max_parallel_jobs, and running jobs of every workflow in its resource pool under the pool's
 * slots. The workflow row and the pool row are locked before counting, so orchestrator replicas
 * admit jobs one at a time per workflow and per pool: the limits hold across replicas.
 */
export async function admitJob(
  manager: EntityManager,
  job: { id: string; workflowId: string },
): Promise<Admission> {
  for (const dependency of await AdmissionRepository.dependencies(manager, job.id)) {
    // A dependency no longer in crawling_jobs has been archived: it finished long ago.
    const status = dependency.status ?? 'ARCHIVED';
    if (dependency.type === 'SUCCESS' && (status === 'FAILED' || status === 'CANCELLED')) {
      await finishJob(
        manager,
        job.id,
        'CANCELLED',
        `dependency job ${dependency.jobId} ended ${status}; this job needed it to succeed`,
      );
      return 'cancelled';
    }
    if (status !== 'ARCHIVED' && !isTerminalJobStatus(status)) return 'wait';
  }

  const config = await parallelConfig(manager, job.workflowId);
  if (
    (await AdmissionRepository.lockWorkflowAndCountRunning(manager, job.workflowId)) >= config.maxParallelJobs
  )
    return 'wait';
  if (config.resourcePool) {
    const pool = await AdmissionRepository.lockPoolAndCountRunning(manager, config.resourcePool);
    if (pool && pool.running >= pool.slots) return 'wait';
  }
  return 'start';
}
