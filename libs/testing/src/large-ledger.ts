import type { DataSource } from 'typeorm';

/** The original design's claim query as the relay runs it (TaskLedger.claimDue), for EXPLAIN and timing. */
export const CLAIM_QUERY = `SELECT id, job_id, task_id, stage, queue_type, attempt_count, payload
  FROM crawling_queues
 WHERE status = 'WAITING' AND scheduled_for <= NOW(3)
 ORDER BY queue_type, priority DESC, created_at
 LIMIT 100
   FOR UPDATE SKIP LOCKED`;

const TIERS = ['HIGH_PRIORITY', 'NORMAL', 'LOW_PRIORITY'];
const STAGES = ['FETCH', 'PARSE', 'STORE'];

/**
 * A large ledger fast: `finished` COMPLETED/FAILED entries of today (every tier, stage and
 * priority), doubled `doublings` times with INSERT … SELECT, plus `waiting` WAITING entries created
 * "tomorrow" (their own partition) and due now. Ends with ANALYZE TABLE.
 */
export async function seedLargeLedger(
  dataSource: DataSource,
  options: { finished: number; doublings: number; waiting: number },
): Promise<void> {
  const seed = Array.from({ length: options.finished }, (_, i) => i);
  await dataSource.query(
    `INSERT INTO crawling_queues (queue_type, stage, job_id, task_id, priority, status, payload, created_at)
     VALUES ${seed.map(() => `(?, ?, ?, ?, ?, ?, '{"url":"http://127.0.0.1/"}', NOW(3) - INTERVAL ? SECOND)`).join(', ')}`,
    seed.flatMap((i) => [
      TIERS[i % 3],
      STAGES[i % 3],
      i,
      i,
      (i % 10) + 1,
      i % 20 === 0 ? 'FAILED' : 'COMPLETED',
      i,
    ]),
  );
  for (let i = 0; i < options.doublings; i += 1) {
    await dataSource.query(
      `INSERT INTO crawling_queues (queue_type, stage, job_id, task_id, priority, status, payload, created_at)
       SELECT queue_type, stage, job_id, task_id, priority, status, payload, created_at FROM crawling_queues`,
    );
  }
  const batch = Array.from({ length: 1000 }, (_, i) => i);
  for (let first = 0; first < options.waiting; first += 1000) {
    await dataSource.query(
      `INSERT INTO crawling_queues (queue_type, stage, job_id, task_id, priority, status, scheduled_for, payload, created_at)
       VALUES ${batch.map(() => "(?, 'FETCH', 1, ?, ?, 'WAITING', NOW(3) - INTERVAL 1 SECOND, '{}', NOW(3) + INTERVAL 1 DAY + INTERVAL ? SECOND)").join(', ')}`,
      batch.flatMap((i) => [TIERS[i % 3], first + i, (i % 10) + 1, i]),
    );
  }
  await dataSource.query('ANALYZE TABLE crawling_queues');
}
