import { createTestDatabase, onMysql, TestDatabase } from '@crawlflow/testing';
import { QueryRunner } from 'typeorm';

/** The original design's claim query, verbatim (docs/data-model.md#the-claim-query). */
const CLAIM_QUERY = `SELECT * FROM crawling_queues
WHERE status = 'WAITING'
  AND scheduled_for <= NOW()
ORDER BY queue_type, priority DESC, created_at
LIMIT 10
FOR UPDATE SKIP LOCKED`;

const CLAIM_INDEXES = ['idx_queues_claim'];
const ROWS = 5000;
const STATUSES = ['WAITING', 'PROCESSING', 'COMPLETED', 'COMPLETED', 'COMPLETED', 'FAILED'];
const QUEUE_TYPES = ['HIGH_PRIORITY', 'NORMAL', 'NORMAL', 'LOW_PRIORITY'];

interface ExplainRow {
  key: string | null;
  possible_keys: string | null;
  rows: number | string;
  Extra: string | null;
}

interface QueueRow {
  id: string;
  queue_type: string;
  priority: number;
}

// InnoDB's plan and row locks between two connections; SQLite has one writer and no row locks.
onMysql("the original design's queue-claim query", () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
    // Deterministic spread: most entries finished, a sixth WAITING, a few of those not yet due.
    const values: string[] = [];
    for (let i = 0; i < ROWS; i += 1) {
      const status = STATUSES[i % STATUSES.length];
      const queueType = QUEUE_TYPES[i % QUEUE_TYPES.length];
      const priority = (i % 10) + 1;
      const dueOffsetSec = i % 7 === 0 ? 3600 : -((i % 600) + 1);
      const createdOffsetMs = -(ROWS - i) * 10;
      values.push(
        `('${queueType}', 'FETCH', ${i + 1}, ${i + 1}, ${priority}, '${status}', ` +
          `NOW(3) + INTERVAL ${dueOffsetSec} SECOND, '{}', NOW(3) + INTERVAL ${createdOffsetMs * 1000} MICROSECOND)`,
      );
    }
    for (let start = 0; start < values.length; start += 1000) {
      await db.dataSource.query(
        'INSERT INTO crawling_queues (queue_type, stage, job_id, task_id, priority, status, scheduled_for, payload, created_at) VALUES ' +
          values.slice(start, start + 1000).join(', '),
      );
    }
    await db.dataSource.query('ANALYZE TABLE crawling_queues');
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('holds the rows it was given', async () => {
    const [{ n }] = await db.dataSource.query<{ n: string | number }[]>(
      'SELECT COUNT(*) AS n FROM crawling_queues',
    );
    expect(Number(n)).toBe(ROWS);
  });

  it('is planned on a claim index', async () => {
    const explain = await db.dataSource.query<ExplainRow[]>(`EXPLAIN ${CLAIM_QUERY}`);
    console.log(`EXPLAIN of the claim query:\n${JSON.stringify(explain, null, 2)}`);
    expect(explain).toHaveLength(1);
    expect(CLAIM_INDEXES).toContain(explain[0].key);
    // The index order is the query's order: no sort, so LIMIT 10 stops after ~10 entries.
    expect(explain[0].Extra ?? '').not.toMatch(/filesort/i);
  });

  it('hands two concurrent transactions disjoint entries, in claim order', async () => {
    const first = db.dataSource.createQueryRunner();
    const second = db.dataSource.createQueryRunner();
    try {
      await first.startTransaction();
      await second.startTransaction();
      const claimedFirst = await claim(first);
      const claimedSecond = await claim(second);

      expect(claimedFirst).toHaveLength(10);
      expect(claimedSecond).toHaveLength(10);
      const firstIds = new Set(claimedFirst.map((row) => row.id));
      expect(claimedSecond.filter((row) => firstIds.has(row.id))).toEqual([]);
      // HIGH_PRIORITY sorts first (enum index order), and within it the highest priority.
      expect(claimedFirst.every((row) => row.queue_type === 'HIGH_PRIORITY')).toBe(true);
      expect(claimedFirst[0].priority).toBeGreaterThanOrEqual(claimedFirst[9].priority);

      await first.commitTransaction();
      await second.commitTransaction();
    } finally {
      if (first.isTransactionActive) await first.rollbackTransaction();
      if (second.isTransactionActive) await second.rollbackTransaction();
      await first.release();
      await second.release();
    }
  });

  it('gives the first transaction its entries back once it ends', async () => {
    const runner = db.dataSource.createQueryRunner();
    try {
      await runner.startTransaction();
      const again = await claim(runner);
      expect(again).toHaveLength(10);
      await runner.commitTransaction();
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      await runner.release();
    }
  });
});

function claim(runner: QueryRunner): Promise<QueueRow[]> {
  return runner.query(CLAIM_QUERY) as Promise<QueueRow[]>;
}
