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
  const [row] = (await manager.query(
    'SELECT max_parallel_jobs, max_parallel_tasks, resource_pool FROM parallel_execution_config WHERE workflow_id = ?',
    [workflowId],
  )) as Array<{
    max_parallel_jobs: number | null;
    max_parallel_tasks: number | null;
    resource_pool: string | null;
  }>;
  return {
    maxParallelJobs: Number(row?.max_parallel_jobs ?? DEFAULT_MAX_PARALLEL_JOBS),
    maxParallelTasks: Number(row?.max_parallel_tasks ?? DEFAULT_MAX_PARALLEL_TASKS),
    resourcePool: row?.resource_pool ?? null,
  };
}

const TERMINAL = new Set(['SUCCESS', 'FAILED', 'CANCELLED']);

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
  job: { id: string; workflow_id: string },
): Promise<Admission> {
  const dependencies = (await manager.query(
    `SELECT d.depends_on_job_id AS id, d.dependency_type AS type, j.status
       FROM job_dependencies d LEFT JOIN crawling_jobs j ON j.id = d.depends_on_job_id
      WHERE d.job_id = ?`,
    [job.id],
  )) as Array<{ id: string; type: 'FINISH' | 'SUCCESS'; status: string | null }>;
  for (const dependency of dependencies) {
    // A dependency no longer in crawling_jobs has been archived: it finished long ago.
    const status = dependency.status ?? 'ARCHIVED';
    if (dependency.type === 'SUCCESS' && (status === 'FAILED' || status === 'CANCELLED')) {
      await finishJob(
        manager,
        job.id,
        'CANCELLED',
        `dependency job ${dependency.id} ended ${status}; this job needed it to succeed`,
      );
      return 'cancelled';
    }
    if (status !== 'ARCHIVED' && !TERMINAL.has(status)) return 'wait';
  }

  const config = await parallelConfig(manager, job.workflow_id);
  await manager.query('SELECT id FROM crawling_workflows WHERE id = ? FOR UPDATE', [job.workflow_id]);
  const [running] = (await manager.query(
    "SELECT COUNT(*) AS n FROM crawling_jobs WHERE workflow_id = ? AND status = 'RUNNING'",
    [job.workflow_id],
  )) as Array<{ n: string }>;
  if (Number(running.n) >= config.maxParallelJobs) return 'wait';

  if (config.resourcePool) {
    const [pool] = (await manager.query('SELECT slots FROM resource_pools WHERE name = ? FOR UPDATE', [
      config.resourcePool,
    ])) as Array<{
      slots: number;
    }>;
    if (pool) {
      const [used] = (await manager.query(
        `SELECT COUNT(*) AS n FROM crawling_jobs j JOIN parallel_execution_config p ON p.workflow_id = j.workflow_id
          WHERE p.resource_pool = ? AND j.status = 'RUNNING'`,
        [config.resourcePool],
      )) as Array<{ n: string }>;
      if (Number(used.n) >= Number(pool.slots)) return 'wait';
    }
  }
  return 'start';
}
