import { Db, repositoryOf } from '../db';
import { ParallelExecutionConfig, ResourcePool } from '../entities';

export interface WorkflowLimits {
  workflowId: string;
  maxParallelJobs: number;
  maxParallelTasks: number;
  resourcePool: string | null;
}

/** The limits the API sets: a workflow's parallelism (parallel_execution_config) and resource pools' slots. */
export class ParallelismRepository {
  /** Sets all three limits of the workflow, adding its row on the first call. */
  static async setWorkflowLimits(db: Db, limits: WorkflowLimits): Promise<void> {
    await repositoryOf(db, ParallelExecutionConfig)
      .createQueryBuilder()
      .insert()
      .values(limits)
      .orUpdate(['max_parallel_jobs', 'max_parallel_tasks', 'resource_pool'], ['workflow_id'])
      .updateEntity(false)
      .execute();
  }

  static async workflowLimits(db: Db, workflowId: string): Promise<ParallelExecutionConfig | undefined> {
    return (await repositoryOf(db, ParallelExecutionConfig).findOneBy({ workflowId })) ?? undefined;
  }

  /**
   * Creates the pool or changes its slots. Only `slots` is updated on a duplicate: the stored name
   * stays as first written, whatever case a later call spells it in.
   */
  static async setPoolSlots(db: Db, name: string, slots: number): Promise<void> {
    await repositoryOf(db, ResourcePool)
      .createQueryBuilder()
      .insert()
      .values({ name, slots })
      .orUpdate(['slots'], ['name'])
      .updateEntity(false)
      .execute();
  }

  static async pool(db: Db, name: string): Promise<ResourcePool | undefined> {
    return (await repositoryOf(db, ResourcePool).findOneBy({ name })) ?? undefined;
  }
}
