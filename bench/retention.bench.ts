/**
 * Claim latency on a large ledger, before and after the old day's partition is dropped:
 * 1,024,000 finished entries in today's partition and 10,000 WAITING ones in tomorrow's; the
 * maintenance routine then runs with its clock 10 days ahead, dropping today's partition (all
 * finished) and keeping tomorrow's (it holds live entries). The claim is the relay's query (the
 * original design's claim query), LIMIT 100 FOR UPDATE SKIP LOCKED, each in its own transaction,
 * rolled back.
 * `node -r @swc-node/register bench/retention.bench.ts`
 */
import { DAY_MS, runMaintenance } from '@crawlflow/retention';
import { CLAIM_QUERY, createTestDatabase, seedLargeLedger, TestDatabase } from '@crawlflow/testing';

const SEED_ROWS = 1000;
const DOUBLINGS = 10;
const WAITING = 10_000;
const ROUNDS = 300;

async function seed(db: TestDatabase): Promise<number> {
  const started = performance.now();
  await seedLargeLedger(db.dataSource, { finished: SEED_ROWS, doublings: DOUBLINGS, waiting: WAITING });
  return performance.now() - started;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function claimLatency(
  db: TestDatabase,
): Promise<{ p50: number; p95: number; p99: number; max: number }> {
  const runner = db.dataSource.createQueryRunner();
  await runner.connect();
  const times: number[] = [];
  try {
    for (let i = 0; i < ROUNDS + 20; i += 1) {
      const started = performance.now();
      await runner.startTransaction();
      const rows: unknown[] = await runner.query(CLAIM_QUERY);
      await runner.rollbackTransaction();
      if (rows.length !== 100) throw new Error(`claimed ${rows.length}, expected 100`);
      if (i >= 20) times.push(performance.now() - started); // the first 20 warm the buffer pool
    }
  } finally {
    await runner.release();
  }
  times.sort((a, b) => a - b);
  return {
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    p99: percentile(times, 99),
    max: times[times.length - 1],
  };
}

async function explain(db: TestDatabase): Promise<string> {
  const [row] = await db.dataSource.query(`EXPLAIN ${CLAIM_QUERY}`);
  return `key=${row.key} type=${row.type} rows≈${row.rows} extra=${row.Extra ?? ''}`;
}

async function main(): Promise<void> {
  const db = await createTestDatabase();
  try {
    const [{ version }] = await db.dataSource.query('SELECT VERSION() AS version');
    const seedMs = await seed(db);
    const [{ n }] = await db.dataSource.query('SELECT COUNT(*) AS n FROM crawling_queues');
    const fmt = (l: { p50: number; p95: number; p99: number; max: number }): string =>
      `p50 ${l.p50.toFixed(2)} ms, p95 ${l.p95.toFixed(2)} ms, p99 ${l.p99.toFixed(2)} ms, max ${l.max.toFixed(2)} ms`;

    console.log(
      `server ${version}; ledger ${Number(n).toLocaleString('en')} rows (seeded in ${(seedMs / 1000).toFixed(1)} s)`,
    );
    console.log(`before drop: EXPLAIN ${await explain(db)}`);
    console.log(`before drop: claim LIMIT 100 × ${ROUNDS}: ${fmt(await claimLatency(db))}`);

    const started = performance.now();
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
    const maintenanceMs = performance.now() - started;
    if (report.status !== 'done' || !report.partitions.ok) throw new Error(JSON.stringify(report));
    const [{ remaining }] = await db.dataSource.query('SELECT COUNT(*) AS remaining FROM crawling_queues');
    console.log(
      `maintenance (clock +10 d): ${maintenanceMs.toFixed(0)} ms; dropped ${report.partitions.dropped.join(', ')}, ` +
        `kept ${report.partitions.kept.map((k) => k.partition).join(', ')}, added ${report.partitions.added.length}; ${remaining} rows left`,
    );
    await db.dataSource.query('ANALYZE TABLE crawling_queues');
    console.log(`after drop:  EXPLAIN ${await explain(db)}`);
    console.log(`after drop:  claim LIMIT 100 × ${ROUNDS}: ${fmt(await claimLatency(db))}`);
  } finally {
    await db.drop();
  }
  await deleteForContrast();
}

/** What the same clean-up costs without partitions: DELETE in batches of 10,000 (as one would). */
async function deleteForContrast(): Promise<void> {
  const db = await createTestDatabase();
  try {
    await seed(db);
    const started = performance.now();
    for (;;) {
      const result: { affectedRows: number } = await db.dataSource.query(
        "DELETE FROM crawling_queues WHERE status IN ('COMPLETED', 'FAILED') AND created_at < NOW(3) + INTERVAL 1 HOUR LIMIT 10000",
      );
      if (result.affectedRows < 10_000) break;
    }
    console.log(
      `for contrast: DELETE of the same finished rows in batches of 10,000: ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  } finally {
    await db.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
