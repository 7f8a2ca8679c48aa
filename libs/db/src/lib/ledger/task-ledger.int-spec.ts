import { createTestDatabase, insertJob, insertWorkflow, onMysql, TestDatabase } from '@crawlflow/testing';
import type { NewTask } from './ledger.types';
import { PARKED_UNTIL, TaskLedger } from './task-ledger';

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

// Two transactions at once on two connections; on SQLite the second waits for the first by design.
onMysql('TaskLedger.releaseParked', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('releases the oldest parked entries without waiting for a relay round that holds due ones', async () => {
    const workflowId = await insertWorkflow(db.dataSource);
    const jobId = await insertJob(db.dataSource, workflowId);
    await db.dataSource.transaction((manager) =>
      TaskLedger.enqueue(manager, [
        ...tasks(jobId, 1, 3), // due now
        ...tasks(jobId, 4, 5).map((task) => ({ ...task, parkedUntil: PARKED_UNTIL })),
      ]),
    );
    // A relay round: it claimed the due entries and marked them, and waits for the broker's
    // confirms with its transaction open.
    const relay = db.dataSource.createQueryRunner();
    await relay.connect();
    await relay.startTransaction();
    try {
      const claimed = await TaskLedger.claimDue(relay.manager, 10);
      expect(claimed).toHaveLength(3);
      await TaskLedger.markDispatched(relay.manager, claimed, 60_000);

      const released = await db.dataSource.transaction(async (manager) => {
        await manager.query('SET SESSION innodb_lock_wait_timeout = 2');
        try {
          return await TaskLedger.releaseParked(manager, jobId, 2);
        } finally {
          await manager.query('SET SESSION innodb_lock_wait_timeout = DEFAULT');
        }
      });
      expect(released).toBe(2);
    } finally {
      await relay.commitTransaction();
      await relay.release();
    }
    const rows = await db.dataSource.query<Array<{ seq: number; due: number }>>(
      `SELECT t.sequence_number AS seq, q.scheduled_for < ? AS due
         FROM crawling_queues q JOIN crawling_tasks t ON t.id = q.task_id
        WHERE q.job_id = ? AND q.status = 'WAITING' ORDER BY t.sequence_number`,
      [PARKED_UNTIL, jobId],
    );
    expect(rows.map((row) => [Number(row.seq), Number(row.due)])).toEqual([
      [4, 1],
      [5, 1],
      [6, 0],
      [7, 0],
      [8, 0],
    ]);
  });
});
