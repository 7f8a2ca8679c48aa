import { createDataSource } from '@crawlflow/db';
import { createTestDatabase, insertWorkflow, TestDatabase, testDialect, waitFor } from '@crawlflow/testing';
import { DataSource } from 'typeorm';
import { SchedulerService } from './scheduler.service';
import { createSchedule, fireSchedule, getSchedule, softDeleteSchedule } from './store/schedules';

jest.setTimeout(90_000);

const settings = { tickMs: 200, batchSize: 100, catchUpWindowSeconds: 3600, misfireGraceMs: 1500 };

let db: TestDatabase;
let second: DataSource;
let workflowId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  // SQLite has one writer per file, in one process: there the second replica shares the connection
  // (the standalone process runs one scheduler; two still must not fire a due time twice).
  if (testDialect() === 'sqlite') second = db.dataSource;
  else {
    second = createDataSource(db.config);
    await second.initialize();
  }
  workflowId = await insertWorkflow(db.dataSource);
});

afterAll(async () => {
  if (second !== db?.dataSource && second?.isInitialized) await second.destroy();
  await db?.drop();
});

const scheduler = (dataSource: DataSource, overrides: Partial<typeof settings> = {}) =>
  new SchedulerService(dataSource, { scheduler: { ...settings, ...overrides } });

async function create(input: Record<string, unknown>): Promise<string> {
  return (await createSchedule(db.dataSource.manager, { workflow_id: workflowId, ...input })).id;
}

async function decisions(
  scheduleId: string,
): Promise<Array<{ due_at: Date; decision: string; job_id: string | null; reason: string | null }>> {
  return db.dataSource.query(
    'SELECT due_at, decision, job_id, reason FROM schedule_decisions WHERE schedule_id = ? ORDER BY due_at, id',
    [scheduleId],
  );
}

async function jobCount(scheduleIds: string[]): Promise<number> {
  const [row] = await db.dataSource.query(
    'SELECT COUNT(*) AS n FROM crawling_jobs WHERE schedule_id IN (?)',
    [scheduleIds],
  );
  return Number(row.n);
}

/** Waits until every schedule is due by the database clock. */
async function waitDue(ids: string[]): Promise<void> {
  await waitFor(
    async () => {
      const [row] = await db.dataSource.query(
        'SELECT COUNT(*) AS n FROM crawling_schedules WHERE id IN (?) AND next_run_at <= NOW(3)',
        [ids],
      );
      return Number(row.n) === ids.length;
    },
    { timeoutMs: 5000, intervalMs: 20, what: 'schedules to be due' },
  );
}

