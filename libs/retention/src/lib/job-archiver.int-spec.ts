import { createTestDatabase, insertWorkflow, startFixture, TestDatabase, waitFor } from '@crawlflow/testing';
import { findArchivedJob } from './archived-job';
import { archiveCompletedJobs } from './job-archiver';
import { runMaintenance } from './maintenance-routine';

jest.setTimeout(120_000);

/** 50,000 archivable jobs with 4 tasks and 1 execution each (4 tasks, not more, to stay well under 90 s). */
const OLD_JOBS = 50_000;
const TASKS_PER_JOB = 4;
const CHUNK = 5000;

let db: TestDatabase;
let workflowId: string;
/** Jobs that must stay live: recent, still running, or needed by a waiting job. */
const keep: { recent: string[]; running: string[]; neededBy: string; needed: string } = {
  recent: [],
  running: [],
  neededBy: '',
  needed: '',
};

async function insertJobs(count: number, status: string, completedDaysAgo: number | null): Promise<string[]> {
  const ids: string[] = [];
  for (let first = 0; first < count; first += CHUNK) {
    const n = Math.min(CHUNK, count - first);
    const rows = Array.from({ length: n }, (_, i) => first + i);
    const result: { insertId: number } = await db.dataSource.query(
      `INSERT INTO crawling_jobs (workflow_id, status, priority, params, started_at, completed_at, processed_items, created_at)
       VALUES ${rows
         .map(() =>
           completedDaysAgo === null
             ? '(?, ?, ?, ?, NOW(3) - INTERVAL 50 DAY, NULL, ?, NOW(3) - INTERVAL 50 DAY)'
             : '(?, ?, ?, ?, NOW(3) - INTERVAL ? DAY - INTERVAL 1 HOUR, NOW(3) - INTERVAL ? DAY, ?, NOW(3) - INTERVAL ? DAY - INTERVAL 1 HOUR)',
         )
         .join(', ')}`,
      rows.flatMap((i) =>
        completedDaysAgo === null
          ? [workflowId, status, (i % 10) + 1, JSON.stringify({ page: i }), i]
          : [
              workflowId,
              status,
              (i % 10) + 1,
              JSON.stringify({ page: i }),
              completedDaysAgo,
              completedDaysAgo,
              i,
              completedDaysAgo,
            ],
      ),
    );
    // InnoDB's default (consecutive) lock mode gives a multi-row INSERT consecutive ids.
    for (let i = 0; i < n; i += 1) ids.push(String(result.insertId + i));
  }
  return ids;
}

async function scalar(sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await db.dataSource.query(sql, params);
  return Number(Object.values(row)[0]);
}

/** Order-independent fingerprint of a table's rows over the given columns. */
function fingerprint(table: string, columns: string): Promise<number> {
  return scalar(`SELECT COALESCE(SUM(CRC32(CONCAT_WS('|', ${columns}))), 0) FROM ${table}`);
}
const JOB_FP =
  "id, workflow_id, status, priority, params, COALESCE(completed_at, ''), processed_items, created_at";
const TASK_FP = 'id, job_id, task_type, status, sequence_number, input_data, created_at';

interface Snapshot {
  jobs: number;
  tasks: number;
  executions: number;
  jobPrint: number;
  taskPrint: number;
}
async function snapshot(): Promise<Snapshot> {
  return {
    jobs:
      (await scalar('SELECT COUNT(*) FROM crawling_jobs')) +
      (await scalar('SELECT COUNT(*) FROM crawling_jobs_archive')),
    tasks:
      (await scalar('SELECT COUNT(*) FROM crawling_tasks')) +
      (await scalar('SELECT COUNT(*) FROM crawling_tasks_archive')),
    executions:
      (await scalar('SELECT COUNT(*) FROM workflow_executions')) +
      (await scalar('SELECT COUNT(*) FROM workflow_executions_archive')),
    jobPrint:
      (await fingerprint('crawling_jobs', JOB_FP)) + (await fingerprint('crawling_jobs_archive', JOB_FP)),
    taskPrint:
      (await fingerprint('crawling_tasks', TASK_FP)) + (await fingerprint('crawling_tasks_archive', TASK_FP)),
  };
}

/** Every job in exactly one table, and each job's tasks and executions on the same side as the job. */
async function expectConsistent(): Promise<void> {
  expect(
    await scalar('SELECT COUNT(*) FROM crawling_jobs j JOIN crawling_jobs_archive a ON a.id = j.id'),
  ).toBe(0);
  expect(
    await scalar(
      'SELECT COUNT(*) FROM crawling_tasks_archive t LEFT JOIN crawling_jobs_archive a ON a.id = t.job_id WHERE a.id IS NULL',
    ),
  ).toBe(0);
  expect(
    await scalar(
      'SELECT COUNT(*) FROM workflow_executions_archive e LEFT JOIN crawling_jobs_archive a ON a.id = e.job_id WHERE a.id IS NULL',
    ),
  ).toBe(0);
}

