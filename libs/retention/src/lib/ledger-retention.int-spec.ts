import { TaskLedger } from '@crawlflow/db';
import {
  createTestDatabase,
  insertJob,
  insertWorkflow,
  taskBatch,
  testDialect,
  type TestDatabase,
} from '@crawlflow/testing';
import { describeMaintenance, runMaintenance } from './maintenance-routine';

const DAY_MS = 86_400_000;
const onSqlite = testDialect() === 'sqlite' ? describe : describe.skip;

/** SQLite has no partitions: the routine deletes finished entries past the retention instead. */
onSqlite('queue retention on SQLite', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('deletes finished entries older than QUEUE_RETENTION_DAYS and keeps live and recent ones', async () => {
    const jobId = await insertJob(db.dataSource, await insertWorkflow(db.dataSource));
    await db.dataSource.transaction((manager) => TaskLedger.enqueue(manager, taskBatch(jobId, 6)));
    const ids = (
      await db.dataSource.query<Array<{ id: string }>>('SELECT id FROM crawling_queues ORDER BY id')
    ).map((row) => String(row.id));
    const now = Date.now();
    const old = new Date(now - 10 * DAY_MS);
    const recent = new Date(now - 2 * DAY_MS);
    const set = (id: string, status: string, createdAt: Date): Promise<unknown> =>
      db.dataSource.query('UPDATE crawling_queues SET status = ?, created_at = ? WHERE id = ?', [
        status,
        createdAt,
        id,
      ]);
    await set(ids[0], 'COMPLETED', old);
    await set(ids[1], 'FAILED', old);
    await set(ids[2], 'WAITING', old);
    await set(ids[3], 'PROCESSING', old);
    await set(ids[4], 'COMPLETED', recent);

    const report = await runMaintenance(
      db.dataSource,
      {
        queueRetentionDays: 7,
        jobRetentionDays: 30,
        archiveBatchSize: 100,
        archivePauseMs: 0,
        partitionsAheadDays: 3,
      },
      { now: new Date(now) },
    );

    expect(report).toMatchObject({ status: 'done', partitions: { ok: true, deletedEntries: 2 } });
    expect(describeMaintenance(report)).toContain('finished ledger entries deleted: 2');
    const left = await db.dataSource.query<Array<{ id: string }>>(
      'SELECT id FROM crawling_queues ORDER BY id',
    );
    expect(left.map((row) => String(row.id))).toEqual(ids.slice(2));
  });
});
