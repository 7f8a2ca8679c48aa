import type { WorkflowDefinition } from '@crawlflow/contracts';
import { isTransientDatabaseError, JobsRepository } from '@crawlflow/db';
import type { EntityManager } from 'typeorm';
import { loadWorkflowVersion } from '../workflows/workflow-store';
import { loadScopes } from './placeholder-scopes';
import type { PlaceholderScopes } from './task-planner';

/** A job's definition as it runs: the version it was created with, and that version's step rows. */
export interface WorkflowRuntime {
  workflowId: string;
  version: number;
  workflowType: string;
  definition: WorkflowDefinition;
  /** workflow_steps.id per step index (null when the version has no step rows). */
  stepIds: Array<string | null>;
  /** The job's placeholder values (set once the runtime belongs to a job). */
  scopes?: PlaceholderScopes;
}

/** A job's workflow version, through the workflow store (which also backfills missing step rows). */
export async function loadWorkflowRuntime(
  manager: EntityManager,
  workflowId: string,
  version: number,
): Promise<WorkflowRuntime> {
  const loaded = await loadWorkflowVersion(manager, workflowId, version);
  return {
    workflowId: String(loaded.workflow.id),
    version,
    workflowType: loaded.workflow.workflow_type,
    definition: loaded.definition,
    stepIds: loaded.steps.map((step) => step.id),
  };
}

/** Runtimes by job id, bounded: results of one job arrive in many batches. */
export class RuntimeCache {
  private readonly byJob = new Map<string, WorkflowRuntime>();
  /** Jobs whose workflow version cannot be loaded, and why. */
  private readonly broken = new Map<string, string>();

  brokenReason(jobId: string): string | undefined {
    return this.broken.get(jobId);
  }

  constructor(private readonly capacity = 2000) {}

  get(jobId: string): WorkflowRuntime | undefined {
    const runtime = this.byJob.get(jobId);
    if (runtime) {
      this.byJob.delete(jobId);
      this.byJob.set(jobId, runtime);
    }
    return runtime;
  }

  async load(db: EntityManager, jobIds: readonly string[]): Promise<void> {
    const missing = [...new Set(jobIds)].filter((id) => !this.byJob.has(id) && !this.broken.has(id));
    if (missing.length === 0) return;
    const jobs = await JobsRepository.runtimeKeys(db, missing);
    for (const job of jobs) {
      let runtime: WorkflowRuntime;
      try {
        runtime = await loadWorkflowRuntime(db, job.workflowId, job.workflowVersion);
      } catch (error) {
        // A stored definition this version no longer accepts: its job fails, no batch is blocked.
        if (isTransientDatabaseError(error)) throw error;
        this.broken.set(job.id, (error as Error).message);
        continue;
      }
      this.set(job.id, { ...runtime, scopes: await loadScopes(db, job) });
    }
  }

  set(jobId: string, runtime: WorkflowRuntime): void {
    this.byJob.set(jobId, runtime);
    while (this.byJob.size > this.capacity) {
      const oldest = this.byJob.keys().next().value;
      if (oldest === undefined) break;
      this.byJob.delete(oldest);
    }
  }
}
