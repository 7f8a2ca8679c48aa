import type { ExecutionStatus } from '@crawlflow/contracts';
import { In } from 'typeorm';
import { Db, managerOf, repositoryOf } from '../db';
import { dialectOf } from '../dialect';
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

  /**
   * A result batch's writes to its job in one statement: the execution's checkpoint and step
   * figures, and the job's counters. SQL: a two-table UPDATE where TypeORM sends one per entity; the
   * job row is locked only here, at the end of the batch (the execution has been since lockLatest).
   */
  static async saveProgress(
    db: Db,
    execution: { id: string; jobId: string },
    progress: { currentStep: string | null; context: string; stepResults: string },
    counters: { totalItems: number; processedItems: number; succeeded: number; failed: number },
  ): Promise<void> {
    if (dialectOf(db) === 'sqlite') return saveProgressOnSqlite(db, execution, progress, counters);
    await managerOf(db).query(
      `UPDATE workflow_executions e JOIN crawling_jobs j ON j.id = e.job_id
          SET e.current_step = ?, e.context = ?, e.step_results = ?,
              j.total_items = ?, j.processed_items = ?, j.success_count = j.success_count + ?,
              j.failed_count = j.failed_count + ?, j.updated_at = NOW(3)
        WHERE e.id = ? AND j.id = ?`,
      [
        progress.currentStep,
        progress.context,
        progress.stepResults,
        counters.totalItems,
        counters.processedItems,
        Math.trunc(counters.succeeded),
        Math.trunc(counters.failed),
        execution.id,
        execution.jobId,
      ],
    );
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

/**
 * saveProgress on SQLite, which writes one table per UPDATE: the execution, then its job, together
 * (a savepoint inside the caller's transaction). The job's row changes only with its execution.
 */
async function saveProgressOnSqlite(
  db: Db,
  execution: { id: string; jobId: string },
  progress: { currentStep: string | null; context: string; stepResults: string },
  counters: { totalItems: number; processedItems: number; succeeded: number; failed: number },
): Promise<void> {
  await managerOf(db).transaction(async (manager) => {
    const saved: { affectedRows: number } = await manager.query(
      'UPDATE workflow_executions SET current_step = ?, context = ?, step_results = ? WHERE id = ? AND job_id = ?',
      [progress.currentStep, progress.context, progress.stepResults, execution.id, execution.jobId],
    );
    if (saved.affectedRows === 0) return;
    await manager.query(
      `UPDATE crawling_jobs SET total_items = ?, processed_items = ?, success_count = success_count + ?,
              failed_count = failed_count + ?, updated_at = NOW(3)
        WHERE id = ?`,
      [
        counters.totalItems,
        counters.processedItems,
        Math.trunc(counters.succeeded),
        Math.trunc(counters.failed),
        execution.jobId,
      ],
    );
  });
}
