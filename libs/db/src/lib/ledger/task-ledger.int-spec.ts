import { createTestDatabase, insertJob, insertWorkflow, TestDatabase } from '@crawlflow/testing';
import type { NewTask } from './ledger.types';
import { TaskLedger } from './task-ledger';

function tasks(jobId: string, first: number, count: number): NewTask[] {
  return Array.from({ length: count }, (_, i) => ({
    jobId,
    taskType: 'FETCH' as const,
    priority: 5,
    sequenceNumber: first + i,
    payload: { job: jobId, sequence: first + i },
  }));
}

describe('TaskLedger.enqueue', () => {
  let db: TestDatabase;
  let jobs: string[];

  beforeAll(async () => {
    db = await createTestDatabase();
    const workflowId = await insertWorkflow(db.dataSource);
    jobs = [await insertJob(db.dataSource, workflowId), await insertJob(db.dataSource, workflowId)];
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('gives every entry its own task, also when enqueues of several jobs run at once', async () => {
    // Batches of two jobs, mixed within a statement and racing each other in separate transactions.
    const batches = Array.from({ length: 8 }, (_, b) => [
      ...tasks(jobs[b % 2], b * 1000 + 1, 300),
      ...tasks(jobs[(b + 1) % 2], b * 1000 + 501, 200),
    ]);
    const returned = await Promise.all(
      batches.map((batch) => db.dataSource.transaction((manager) => TaskLedger.enqueue(manager, batch))),
    );

    const rows: Array<{ task_id: string; payload: string; job_id: string; sequence_number: number }> =
      await db.dataSource.query(
        `SELECT q.task_id, q.payload, t.job_id, t.sequence_number
           FROM crawling_queues q JOIN crawling_tasks t ON t.id = q.task_id`,
      );
    expect(rows).toHaveLength(8 * 500);
    const mismatched = rows.filter((row) => {
      const payload = JSON.parse(row.payload) as { job: string; sequence: number };
      return payload.job !== String(row.job_id) || payload.sequence !== Number(row.sequence_number);
    });
    expect(mismatched).toEqual([]);
    const taskIds = new Set(rows.map((row) => String(row.task_id)));
    expect(taskIds.size).toBe(8 * 500);
    // What enqueue returned agrees with the rows.
    const byTask = new Map(rows.map((row) => [String(row.task_id), Number(row.sequence_number)]));
    for (const list of returned) {
      for (const { taskId, sequenceNumber } of list) expect(byTask.get(taskId)).toBe(sequenceNumber);
    }
  });
});
