import { TaskLedger } from '@crawlflow/db';
import { createTestDatabase, TestDatabase, onMysql } from '@crawlflow/testing';
import { runMaintenance } from './maintenance-routine';
import { DAY_MS, dailyPartitionName, startOfUtcDay } from './partition-plan';

jest.setTimeout(60_000);

const settings = {
  queueRetentionDays: 7,
  partitionsAheadDays: 3,
  jobRetentionDays: 30,
  archiveBatchSize: 500,
  archivePauseMs: 0,
};

const databases: TestDatabase[] = [];
async function database(): Promise<TestDatabase> {
  const db = await createTestDatabase();
  databases.push(db);
  return db;
}

afterAll(async () => {
  await Promise.all(databases.map((db) => db.drop()));
});

async function partitionNames(db: TestDatabase): Promise<string[]> {
  const rows: Array<{ PARTITION_NAME: string }> = await db.dataSource.query(
    `SELECT PARTITION_NAME FROM information_schema.PARTITIONS
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'crawling_queues' ORDER BY PARTITION_ORDINAL_POSITION`,
  );
  return rows.map((row) => row.PARTITION_NAME);
}

async function countIn(db: TestDatabase, partition: string): Promise<number> {
  const [row] = await db.dataSource.query(
    `SELECT COUNT(*) AS n FROM crawling_queues PARTITION (\`${partition}\`)`,
  );
  return Number(row.n);
}

/** Ledger entries created `dayOffset` days from now (the database's clock). */
async function insertEntries(
  db: TestDatabase,
  count: number,
  status: string,
  dayOffset: number,
): Promise<string[]> {
  const rows = Array.from({ length: count }, (_, i) => i);
  const result: { insertId: number } = await db.dataSource.query(
    `INSERT INTO crawling_queues (stage, job_id, task_id, priority, status, scheduled_for, created_at, payload)
     VALUES ${rows.map(() => "('FETCH', 1, ?, 5, ?, NOW(3) - INTERVAL 1 SECOND, NOW(3) + INTERVAL ? DAY, '{}')").join(', ')}`,
    rows.flatMap((i) => [i + 1, status, dayOffset]),
  );
  return rows.map((i) => String(result.insertId + i));
}

const dayName = (offset: number): string => dailyPartitionName(startOfUtcDay(Date.now()) + offset * DAY_MS);

// SQLite has no partitions: ledger-retention.int-spec.ts covers its retention.
onMysql('queue partition maintenance', () => {
  it('with the clock 10 days ahead: adds the days ahead, drops the finished old day, keeps the one with a WAITING entry, which still runs', async () => {
    const db = await database();
    await insertEntries(db, 200, 'COMPLETED', 0);
    await insertEntries(db, 50, 'FAILED', 0);
    const [waiting] = await insertEntries(db, 1, 'WAITING', 1);
    await insertEntries(db, 20, 'COMPLETED', 1);
    expect(await partitionNames(db)).toEqual([dayName(0), dayName(1), 'p_future']);

    const now = new Date(Date.now() + 10 * DAY_MS);
    const report = await runMaintenance(db.dataSource, settings, { now });
    if (report.status !== 'done' || !report.partitions.ok) throw new Error(JSON.stringify(report));
    // Ahead: up to now + 3 days; behind: only back to the retention horizon (now - 7 days).
    const expectedAdded = Array.from({ length: 11 }, (_, i) => dayName(3 + i));
    expect(report.partitions.added).toEqual(expectedAdded);
    expect(report.partitions.dropped).toEqual([dayName(0)]);
    expect(report.partitions.kept).toEqual([{ partition: dayName(1), liveEntries: 1 }]);
    expect(await partitionNames(db)).toEqual([dayName(1), ...expectedAdded, 'p_future']);
    expect(await countIn(db, dayName(1))).toBe(21);

    // The kept entry is still claimable by the relay's (the original design's) claim query.
    const claimed = await db.dataSource.transaction((manager) => TaskLedger.claimDue(manager, 10));
    expect(claimed.map((entry) => entry.id)).toEqual([waiting]);

    // Idempotent: a second run has nothing to do.
    const again = await runMaintenance(db.dataSource, settings, { now });
    if (again.status !== 'done' || !again.partitions.ok) throw new Error(JSON.stringify(again));
    expect(again.partitions).toMatchObject({ added: [], dropped: [] });

    // Once the entry has run, the old day goes too.
    await db.dataSource.query("UPDATE crawling_queues SET status = 'COMPLETED' WHERE id = ?", [waiting]);
    const last = await runMaintenance(db.dataSource, settings, { now });
    if (last.status !== 'done' || !last.partitions.ok) throw new Error(JSON.stringify(last));
    expect(last.partitions.dropped).toEqual([dayName(1)]);
    expect(await partitionNames(db)).toEqual([...expectedAdded, 'p_future']);
  });

  it('moves rows that p_future holds for a day now due into that day (REORGANIZE is the catch-all)', async () => {
    const db = await database();
    await insertEntries(db, 30, 'WAITING', 5);
    await insertEntries(db, 10, 'COMPLETED', 6);
    expect(await countIn(db, 'p_future')).toBe(40);

    const first = await runMaintenance(db.dataSource, settings);
    if (first.status !== 'done' || !first.partitions.ok) throw new Error(JSON.stringify(first));
    expect(first.partitions.added).toEqual([dayName(2), dayName(3)]);
    expect(await countIn(db, 'p_future')).toBe(40);

    const later = await runMaintenance(db.dataSource, settings, { now: new Date(Date.now() + 5 * DAY_MS) });
    if (later.status !== 'done' || !later.partitions.ok) throw new Error(JSON.stringify(later));
    expect(later.partitions.added).toEqual([4, 5, 6, 7, 8].map(dayName));
    expect(await countIn(db, dayName(5))).toBe(30);
    expect(await countIn(db, dayName(6))).toBe(10);
    expect(await countIn(db, 'p_future')).toBe(0);
    const [{ n }] = await db.dataSource.query(
      "SELECT COUNT(*) AS n FROM crawling_queues WHERE status = 'WAITING'",
    );
    expect(Number(n)).toBe(30);
  });

  it('reports a table that is not partitioned as expected, and still archives', async () => {
    const db = await database();
    await db.dataSource.query('ALTER TABLE crawling_queues REMOVE PARTITIONING');
    const report = await runMaintenance(db.dataSource, settings);
    if (report.status !== 'done') throw new Error(JSON.stringify(report));
    expect(report.partitions).toEqual({
      ok: false,
      error: expect.stringMatching(
        /^crawling_queues is not partitioned as expected \(the table has no partitions\)/,
      ),
    });
    expect(report.archive.ok).toBe(true);

    // Partitioned differently (no p_future): same clear refusal, nothing altered.
    await db.dataSource.query(
      `ALTER TABLE crawling_queues PARTITION BY RANGE (FLOOR(UNIX_TIMESTAMP(created_at)))
         (PARTITION p_all VALUES LESS THAN (${Math.floor(Date.now() / 1000) + 86_400}))`,
    );
    const other = await runMaintenance(db.dataSource, settings);
    if (other.status !== 'done') throw new Error(JSON.stringify(other));
    expect(other.partitions).toEqual({
      ok: false,
      error: expect.stringContaining('the last partition is p_all, not p_future MAXVALUE'),
    });
    expect(await partitionNames(db)).toEqual(['p_all']);
  });
});
