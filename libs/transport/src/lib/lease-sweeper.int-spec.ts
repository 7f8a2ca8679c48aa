import type { TaskResult } from '@crawlflow/contracts';
import { TaskLedger } from '@crawlflow/db';
import type { MessagingLogger } from '@crawlflow/messaging';
import { createTestDatabase, insertJob, insertWorkflow, taskBatch, TestDatabase } from '@crawlflow/testing';
import { LeaseSweeper } from './lease-sweeper';
import { ResultApplier } from './result-applier';
import { defaultResultPolicy } from './retry-policy';

jest.setTimeout(120_000);

/** The lease sweeper against a real ledger: what comes back, what ends, and no failures under load. */
describe('LeaseSweeper', () => {
  let db: TestDatabase;
  let workflowId: string;
  const warnings: string[] = [];
  const logger: MessagingLogger = {
    log: () => undefined,
    warn: (message) => warnings.push(message),
    error: (message) => warnings.push(message),
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    workflowId = await insertWorkflow(db.dataSource);
  });

  afterAll(async () => {
    await db?.drop();
  });

  beforeEach(() => warnings.splice(0));

  const applier = (): ResultApplier =>
    new ResultApplier(db.dataSource, {
      policy: defaultResultPolicy(3, { baseMs: 100, capMs: 1000, jitter: 0 }),
    });

  /** `count` entries of a new job, dispatched `attempts` times, all with their lease run out. */
  async function expired(
    count: number,
    attempts = 1,
    jobStatus = 'RUNNING',
  ): Promise<{ jobId: string; ids: string[] }> {
    const jobId = await insertJob(db.dataSource, workflowId);
    await db.dataSource.query('UPDATE crawling_jobs SET status = ? WHERE id = ?', [jobStatus, jobId]);
    await db.dataSource.transaction((manager) => TaskLedger.enqueue(manager, taskBatch(jobId, count)));
    await db.dataSource.query(
      `UPDATE crawling_queues SET status = 'PROCESSING', attempt_count = ?, dispatched_at = NOW(3),
              lease_until = NOW(3) - INTERVAL 1 SECOND WHERE job_id = ?`,
      [attempts, jobId],
    );
    const rows: Array<{ id: string }> = await db.dataSource.query(
      'SELECT id FROM crawling_queues WHERE job_id = ? ORDER BY id',
      [jobId],
    );
    return { jobId, ids: rows.map((r) => String(r.id)) };
  }

  async function statuses(jobId: string): Promise<Record<string, number>> {
    const rows: Array<{ status: string; n: string }> = await db.dataSource.query(
      'SELECT status, COUNT(*) AS n FROM crawling_queues WHERE job_id = ? GROUP BY status',
      [jobId],
    );
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  it('dispatches expired entries of a running job again, and ends those of a finished job', async () => {
    const running = await expired(3);
    const cancelled = await expired(2, 1, 'CANCELLED');
    const sweeper = new LeaseSweeper(db.dataSource, { leaseMs: 10_000, applier: applier(), logger });
    await sweeper.sweep();
    expect(await statuses(running.jobId)).toEqual({ WAITING: 3 });
    expect(await statuses(cancelled.jobId)).toEqual({ FAILED: 2 });
    const [entry] = await db.dataSource.query('SELECT last_error FROM crawling_queues WHERE id = ?', [
      cancelled.ids[0],
    ]);
    expect(entry.last_error).toMatch(/job ended/);
  });

  it('leaves entries whose worker renews their lease', async () => {
    const { jobId, ids } = await expired(2);
    await TaskLedger.extendLeases(db.dataSource, [{ id: ids[0], attempt: 1 }], 10_000);
    await new LeaseSweeper(db.dataSource, { leaseMs: 10_000, logger }).sweep();
    expect(await statuses(jobId)).toEqual({ PROCESSING: 1, WAITING: 1 });
  });

  it('fails through the result path an entry dispatched too often that ran alone without a result, not a bystander', async () => {
    const { jobId, ids } = await expired(2, 3);
    // Its lease ran out twice before (and now a third time), and it ran alone once.
    await db.dataSource.query('UPDATE crawling_queues SET lease_expiries = 2 WHERE job_id = ?', [jobId]);
    await db.dataSource.query('UPDATE crawling_queues SET quarantine_starts = 1 WHERE id = ?', [ids[0]]);
    const sweeper = new LeaseSweeper(db.dataSource, {
      leaseMs: 10_000,
      maxDispatches: 3,
      applier: applier(),
      logger,
    });
    await sweeper.sweep();
    const rows: Array<{ status: string; task_status: string; error_message: string | null }> =
      await db.dataSource.query(
        `SELECT q.status, t.status AS task_status, t.error_message FROM crawling_queues q
           JOIN crawling_tasks t ON t.id = q.task_id WHERE q.job_id = ? ORDER BY q.id`,
        [jobId],
      );
    expect(rows[0]).toMatchObject({ status: 'FAILED', task_status: 'FAILED' });
    expect(rows[0].error_message).toMatch(/dispatched 3 times without a result .*kills or hangs its worker/);
    // Never ran alone: stuck behind the culprit on a wedged worker, it is dispatched again.
    expect(rows[1]).toMatchObject({ status: 'WAITING' });
  });

  it('counts only leases that ran out since the last result: retried dispatches are not poison', async () => {
    // Dispatched 3 times, but the first two ended in results (retries): only this lease ran out.
    const { jobId } = await expired(1, 3);
    await db.dataSource.query('UPDATE crawling_queues SET quarantine_starts = 1 WHERE job_id = ?', [jobId]);
    await new LeaseSweeper(db.dataSource, {
      leaseMs: 10_000,
      maxDispatches: 3,
      applier: applier(),
      logger,
    }).sweep();
    expect(await statuses(jobId)).toEqual({ WAITING: 1 });
    const [entry] = await db.dataSource.query<Array<{ lease_expiries: number }>>(
      'SELECT lease_expiries FROM crawling_queues WHERE job_id = ?',
      [jobId],
    );
    expect(Number(entry.lease_expiries)).toBe(1);
  });

  it('sweeps without failing while result batches finish entries of the in-flight range at once', async () => {
    // 3,000 in flight across tiers and priorities (the claim index orders them otherwise than ids),
    // a tenth of them with their lease run out; results for the live ones arrive in their own order.
    const jobId = await insertJob(db.dataSource, workflowId);
    const tasks = taskBatch(jobId, 3000).map((task, i) => ({ ...task, priority: 1 + ((i * 7) % 10) }));
    await db.dataSource.transaction((manager) => TaskLedger.enqueue(manager, tasks));
    await db.dataSource.query(
      `UPDATE crawling_queues SET status = 'PROCESSING', attempt_count = 1, dispatched_at = NOW(3),
              lease_until = IF(id % 10 = 0, NOW(3) - INTERVAL 1 SECOND, NOW(3) + INTERVAL 1 HOUR)
        WHERE job_id = ?`,
      [jobId],
    );
    const rows: Array<{ id: string; task_id: string }> = await db.dataSource.query(
      'SELECT id, task_id FROM crawling_queues WHERE job_id = ? AND id % 10 <> 0',
      [jobId],
    );
    const apply = applier();
    const result = (row: { id: string; task_id: string }): TaskResult => {
      const now = new Date().toISOString();
      return {
        v: 1,
        queue_id: String(row.id),
        task_id: String(row.task_id),
        job_id: jobId,
        stage: 'fetch',
        attempt: 1,
        outcome: 'SUCCESS',
        started_at: now,
        completed_at: now,
        response_time_ms: 1,
      };
    };
    const shuffled = [...rows].sort(() => Math.random() - 0.5);
    const batches = Array.from({ length: Math.ceil(shuffled.length / 50) }, (_, i) =>
      shuffled.slice(i * 50, i * 50 + 50),
    );
    let applying = true;
    const sweeps = async (): Promise<void> => {
      const sweeper = new LeaseSweeper(db.dataSource, { leaseMs: 10_000, logger });
      while (applying) await sweeper.sweep();
    };
    const lanes = [0, 1, 2].map(async (lane) => {
      for (let i = lane; i < batches.length; i += 3) await apply.apply(batches[i].map(result));
    });
    const sweepers = [sweeps(), sweeps()];
    await Promise.all(lanes);
    applying = false;
    await Promise.all(sweepers);
    expect(warnings.filter((w) => /sweep failed/.test(w))).toEqual([]);
    expect(await statuses(jobId)).toEqual({ COMPLETED: rows.length, WAITING: 3000 - rows.length });
  });
});
