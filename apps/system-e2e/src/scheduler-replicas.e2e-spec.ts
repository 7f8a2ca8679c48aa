import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createSchedule } from '@crawlflow/scheduling';
import {
  createTestDatabase,
  createTestVhost,
  freePortRange,
  insertWorkflow,
  killAllSpawned,
  spawnNode,
  type TestDatabase,
  type TestVhost,
  waitFor,
} from '@crawlflow/testing';

const ROOT = resolve(__dirname, '../../..');
const RUN_SECONDS = 60;

jest.setTimeout(240_000);

/** Two scheduler processes on one database: exactly one job per (schedule, due time). */
describe('scheduler replicas', () => {
  let db: TestDatabase;
  let vhost: TestVhost;

  beforeAll(async () => {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
    [db, vhost] = await Promise.all([createTestDatabase(), createTestVhost()]);
  });

  afterAll(async () => {
    await killAllSpawned();
    await db?.drop();
    await vhost?.delete();
  });

  it(`fires 50 schedules every 2 s for ${RUN_SECONDS} s with two replicas, once per due time`, async () => {
    const workflowId = await insertWorkflow(db.dataSource);
    const ids: string[] = [];
    for (let i = 0; i < 50; i += 1) {
      const schedule = await createSchedule(db.dataSource.manager, {
        workflow_id: workflowId,
        cron_expression: '*/2 * * * * *',
        overlap_policy: 'ALLOW',
        priority: (i % 10) + 1,
      });
      ids.push(schedule.id);
    }
    const port = await freePortRange(2);
    const replicas = [0, 1].map((i) =>
      spawnNode(join(ROOT, 'dist/apps/scheduler/src/main.js'), {
        name: `scheduler-${i}`,
        env: {
          DATABASE_URL: db.config.url,
          AMQP_URL: vhost.url,
          PORT: String(port + i),
          LOG_LEVEL: 'warn',
          SCHEDULER_TICK_MS: '200',
          MAINTENANCE_INTERVAL_MS: '3600000',
        },
      }),
    );
    const started = Date.now();
    // Run until the window has passed; fail early if a replica dies.
    await waitFor(
      () => {
        for (const replica of replicas)
          if (!replica.isRunning()) throw new Error(`${replica.name} exited:\n${replica.output()}`);
        return Date.now() - started >= RUN_SECONDS * 1000;
      },
      { timeoutMs: (RUN_SECONDS + 30) * 1000, intervalMs: 500, what: `${RUN_SECONDS} s of firing` },
    );
    for (const replica of replicas) expect((await replica.stop('SIGTERM', 10_000)).code).toBe(0);

    const rows = await db.dataSource.query<
      Array<{ schedule_id: string; jobs: string; runs: string; span: string }>
    >(
      `SELECT schedule_id, COUNT(*) AS jobs, COUNT(DISTINCT scheduled_at) AS runs,
              TIMESTAMPDIFF(SECOND, MIN(scheduled_at), MAX(scheduled_at)) AS span
         FROM crawling_jobs WHERE schedule_id IN (?) GROUP BY schedule_id`,
      [ids],
    );
    const total = rows.reduce((n, row) => n + Number(row.jobs), 0);
    const perSchedule = rows.map((row) => Number(row.jobs));
    console.log(
      `two scheduler processes, 50 schedules × */2 s for ${RUN_SECONDS} s: ${total} jobs, ` +
        `${Math.min(...perSchedule)}–${Math.max(...perSchedule)} per schedule, duplicates ${rows.filter((r) => r.jobs !== r.runs).length}`,
    );
    expect(rows).toHaveLength(50);
    for (const row of rows) {
      expect(Number(row.jobs)).toBe(Number(row.runs)); // never two jobs for one due time
      expect(Number(row.runs)).toBe(Number(row.span) / 2 + 1); // and no due time skipped
      expect(Number(row.runs)).toBeGreaterThanOrEqual(RUN_SECONDS / 2 - 3);
    }
  });
});
