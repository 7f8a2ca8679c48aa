/**
 * Scheduler claim throughput: 10,000 active schedules, 1,000 of them due, one tick. Jobs created per
 * second by the tick (claim + createJob + decisions + next_run_at in one transaction per batch), beside
 * plain single-row INSERTs of the same job rows in the same run.
 * `node -r @swc-node/register bench/scheduler.bench.ts`
 */
import { SchedulerService } from '@crawlflow/scheduling';
import { createTestDatabase, insertWorkflow, TestDatabase } from '@crawlflow/testing';

const SCHEDULES = 10_000;
const DUE = 1_000;

async function seed(db: TestDatabase, workflowId: string): Promise<void> {
  // Due ones: an every-minute cron, due at the current minute (so none is due twice in the tick).
  for (let first = 0; first < SCHEDULES; first += 1000) {
    const rows = Array.from({ length: 1000 }, (_, i) => first + i);
    await db.dataSource.query(
      `INSERT INTO crawling_schedules (workflow_id, schedule_type, cron_expression, priority, overlap_policy, next_run_at)
       VALUES ${rows.map(() => "(?, 'FIXED', '0 * * * * *', ?, 'ALLOW', ?)").join(', ')}`,
      rows.flatMap((i) => [workflowId, (i % 10) + 1, i < DUE ? null : new Date(Date.now() + 86_400_000)]),
    );
  }
}

async function run(
  batchSize: number,
): Promise<{ rate: number; fired: number; ms: number; plainRate: number; txRate: number }> {
  const db = await createTestDatabase();
  try {
    const workflowId = await insertWorkflow(db.dataSource);
    await seed(db, workflowId);
    await db.dataSource.query(
      'UPDATE crawling_schedules SET next_run_at = FROM_UNIXTIME(FLOOR(UNIX_TIMESTAMP(NOW(3)) / 60) * 60) WHERE next_run_at IS NULL',
    );
    const scheduler = new SchedulerService(db.dataSource, {
      scheduler: { tickMs: 1000, batchSize, catchUpWindowSeconds: 3600, misfireGraceMs: 120_000 },
    });
    const started = performance.now();
    const stats = await scheduler.tick();
    const ms = performance.now() - started;

    // The same job rows, one INSERT each: autocommit, then inside one transaction.
    const jobs = await db.dataSource.query<Array<Record<string, unknown>>>(
      'SELECT schedule_id, workflow_id, workflow_version, target_id, job_type, priority, scheduled_at FROM crawling_jobs',
    );
    const insert = (
      manager: { query: (sql: string, p: unknown[]) => Promise<unknown> },
      job: Record<string, unknown>,
    ) =>
      manager.query(
        `INSERT INTO crawling_jobs (schedule_id, workflow_id, workflow_version, target_id, job_type, status, priority, scheduled_at)
         VALUES (NULL, ?, ?, ?, ?, 'PENDING', ?, ?)`,
        [job.workflow_id, job.workflow_version, job.target_id, job.job_type, job.priority, job.scheduled_at],
      );
    let t = performance.now();
    for (const job of jobs) await insert(db.dataSource, job);
    const plainRate = jobs.length / ((performance.now() - t) / 1000);
    t = performance.now();
    await db.dataSource.transaction(async (manager) => {
      for (const job of jobs) await insert(manager, job);
    });
    const txRate = jobs.length / ((performance.now() - t) / 1000);
    return { rate: stats.fired / (ms / 1000), fired: stats.fired, ms, plainRate, txRate };
  } finally {
    await db.drop();
  }
}

async function main(): Promise<void> {
  for (const batch of [100, 1000]) {
    const r = await run(batch);
    console.log(
      `SCHEDULER_BATCH=${batch}: ${SCHEDULES} schedules, ${r.fired} due fired in one tick in ${r.ms.toFixed(0)} ms ` +
        `= ${r.rate.toFixed(0)} jobs/s | plain single-row INSERTs: ${r.plainRate.toFixed(0)} rows/s autocommit, ` +
        `${r.txRate.toFixed(0)} rows/s in one transaction`,
    );
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