let before: Snapshot;

beforeAll(async () => {
  db = await createTestDatabase();
  workflowId = await insertWorkflow(db.dataSource);
  const old = await insertJobs(OLD_JOBS, 'SUCCESS', 40);
  await db.dataSource.query("UPDATE crawling_jobs SET status = 'FAILED' WHERE id % 7 = 0");
  await db.dataSource.query("UPDATE crawling_jobs SET status = 'CANCELLED' WHERE id % 11 = 0");
  keep.recent = await insertJobs(100, 'SUCCESS', 1);
  keep.running = await insertJobs(50, 'RUNNING', null);
  [keep.neededBy] = await insertJobs(1, 'PENDING', null);
  keep.needed = old[0];
  await db.dataSource.query(
    "INSERT INTO job_dependencies (job_id, depends_on_job_id, dependency_type) VALUES (?, ?, 'SUCCESS')",
    [keep.neededBy, keep.needed],
  );
  const seq = Array.from({ length: TASKS_PER_JOB }, (_, i) => `SELECT ${i} AS n`).join(' UNION ALL ');
  await db.dataSource.query(
    `INSERT INTO crawling_tasks (job_id, task_type, status, sequence_number, input_data, created_at)
     SELECT j.id, IF(s.n = 0, 'FETCH', 'PARSE'), 'SUCCESS', s.n, CONCAT('{"n":', s.n, '}'), j.created_at
       FROM crawling_jobs j CROSS JOIN (${seq}) s`,
  );
  await db.dataSource.query(
    `INSERT INTO workflow_executions (workflow_id, job_id, status, started_at, completed_at, created_at)
     SELECT workflow_id, id, 'COMPLETED', started_at, completed_at, created_at FROM crawling_jobs`,
  );
  // Page bodies and frontier rows of an archived job go with it (removal rule).
  await db.dataSource.query(
    "INSERT INTO crawl_pages (job_id, task_id, url, status, body_gzip, body_bytes) SELECT job_id, id, 'http://x/', 200, '', 0 FROM crawling_tasks WHERE job_id IN (?) AND sequence_number = 0",
    [[old[1], old[2], keep.recent[0]]],
  );
  await db.dataSource.query(
    "INSERT INTO crawl_frontier (job_id, url_hash, url, depth) VALUES (?, 'h1', 'http://x/', 0), (?, 'h1', 'http://x/', 0)",
    [old[1], keep.recent[0]],
  );
  before = await snapshot();
}, 120_000);

afterAll(async () => {
  await db?.drop();
});

const settings = { retentionDays: 30, batchSize: 500, pauseMs: 0 };

