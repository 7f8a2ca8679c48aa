import type { ExecutionStatus } from '@crawlflow/contracts';
import { In } from 'typeorm';
import { Db, repositoryOf } from '../db';
import { WorkflowExecution } from '../entities';

/** workflow_executions: one per started job, holding its checkpoint (context) and step figures. */
export class ExecutionsRepository {
  /** The job's execution, locked for the caller's transaction. */
  static async lockLatest(db: Db, jobId: string): Promise<WorkflowExecution | undefined> {
    const execution = await repositoryOf(db, WorkflowExecution).findOne({
      where: { jobId },
      order: { id: 'DESC' },
      lock: { mode: 'pessimistic_write' },
    });
    return execution ?? undefined;
  }

  /** The job's newest execution, read without a lock. */
  static async latest(db: Db, jobId: string): Promise<WorkflowExecution | undefined> {
    const execution = await repositoryOf(db, WorkflowExecution).findOne({
      where: { jobId },
      order: { id: 'DESC' },
    });
    return execution ?? undefined;
  }

  static async open(
    db: Db,
    row: { workflowId: string; jobId: string; currentStep: string; context: string },
  ): Promise<void> {
    await repositoryOf(db, WorkflowExecution).insert({
      ...row,
      status: 'RUNNING',
      stepResults: '{}',
      startedAt: () => 'NOW(3)',
    });
  }

  static async saveProgress(
    db: Db,
    id: string,
    progress: { currentStep: string | null; context: string; stepResults: string },
  ): Promise<void> {
    await repositoryOf(db, WorkflowExecution).update({ id }, progress);
  }

  static async setStatus(db: Db, id: string, status: ExecutionStatus, context?: string): Promise<void> {
    await repositoryOf(db, WorkflowExecution).update(
      { id },
      { status, ...(context !== undefined ? { context } : {}) },
    );
  }

  /** Closes the job's open execution (RUNNING or PAUSED) with its end. */
  static async close(db: Db, jobId: string, status: 'COMPLETED' | 'FAILED'): Promise<void> {
    await repositoryOf(db, WorkflowExecution).update(
      { jobId, status: In(['RUNNING', 'PAUSED']) },
      { status, completedAt: () => 'NOW(3)' },
    );
  }
}
