import { CLAIM_QUERY, createTestDatabase, seedLargeLedger, TestDatabase, onMysql } from '@crawlflow/testing';
import { runMaintenance } from './maintenance-routine';
import { DAY_MS, dailyPartitionName, startOfUtcDay } from './partition-plan';

jest.setTimeout(150_000);

/** 1000 × 2^10 = 1,024,000 finished entries (doubling INSERT … SELECT), and 10,000 waiting ones. */
const SEED_ROWS = 1000;
const DOUBLINGS = 10;
const WAITING = 10_000;

let db: TestDatabase;

async function scalar(sql: string): Promise<number> {
  const [row] = await db.dataSource.query(sql);
  return Number(Object.values(row)[0]);
}

interface ExplainRow {
  key: string | null;
  rows: number | string;
  Extra: string | null;
}

async function explainClaim(): Promise<ExplainRow[]> {
  return db.dataSource.query(`EXPLAIN ${CLAIM_QUERY}`);
}

beforeAll(async () => {
  db = await createTestDatabase();
  await seedLargeLedger(db.dataSource, { finished: SEED_ROWS, doublings: DOUBLINGS, waiting: WAITING });
}, 150_000);

afterAll(async () => {
  await db?.drop();
});

// An index plan of MySQL's optimizer over partitions.
onMysql('the claim query on a large ledger', () => {
  it('uses idx_queues_claim over 1,024,000 finished + 10,000 waiting entries, before and after the old day is dropped', async () => {
    expect(await scalar("SELECT COUNT(*) FROM crawling_queues WHERE status IN ('COMPLETED', 'FAILED')")).toBe(
      SEED_ROWS * 2 ** DOUBLINGS,
    );
    const before = await explainClaim();
    expect(before).toHaveLength(1);
    expect(before[0].key).toBe('idx_queues_claim');
    // A range over the WAITING entries of the index, not a scan of the finished ones.
    expect(Number(before[0].rows)).toBeLessThan(100_000);

    const today = dailyPartitionName(startOfUtcDay(Date.now()));
    const report = await runMaintenance(
      db.dataSource,
      {
        queueRetentionDays: 7,
        partitionsAheadDays: 3,
        jobRetentionDays: 30,
        archiveBatchSize: 500,
        archivePauseMs: 0,
      },
      { now: new Date(Date.now() + 10 * DAY_MS) },
    );
    if (report.status !== 'done' || !report.partitions.ok) throw new Error(JSON.stringify(report));
    expect(report.partitions.dropped).toEqual([today]);
    expect(await scalar('SELECT COUNT(*) FROM crawling_queues')).toBe(WAITING);

    await db.dataSource.query('ANALYZE TABLE crawling_queues');
    const after = await explainClaim();
    expect(after[0].key).toBe('idx_queues_claim');

    // High tier first, then priority, then age — and every waiting entry is still there to claim.
    const claimed: Array<{ queue_type: string }> = await db.dataSource.transaction((m) =>
      m.query(CLAIM_QUERY),
    );
    expect(claimed).toHaveLength(100);
    expect(claimed.every((row) => row.queue_type === 'HIGH_PRIORITY')).toBe(true);
  });
});