describe('job archiving', () => {
  it('refuses to start when an archive lacks a column of its live table', async () => {
    await db.dataSource.query('ALTER TABLE crawling_tasks ADD COLUMN extra_note varchar(20) NULL');
    try {
      await expect(archiveCompletedJobs(db.dataSource, settings)).rejects.toThrow(
        'job archiving refused: crawling_tasks_archive lacks extra_note of crawling_tasks',
      );
    } finally {
      await db.dataSource.query('ALTER TABLE crawling_tasks DROP COLUMN extra_note');
    }
    expect(await scalar('SELECT COUNT(*) FROM crawling_jobs_archive')).toBe(0);
  });

  it('survives kill -9 mid-run and, run again, archives exactly the old terminal jobs with their tasks', async () => {
    const fixture = await startFixture('libs/testing/src/fixtures/archiver.fixture.ts', {
      DATABASE_URL: db.config.url,
      JOB_RETENTION_DAYS: '30',
      ARCHIVE_BATCH_SIZE: '500',
      ARCHIVE_PAUSE_MS: '20',
    });
    await waitFor(() => scalar('SELECT COUNT(*) FROM crawling_jobs_archive').then((n) => n >= 5000), {
      timeoutMs: 60_000,
      intervalMs: 20,
      what: 'the archiver to be mid-way',
    });
    await fixture.kill9();
    expect(fixture.output()).not.toContain('done');

    // Mid-way: some archived, nothing lost, nothing in both tables, nothing split from its job.
    const archivedAtCrash = await scalar('SELECT COUNT(*) FROM crawling_jobs_archive');
    expect(archivedAtCrash).toBeGreaterThanOrEqual(5000);
    expect(archivedAtCrash).toBeLessThan(OLD_JOBS);
    expect(await snapshot()).toEqual(before);
    await expectConsistent();

    // Run again (the dead connection's lock goes when the server notices the socket close).
    const report = await waitFor(
      async () => {
        const outcome = await runMaintenance(db.dataSource, {
          queueRetentionDays: 7,
          partitionsAheadDays: 3,
          jobRetentionDays: 30,
          archiveBatchSize: 500,
          archivePauseMs: 0,
        });
        return outcome.status === 'done' ? outcome : undefined;
      },
      { timeoutMs: 10_000, what: 'the maintenance lock to be free again' },
    );
    if (!report.archive.ok) throw new Error(report.archive.error);
    expect(report.archive.jobs).toBe(OLD_JOBS - 1 - archivedAtCrash);
    expect(report.archive.tasks).toBe(report.archive.jobs * TASKS_PER_JOB);

    expect(await snapshot()).toEqual(before);
    await expectConsistent();
    expect(await scalar('SELECT COUNT(*) FROM crawling_jobs_archive')).toBe(OLD_JOBS - 1);
    expect(await scalar('SELECT COUNT(*) FROM crawling_tasks_archive')).toBe((OLD_JOBS - 1) * TASKS_PER_JOB);
    expect(await scalar('SELECT COUNT(*) FROM workflow_executions_archive')).toBe(OLD_JOBS - 1);
    const live = (await db.dataSource.query('SELECT id FROM crawling_jobs ORDER BY id')).map(
      (r: { id: string }) => String(r.id),
    );
    expect(live).toEqual([keep.needed, ...keep.recent, ...keep.running, keep.neededBy]);
    expect(
      await scalar(
        "SELECT COUNT(*) FROM crawling_jobs_archive WHERE status NOT IN ('SUCCESS', 'FAILED', 'CANCELLED')",
      ),
    ).toBe(0);
    expect(
      await scalar(
        'SELECT COUNT(*) FROM crawling_jobs_archive WHERE archived_at > NOW(3) - INTERVAL 10 MINUTE',
      ),
    ).toBe(OLD_JOBS - 1);
    // Removal rule: pages and frontier of archived jobs are gone, a recent job's stay.
    expect(await scalar('SELECT COUNT(*) FROM crawl_pages')).toBe(1);
    expect(await scalar('SELECT COUNT(*) FROM crawl_frontier')).toBe(1);
    expect(await scalar('SELECT COUNT(*) FROM job_dependencies')).toBe(1);

    // Idempotent: nothing left to do.
    const again = await archiveCompletedJobs(db.dataSource, settings);
    expect(again).toMatchObject({ jobs: 0, tasks: 0, batches: 0 });
  });

  it('archives a job once the job waiting on it has finished', async () => {
    await db.dataSource.query(
      "UPDATE crawling_jobs SET status = 'CANCELLED', completed_at = NOW(3) WHERE id = ?",
      [keep.neededBy],
    );
    const report = await archiveCompletedJobs(db.dataSource, settings);
    expect(report).toMatchObject({ jobs: 1, tasks: TASKS_PER_JOB, executions: 1, dependencies: 1 });
    expect(await findArchivedJob(db.dataSource, keep.needed)).toMatchObject({
      id: keep.needed,
      archived: true,
    });
  });

  it('overwrites a stale archive copy with the live row (live is the truth), leaving one copy', async () => {
    const id = keep.recent[1];
    await db.dataSource.query(
      `INSERT INTO crawling_jobs_archive (id, workflow_id, status, params, created_at)
       VALUES (?, ?, 'FAILED', 'stale', NOW(3) - INTERVAL 90 DAY)`,
      [id, workflowId],
    );
    await db.dataSource.query(
      'UPDATE crawling_jobs SET completed_at = NOW(3) - INTERVAL 31 DAY WHERE id = ?',
      [id],
    );
    const [live] = await db.dataSource.query(
      'SELECT status, params, created_at FROM crawling_jobs WHERE id = ?',
      [id],
    );
    const report = await archiveCompletedJobs(db.dataSource, settings);
    expect(report).toMatchObject({ jobs: 1, tasks: TASKS_PER_JOB });
    expect(await findArchivedJob(db.dataSource, id)).toMatchObject({
      status: live.status,
      params: live.params,
      created_at: live.created_at,
    });
    expect(await scalar('SELECT COUNT(*) FROM crawling_jobs WHERE id = ?', [id])).toBe(0);
  });

  it('finds an archived job by id for the API, and nothing for live or unknown ids', async () => {
    const [{ id }] = await db.dataSource.query(
      'SELECT MIN(id) AS id FROM crawling_jobs_archive WHERE id > ?',
      [keep.needed],
    );
    const job = await findArchivedJob(db.dataSource, String(id));
    expect(job).toMatchObject({
      id: String(id),
      archived: true,
      workflow_id: expect.anything(),
      status: expect.stringMatching(/^(SUCCESS|FAILED|CANCELLED)$/),
      completed_at: expect.any(Date),
      archived_at: expect.any(Date),
    });
    expect(await findArchivedJob(db.dataSource, keep.recent[0])).toBeUndefined();
    expect(await findArchivedJob(db.dataSource, '999999999')).toBeUndefined();
    expect(await findArchivedJob(db.dataSource, 'abc')).toBeUndefined();
  });
});
