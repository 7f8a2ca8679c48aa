import { toSqlTimestamp } from '@crawlflow/db';
import { expectBadRequest, useApiHarness } from '../testing/api-harness';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const hourOf = (time: number): string => new Date(Math.floor(time / HOUR) * HOUR).toISOString();

interface EndedJob {
  status: 'SUCCESS' | 'FAILED' | 'CANCELLED';
  /** Minutes before the test's start that the job completed. */
  completedAgo: number;
  durationSec: number;
}
type SeededJob = EndedJob | { status: 'RUNNING' | 'PENDING' };

const isEnded = (job: SeededJob): job is EndedJob => 'completedAgo' in job;

interface SeededTask {
  createdAgo: number;
  retries: number;
}

// Relative to `now`: in the last hour, earlier today, and more than a day ago.
const JOBS: SeededJob[] = [
  { status: 'SUCCESS', completedAgo: 10, durationSec: 4 },
  { status: 'FAILED', completedAgo: 20, durationSec: 8 },
  { status: 'CANCELLED', completedAgo: 5, durationSec: 1 },
  { status: 'SUCCESS', completedAgo: 3 * 60, durationSec: 10 },
  { status: 'FAILED', completedAgo: 3 * 60 + 5, durationSec: 2 },
  { status: 'SUCCESS', completedAgo: 30 * 60, durationSec: 20 },
  { status: 'RUNNING' },
  { status: 'PENDING' },
];

const TASKS: SeededTask[] = [
  { createdAgo: 5, retries: 0 },
  { createdAgo: 5, retries: 1 },
  { createdAgo: 6, retries: 2 },
  { createdAgo: 50, retries: 0 },
  { createdAgo: 5 * 60, retries: 1 },
  { createdAgo: 5 * 60, retries: 0 },
  { createdAgo: 40 * 60, retries: 3 },
];

/** The trend entry the seeded rows make of an hour, worked out here rather than by the database. */
function expectedHour(hour: string, now: number, seeded: boolean) {
  // The key figures count the jobs that ended SUCCESS or FAILED.
  const jobs = (seeded ? JOBS : [])
    .filter(isEnded)
    .filter((job) => job.status !== 'CANCELLED' && hourOf(now - job.completedAgo * MINUTE) === hour);
  const tasks = (seeded ? TASKS : []).filter((task) => hourOf(now - task.createdAgo * MINUTE) === hour);
  const success = jobs.filter((job) => job.status === 'SUCCESS').length;
  const retried = tasks.filter((task) => task.retries > 0).length;
  return {
    hour,
    finished_jobs: jobs.length,
    success_jobs: success,
    failed_jobs: jobs.length - success,
    success_rate: jobs.length > 0 ? success / jobs.length : null,
    avg_execution_sec:
      jobs.length > 0 ? jobs.reduce((sum, job) => sum + job.durationSec, 0) / jobs.length : null,
    tasks: tasks.length,
    retried_tasks: retried,
    retry_rate: tasks.length > 0 ? retried / tasks.length : null,
  };
}

