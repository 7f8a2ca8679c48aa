import type { DependencyType, JobStatus } from '@crawlflow/contracts';
import { In } from 'typeorm';
import { Db, managerOf, repositoryOf } from '../db';
import {
  CrawlingJob,
  CrawlingWorkflow,
  JobDependency,
  ParallelExecutionConfig,
  ResourcePool,
} from '../entities';

/** What the job starter counts and locks to admit a job under its workflow's and pool's limits. */
export class AdmissionRepository {
  /** The job's dependencies with their status now (null: no longer live, i.e. archived). */
  static async dependencies(
    db: Db,
    jobId: string,
  ): Promise<Array<{ jobId: string; type: DependencyType; status: JobStatus | null }>> {
    const edges = await repositoryOf(db, JobDependency).find({ where: { jobId } });
    if (edges.length === 0) return [];
    const jobs = await repositoryOf(db, CrawlingJob).find({
      where: { id: In(edges.map((edge) => edge.dependsOnJobId)) },
      select: { id: true, status: true },
    });
    const status = new Map(jobs.map((job) => [String(job.id), job.status]));
    return edges.map((edge) => ({
      jobId: edge.dependsOnJobId,
      type: edge.dependencyType,
      status: status.get(String(edge.dependsOnJobId)) ?? null,
    }));
  }

  static async parallelConfig(db: Db, workflowId: string): Promise<ParallelExecutionConfig | undefined> {
    return (await repositoryOf(db, ParallelExecutionConfig).findOneBy({ workflowId })) ?? undefined;
  }

  /** Locks the workflow row (admissions of its jobs queue here) and counts its running jobs. */
  static async lockWorkflowAndCountRunning(db: Db, workflowId: string): Promise<number> {
    await repositoryOf(db, CrawlingWorkflow).findOne({
      where: { id: workflowId },
      select: { id: true },
      lock: { mode: 'pessimistic_write' },
    });
    return repositoryOf(db, CrawlingJob).countBy({ workflowId, status: 'RUNNING' });
  }

  /** Locks the pool row and answers its slots and the jobs running in it (undefined: no such pool). */
  static async lockPoolAndCountRunning(
    db: Db,
    pool: string,
  ): Promise<{ slots: number; running: number } | undefined> {
    const row = await repositoryOf(db, ResourcePool).findOne({
      where: { name: pool },
      lock: { mode: 'pessimistic_write' },
    });
    if (!row) return undefined;
    // SQL: a join count TypeORM would need relations for.
    const [used] = await managerOf(db).query<Array<{ n: string }>>(
      `SELECT COUNT(*) AS n FROM crawling_jobs j JOIN parallel_execution_config p ON p.workflow_id = j.workflow_id
        WHERE p.resource_pool = ? AND j.status = 'RUNNING'`,
      [pool],
    );
    return { slots: row.slots, running: Number(used.n) };
  }
}
