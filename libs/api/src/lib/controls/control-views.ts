import type { ParallelExecutionConfig, ResourcePool } from '@crawlflow/db';

// Execution controls as the API shows them: their columns, snake_case, in the table's order.

export type WorkflowLimitsView = {
  workflow_id: string;
  max_parallel_jobs: number | null;
  max_parallel_tasks: number | null;
  resource_pool: string | null;
};

export type PoolView = { name: string; slots: number; created_at: Date; updated_at: Date };

export function toWorkflowLimitsView(config: ParallelExecutionConfig): WorkflowLimitsView {
  return {
    workflow_id: config.workflowId,
    max_parallel_jobs: config.maxParallelJobs,
    max_parallel_tasks: config.maxParallelTasks,
    resource_pool: config.resourcePool,
  };
}

export function toPoolView(pool: ResourcePool): PoolView {
  return { name: pool.name, slots: pool.slots, created_at: pool.createdAt, updated_at: pool.updatedAt };
}
