import { AppConfig, ConfigModule, loadConfig } from '@crawlflow/config';
import { createDataSource, DbModule } from '@crawlflow/db';
import { MetricsService } from '@crawlflow/observability';
import {
  createTestDatabase,
  holdsFor,
  insertWorkflow,
  TestDatabase,
  waitFor,
  onMysql,
} from '@crawlflow/testing';
import { DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { findArchivedJob } from './archived-job';
import { archiveCompletedJobs } from './job-archiver';
import { withMaintenanceLock } from './maintenance-lock';
import { MaintenanceReport, runMaintenance, SKIPPED_LOCK_HELD } from './maintenance-routine';
import { MaintenanceModule } from './maintenance.module';
import { MaintenanceService } from './maintenance.service';
import { RetentionMetrics } from './retention-metrics';

jest.setTimeout(60_000);

/** What the scheduler app gives the module: its config and its DataSource. */
@Module({})
class SchedulerLikeRoot {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: SchedulerLikeRoot,
      imports: [ConfigModule.forRoot(config), DbModule.forRoot(config.database), MaintenanceModule],
    };
  }
}

const OLD_JOBS = 3000;
const settings = {
  queueRetentionDays: 7,
  partitionsAheadDays: 3,
  jobRetentionDays: 30,
  archiveBatchSize: 100,
  archivePauseMs: 10,
};

let db: TestDatabase;
let second: DataSource;
let workflowId: string;

async function scalar(sql: string): Promise<number> {
  const [row] = await db.dataSource.query(sql);
  return Number(Object.values(row)[0]);
}

async function insertOldJobs(count: number): Promise<void> {
  const rows = Array.from(
    { length: count },
    () => "(?, 'SUCCESS', NOW(3) - INTERVAL 40 DAY, NOW(3) - INTERVAL 41 DAY)",
  );
  await db.dataSource.query(
    `INSERT INTO crawling_jobs (workflow_id, status, completed_at, created_at) VALUES ${rows.join(', ')}`,
    Array.from({ length: count }, () => workflowId),
  );
}

beforeAll(async () => {
  db = await createTestDatabase();
  second = createDataSource(db.config);
  await second.initialize();
  workflowId = await insertWorkflow(db.dataSource);
});

afterAll(async () => {
  if (second?.isInitialized) await second.destroy();
  await db?.drop();
});

// Replicas are processes with their own connections; SQLite has one process and one connection.
onMysql('maintenance on several replicas', () => {
  it('two replicas at once: one works, the other skips because the lock is held; no error, no double work', async () => {
    await insertOldJobs(OLD_JOBS);
    const metricsA = new MetricsService('scheduler');
    const metricsB = new MetricsService('scheduler');
    const reports = await Promise.all([
      runMaintenance(db.dataSource, settings, { metrics: new RetentionMetrics(metricsA) }),
      runMaintenance(second, settings, { metrics: new RetentionMetrics(metricsB) }),
    ]);
    const done = reports.filter(
      (r): r is Extract<MaintenanceReport, { status: 'done' }> => r.status === 'done',
    );
    const skipped = reports.filter((r) => r.status === 'skipped');
    expect(done).toHaveLength(1);
    expect(skipped).toEqual([expect.objectContaining({ status: 'skipped', reason: SKIPPED_LOCK_HELD })]);
    expect(done[0].partitions).toMatchObject({ ok: true });
    expect(done[0].archive).toMatchObject({
      ok: true,
      jobs: OLD_JOBS,
      batches: OLD_JOBS / settings.archiveBatchSize,
    });
    expect(await scalar('SELECT COUNT(*) FROM crawling_jobs_archive')).toBe(OLD_JOBS);
    expect(await scalar('SELECT COUNT(*) FROM crawling_jobs')).toBe(0);

    // The worker's metrics count what it moved; both replicas publish the age gauge.
    const worker = reports[0].status === 'done' ? metricsA : metricsB;
    const text = (await worker.render()).body;
    expect(text).toContain(`crawlflow_archive_rows_total{table="crawling_jobs",app="scheduler"} ${OLD_JOBS}`);
    expect(text).toMatch(/crawlflow_partitions_added_total\{app="scheduler"\} \d+/);
    expect(text).toContain('crawlflow_partitions_dropped_total{app="scheduler"} 0');
    // The worker measured after archiving (nothing left); the other replica measured while it ran.
    expect(text).toContain('crawlflow_oldest_live_row_age_seconds{table="crawling_jobs",app="scheduler"} 0');
    const other = (await (worker === metricsA ? metricsB : metricsA).render()).body;
    expect(other).toMatch(
      /crawlflow_oldest_live_row_age_seconds\{table="crawling_jobs",app="scheduler"\} \d+/,
    );
  });

  it('takes the archive cut-off from the clock it is given', async () => {
    const [job] = await db.dataSource
      .query(
        "INSERT INTO crawling_jobs (workflow_id, status, completed_at) VALUES (?, 'SUCCESS', NOW(3) - INTERVAL 5 DAY)",
        [workflowId],
      )
      .then((result: { insertId: number }) => [String(result.insertId)]);
    const archive = { retentionDays: 30, batchSize: 100, pauseMs: 0 };
    expect((await archiveCompletedJobs(db.dataSource, archive)).jobs).toBe(0);
    const inAMonth = new Date(Date.now() + 26 * 86_400_000);
    expect((await archiveCompletedJobs(db.dataSource, archive, { now: inAMonth })).jobs).toBe(1);
    expect(await findArchivedJob(db.dataSource, job)).toMatchObject({ id: job, archived: true });
  });

  it('a replica that finds the lock held skips at once', async () => {
    const holder = await withMaintenanceLock(db.dataSource, () => runMaintenance(second, settings));
    expect(holder).toEqual({
      acquired: true,
      value: expect.objectContaining({ status: 'skipped', reason: SKIPPED_LOCK_HELD }),
    });
  });

  it('MaintenanceModule runs shortly after start and on its interval, and stops cleanly on close', async () => {
    await insertOldJobs(250);
    const config = loadConfig('scheduler', {
      DATABASE_URL: db.config.url,
      MAINTENANCE_INTERVAL_MS: '1000',
      ARCHIVE_BATCH_SIZE: '100',
      ARCHIVE_PAUSE_MS: '0',
    });
    const app = await NestFactory.createApplicationContext(SchedulerLikeRoot.forRoot(config), {
      logger: false,
    });
    await app.init();
    const service = app.get(MaintenanceService);
    const dataSource = app.get(DataSource);
    await waitFor(() => service.totals.done >= 2, { timeoutMs: 10_000, what: 'two maintenance runs' });
    expect(await scalar('SELECT COUNT(*) FROM crawling_jobs')).toBe(0);
    expect(service.totals.failed).toBe(0);
    await app.close();
    expect(dataSource.isInitialized).toBe(false);
    const runs = service.totals.runs;
    await holdsFor(() => service.totals.runs === runs, { durationMs: 1500, what: 'no run after close' });
  });
});
