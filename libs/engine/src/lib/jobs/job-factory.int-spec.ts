import { createTestDatabase, insertSource, insertWorkflow, type TestDatabase } from '@crawlflow/testing';
import { EngineError } from '../engine-errors';
import { createScheduledJobs, type ScheduledRun } from './job-factory';

describe('createScheduledJobs (real MariaDB/MySQL)', () => {
  let db: TestDatabase;
  let workflowId: string;
  let targetId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    workflowId = await insertWorkflow(db.dataSource);
    const sourceId = await insertSource(db.dataSource, 'https://shop.test');
    const target: { insertId: number } = await db.dataSource.query(
      'INSERT INTO crawl_targets (source_id, url) VALUES (?, ?)',
      [sourceId, 'https://shop.test/a'],
    );
    targetId = String(target.insertId);
  });

  afterAll(async () => {
    await db?.drop();
  });

  const schedule = async (workflow = workflowId): Promise<string> => {
    const result: { insertId: number } = await db.dataSource.query(
      "INSERT INTO crawling_schedules (workflow_id, schedule_type, cron_expression) VALUES (?, 'FIXED', '0 * * * * *')",
      [workflow],
    );
    return String(result.insertId);
  };
  const run = (scheduleId: string, fields: Partial<ScheduledRun> = {}): ScheduledRun => ({
    scheduleId,
    scheduledAt: new Date('2026-12-02T10:00:00.000Z'),
    workflowId,
    targetId: null,
    priority: 5,
    ...fields,
  });
  const jobsOf = async (scheduleId: string) =>
    db.dataSource.query<
      Array<{ id: string; workflow_id: string; target_id: string | null; priority: number }>
    >('SELECT id, workflow_id, target_id, priority FROM crawling_jobs WHERE schedule_id = ?', [scheduleId]);

  it('creates the jobs of a batch at once, finds the ones that exist, and refuses bad runs one by one', async () => {
    const inactive = await insertWorkflow(db.dataSource);
    await db.dataSource.query('UPDATE crawling_workflows SET is_active = 0 WHERE id = ?', [inactive]);
    const [a, b, c, d, e] = await Promise.all([
      schedule(),
      schedule(),
      schedule(inactive),
      schedule(),
      schedule(),
    ]);
    const [earlier] = await createScheduledJobs(db.dataSource.manager, [run(b)]);

    const outcomes = await createScheduledJobs(db.dataSource.manager, [
      run(a, { targetId, priority: 9 }),
      run(b),
      run(c, { workflowId: inactive }),
      run(d, { targetId: '999999' }),
      run(e, { priority: 11 }),
    ]);
    const [jobA] = await jobsOf(a);
    expect(outcomes[0]).toEqual({ id: String(jobA.id), created: true });
    expect([String(jobA.workflow_id), String(jobA.target_id), jobA.priority]).toEqual([
      workflowId,
      targetId,
      9,
    ]);
    expect(outcomes[1]).toEqual({ id: (earlier as { id: string }).id, created: false });
    expect(await jobsOf(b)).toHaveLength(1);
    const refusals = outcomes.slice(2).map((o) => (o instanceof EngineError ? o.message : o));
    expect(refusals).toEqual([
      `workflow ${inactive} is not active`,
      'target 999999 does not exist',
      'priority must be a whole number from 1 to 10',
    ]);
    for (const id of [c, d, e]) expect(await jobsOf(id)).toHaveLength(0);
  });

  it('a due run another writer inserts meanwhile is found, not created twice', async () => {
    const id = await schedule();
    // The same run twice in one batch: the multi-row INSERT meets its own duplicate, as it would
    // meet another replica's row, and each run then goes on its own.
    const [first, second] = await createScheduledJobs(db.dataSource.manager, [run(id), run(id)]);
    const [job] = await jobsOf(id);
    expect(first).toEqual({ id: String(job.id), created: true });
    expect(second).toEqual({ id: String(job.id), created: false });
    expect(await jobsOf(id)).toHaveLength(1);
  });
});