describe('scheduler with two replicas', () => {
  it('creates exactly one job per (schedule, due time), without gaps; never fires MANUAL, inactive or deleted', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 50; i += 1) {
      ids.push(
        await create({ cron_expression: '*/2 * * * * *', overlap_policy: 'ALLOW', priority: (i % 10) + 1 }),
      );
    }
    const manual = await create({ schedule_type: 'MANUAL' });
    const inactive = await create({ cron_expression: '*/2 * * * * *', is_active: false });
    const deleted = await create({ cron_expression: '*/2 * * * * *' });
    await softDeleteSchedule(db.dataSource.manager, deleted);

    const a = scheduler(db.dataSource);
    const b = scheduler(second);
    a.start();
    b.start();
    await new Promise((resolve) => setTimeout(resolve, 20_000));
    await Promise.all([a.stop(), b.stop()]);

    const [dupes] = await db.dataSource.query(
      `SELECT COUNT(*) AS n FROM (SELECT schedule_id, scheduled_at FROM crawling_jobs WHERE schedule_id IN (?)
       GROUP BY schedule_id, scheduled_at HAVING COUNT(*) > 1) d`,
      [ids],
    );
    let gaps = 0;
    let notFired = 0;
    let perSchedule = Infinity;
    for (const id of ids) {
      const rows = await decisions(id);
      perSchedule = Math.min(perSchedule, rows.length);
      for (let i = 1; i < rows.length; i += 1) {
        if (new Date(rows[i].due_at).getTime() - new Date(rows[i - 1].due_at).getTime() !== 2000) gaps += 1;
      }
      notFired += rows.filter((r) => r.decision !== 'FIRED' || !r.job_id).length;
    }
    const total = await jobCount(ids);
    console.log(
      `50 schedules × */2 s for 20 s: ${total} jobs; replica A fired ${a.totals.fired} in ${a.totals.ticks} ticks, ` +
        `replica B fired ${b.totals.fired} in ${b.totals.ticks} ticks; duplicates ${Number(dupes.n)}, gaps ${gaps}, ` +
        `non-FIRED decisions ${notFired}, fewest due times per schedule ${perSchedule}`,
    );
    expect(Number(dupes.n)).toBe(0);
    expect(gaps).toBe(0);
    expect(notFired).toBe(0);
    expect(perSchedule).toBeGreaterThanOrEqual(9);
    expect(a.totals.fired + b.totals.fired).toBe(total);
    expect(a.totals.fired).toBeGreaterThan(0);
    // On MySQL both replicas get a share; on SQLite's one serialised writer either may take them all.
    if (testDialect() === 'mysql') expect(b.totals.fired).toBeGreaterThan(0);
    expect(await jobCount([manual, inactive, deleted])).toBe(0);

    const fired = await fireSchedule(db.dataSource.manager, manual);
    expect(fired.created).toBe(true);
    const detail = await getSchedule(db.dataSource.manager, manual);
    expect(detail.recent_decisions[0]).toMatchObject({ decision: 'MANUAL_FIRED', job_id: fired.job_id });
    expect(detail.next_fire_times).toEqual([]);
  });

  it('after a stop across several due times: SKIP records MISSED, RUN_ONCE fires the latest once', async () => {
    const skip = await create({ cron_expression: '*/2 * * * * *', overlap_policy: 'ALLOW' });
    const once = await create({
      cron_expression: '*/2 * * * * *',
      overlap_policy: 'ALLOW',
      missed_run_policy: 'RUN_ONCE',
    });
    // The scheduler was "down": the next due time is 8 s in the past (four due times ago and more).
    await db.dataSource.query(
      `UPDATE crawling_schedules SET next_run_at = FROM_UNIXTIME(FLOOR(UNIX_TIMESTAMP(NOW(3)) / 2) * 2 - 8) WHERE id IN (?)`,
      [[skip, once]],
    );
    // Restart while the latest due time is older than the misfire grace (1 s here), so it is missed too.
    await waitFor(() => Date.now() % 2000 > 1200 && Date.now() % 2000 < 1700, {
      intervalMs: 5,
      what: 'mid-period',
    });
    await scheduler(db.dataSource, { misfireGraceMs: 1000 }).tick();

    const skipped = await decisions(skip);
    const caught = await decisions(once);
    console.log(
      `missed runs: SKIP → ${skipped.map((d) => d.decision).join(',')}; RUN_ONCE → ${caught.map((d) => d.decision).join(',')}`,
    );
    expect(skipped.length).toBeGreaterThanOrEqual(5);
    expect(skipped.every((d) => d.decision === 'MISSED')).toBe(true);
    expect(await jobCount([skip])).toBe(0);
    expect(caught.map((d) => d.decision)).toEqual([...Array(caught.length - 1).fill('MISSED'), 'FIRED']);
    expect(caught[caught.length - 1].reason).toContain('catch-up');
    expect(await jobCount([once])).toBe(1);
    const [rows] = await db.dataSource.query(
      'SELECT COUNT(*) AS n FROM crawling_schedules WHERE id IN (?) AND next_run_at > NOW(3)',
      [[skip, once]],
    );
    expect(Number(rows.n)).toBe(2);
  });

  it('overlap policies: SKIP skips, QUEUE keeps one waiting job, ALLOW fires', async () => {
    const skip = await create({ cron_expression: '*/2 * * * * *', overlap_policy: 'SKIP' });
    const queue = await create({ cron_expression: '*/2 * * * * *', overlap_policy: 'QUEUE' });
    const allow = await create({ cron_expression: '*/2 * * * * *', overlap_policy: 'ALLOW' });
    const ids = [skip, queue, allow];
    const s = scheduler(db.dataSource);
    for (let round = 0; round < 3; round += 1) {
      await waitDue(ids);
      await s.tick();
      if (round === 0) {
        await db.dataSource.query(
          "UPDATE crawling_jobs SET status = 'RUNNING', started_at = NOW(3) WHERE schedule_id = ?",
          [queue],
        );
      }
    }
    const summary = async (id: string) => (await decisions(id)).map((d) => d.decision).join(',');
    console.log(
      `overlap: SKIP ${await summary(skip)}; QUEUE ${await summary(queue)}; ALLOW ${await summary(allow)}`,
    );
    expect(await summary(skip)).toBe('FIRED,SKIPPED_OVERLAP,SKIPPED_OVERLAP');
    expect(await summary(queue)).toBe('FIRED,FIRED,SKIPPED_OVERLAP');
    expect(await summary(allow)).toBe('FIRED,FIRED,FIRED');
    const [dependency] = await db.dataSource.query(
      `SELECT d.dependency_type FROM job_dependencies d JOIN crawling_jobs j ON j.id = d.job_id WHERE j.schedule_id = ?`,
      [queue],
    );
    expect(dependency.dependency_type).toBe('FINISH');
    expect(await jobCount([skip, queue, allow])).toBe(1 + 2 + 3);
  });

  it('DYNAMIC: the interval moves with each finished job, once per job', async () => {
    const id = await create({
      schedule_type: 'DYNAMIC',
      interval_seconds: 120,
      min_interval_seconds: 60,
      max_interval_seconds: 1000,
    });
    const a = scheduler(db.dataSource);
    const b = scheduler(second);
    const outcomes: Array<{ status: string; changed: boolean }> = [
      { status: 'SUCCESS', changed: true },
      { status: 'SUCCESS', changed: false },
      { status: 'FAILED', changed: false },
      { status: 'SUCCESS', changed: true },
    ];
    let n = 0;
    for (const outcome of outcomes) {
      // Due a second from now: each run gets its own due time (whole seconds).
      await db.dataSource.query(
        'UPDATE crawling_schedules SET next_run_at = NOW() + INTERVAL 1 SECOND WHERE id = ?',
        [id],
      );
      await waitDue([id]);
      await a.tick();
      const [job] = await db.dataSource.query(
        "SELECT id FROM crawling_jobs WHERE schedule_id = ? AND status = 'PENDING' ORDER BY id DESC LIMIT 1",
        [id],
      );
      if (!job) throw new Error(`no job fired: ${JSON.stringify(await decisions(id))}`);
      await db.dataSource.query(
        "UPDATE crawling_jobs SET status = 'RUNNING', started_at = NOW(3) - INTERVAL 1 SECOND WHERE id = ?",
        [job.id],
      );
      n += 1;
      // One item written by this job; changed_at since the job started only if it changed.
      await db.dataSource.query(
        `INSERT INTO crawled_items (workflow_id, job_id, item_key, data, content_hash, changed_at)
         VALUES (?, ?, ?, '{}', ?, ${outcome.changed ? 'NOW(3)' : 'NOW(3) - INTERVAL 1 DAY'})`,
        [workflowId, job.id, `item-${id}-${n}`, 'a'.repeat(64)],
      );
      await db.dataSource.query('UPDATE crawling_jobs SET status = ?, completed_at = NOW(3) WHERE id = ?', [
        outcome.status,
        job.id,
      ]);
      await Promise.all([a.tick(), b.tick()]);
    }
    const detail = await getSchedule(db.dataSource.manager, id);
    const history = [...detail.interval_history].reverse();
    const sequence = [120, ...history.map((h) => h.new_interval_seconds)];
    console.log(`DYNAMIC interval (changed, unchanged, failed, changed): ${sequence.join(' → ')}`);
    expect(sequence).toEqual([120, 96, 134, 134, 107]);
    expect(history.map((h) => h.changed_items)).toEqual([1, 0, 0, 1]);
    expect(detail.interval_seconds).toBe(107);
    expect((detail.next_run_at?.getTime() ?? 0) - (detail.last_run_at?.getTime() ?? 0)).toBe(107_000);
  });
});