describe('GET /api/stats/overview', () => {
  const api = useApiHarness('overview-int-spec');
  let now: number;

  async function seed(): Promise<void> {
    const { db, createWorkflow, createJob } = api();
    const workflowId = await createWorkflow();
    now = Date.now();
    const at = (minutesAgo: number): string => toSqlTimestamp(new Date(now - minutesAgo * MINUTE));
    let firstJob: string | undefined;
    for (const job of JOBS) {
      const id = await createJob(workflowId);
      firstJob ??= id;
      if (!isEnded(job)) {
        if (job.status === 'RUNNING')
          await db.dataSource.query("UPDATE crawling_jobs SET status = 'RUNNING' WHERE id = ?", [id]);
        continue;
      }
      await db.dataSource.query(
        'UPDATE crawling_jobs SET status = ?, started_at = ?, completed_at = ? WHERE id = ?',
        [job.status, at(job.completedAgo + job.durationSec / 60), at(job.completedAgo), id],
      );
    }
    for (const [n, task] of TASKS.entries()) {
      await db.dataSource.query(
        "INSERT INTO crawling_tasks (job_id, task_type, status, sequence_number, retry_count, created_at) VALUES (?, 'FETCH', 'SUCCESS', ?, ?, ?)",
        [firstJob, n, task.retries, at(task.createdAgo)],
      );
    }
    await db.dataSource.query(
      `INSERT INTO crawling_queues (queue_type, stage, job_id, task_id, priority, status) VALUES
         ('HIGH_PRIORITY', 'FETCH', 1, 1, 9, 'WAITING'),
         ('HIGH_PRIORITY', 'PARSE', 1, 2, 9, 'PROCESSING'),
         ('NORMAL', 'FETCH', 1, 3, 5, 'WAITING'),
         ('LOW_PRIORITY', 'STORE', 1, 4, 2, 'COMPLETED')`,
    );
  }

  /** The trend's hours as expected, whichever hour the request ran in. */
  function expectTrend(trend: Array<{ hour: string }>, hours: number, seeded = true): void {
    expect(trend).toHaveLength(hours);
    const last = trend[hours - 1].hour;
    expect([hourOf(now), hourOf(Date.now())]).toContain(last);
    const first = Date.parse(last) - (hours - 1) * HOUR;
    trend.forEach((entry, i) => {
      const expected = expectedHour(new Date(first + i * HOUR).toISOString(), now, seeded);
      const { avg_execution_sec: avg, ...rest } = expected;
      expect(entry).toMatchObject(rest);
      if (avg === null) expect(entry).toHaveProperty('avg_execution_sec', null);
      else expect(entry).toHaveProperty('avg_execution_sec', expect.closeTo(avg, 3));
    });
  }

  it('answers the current figures and an entry for every hour of the window', async () => {
    await seed();
    const answer = await api().call('GET', '/api/stats/overview');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      window_hours: 24,
      current: {
        // Of the last 60 minutes: one SUCCESS and one FAILED (the CANCELLED job is not counted).
        job_success_rate: 0.5,
        avg_execution_sec: expect.closeTo(6, 3),
        retry_rate: 0.5,
        queue_depth: { high: 2, normal: 1, low: 0 },
        running_jobs: 1,
      },
      trend: expect.any(Array),
    });
    expectTrend(answer.body.trend, 24);
    // Two jobs finished three hours ago; the job of 30 hours ago is outside the window.
    const total = (field: string): number =>
      answer.body.trend.reduce((sum: number, entry: Record<string, number>) => sum + entry[field], 0);
    expect([total('finished_jobs'), total('success_jobs'), total('failed_jobs')]).toEqual([4, 2, 2]);
    expect([total('tasks'), total('retried_tasks')]).toEqual([6, 3]);
  });

  it('takes a window of up to a week', async () => {
    await seed();
    const answer = await api().call('GET', '/api/stats/overview?hours=48');
    expect(answer.status).toBe(200);
    expect(answer.body.window_hours).toBe(48);
    expectTrend(answer.body.trend, 48);
    const week = await api().call('GET', '/api/stats/overview?hours=168');
    expect(week.body.trend).toHaveLength(168);
    const hour = await api().call('GET', '/api/stats/overview?hours=1');
    expectTrend(hour.body.trend, 1);
  });

  it('answers nulls and zeros over an empty database', async () => {
    now = Date.now();
    const answer = await api().call('GET', '/api/stats/overview?hours=3');
    expect(answer.status).toBe(200);
    expect(answer.body.current).toEqual({
      job_success_rate: null,
      avg_execution_sec: null,
      retry_rate: null,
      queue_depth: { high: 0, normal: 0, low: 0 },
      running_jobs: 0,
    });
    expectTrend(answer.body.trend, 3, false);
    expect(answer.body.trend[0]).toEqual({
      hour: expect.any(String),
      finished_jobs: 0,
      success_jobs: 0,
      failed_jobs: 0,
      success_rate: null,
      avg_execution_sec: null,
      tasks: 0,
      retried_tasks: 0,
      retry_rate: null,
    });
  });

  it('refuses a window outside 1..168 hours, naming query.hours', async () => {
    const { call } = api();
    for (const hours of ['0', '169', 'abc', '-1']) {
      expectBadRequest(await call('GET', `/api/stats/overview?hours=${hours}`), 'query.hours');
    }
    expect((await call('GET', '/api/stats/overview', undefined, null)).status).toBe(401);
  });
});
