import type { DataSource, EntityManager } from 'typeorm';
import { ARCHIVED_TABLES, ArchiveColumns, ArchivedTable, loadArchiveColumns } from './archive-columns';

export interface ArchiveSettings {
  /** Terminal jobs completed more than this many days ago are archived. */
  retentionDays: number;
  /** Jobs per transaction. */
  batchSize: number;
  /** Pause between transactions. */
  pauseMs: number;
}

export interface ArchiveOptions {
  /** The clock (tests); the database's NOW(3) when absent. */
  now?: Date;
  /** Aborting stops after the batch in flight has committed. */
  signal?: AbortSignal;
  onBatch?: (batch: ArchiveBatch) => void;
}

/** Rows that left the live tables in one batch (each archived or removed by rule, see ADR 0008). */
export interface ArchiveBatch {
  jobs: number;
  tasks: number;
  executions: number;
  dependencies: number;
  pages: number;
  frontier: number;
}

export interface ArchiveReport extends ArchiveBatch {
  batches: number;
  /** True when stopped by the signal before running out of eligible jobs. */
  interrupted: boolean;
}

const TERMINAL = "('SUCCESS', 'FAILED', 'CANCELLED')";

function quote(column: string): string {
  return `\`${column.replace(/`/g, '``')}\``;
}

/**
 * Copies the matching live rows into the archive with an explicit column list. A row already in the
 * archive (a job restored by hand and finished again) is overwritten by the live row: live is the
 * truth, and the DELETE that follows in the same transaction must never remove a newer version.
 */
function archiveInsertSql(table: ArchivedTable, columns: readonly string[], where: string): string {
  const list = columns.map(quote);
  const updates = columns.filter((c) => c !== 'id').map((c) => `${quote(c)} = src.${quote(c)}`);
  return `INSERT INTO ${ARCHIVED_TABLES[table]} (${list.join(', ')}, archived_at)
    SELECT ${list.map((c) => `src.${c}`).join(', ')}, NOW(3) FROM ${table} src WHERE ${where}
    ON DUPLICATE KEY UPDATE ${[...updates, 'archived_at = NOW(3)'].join(', ')}`;
}

async function affected(manager: EntityManager, sql: string, params: unknown[]): Promise<number> {
  const result: { affectedRows?: number } = await manager.query(sql, params);
  return Number(result.affectedRows ?? 0);
}

/**
 * One batch, one short transaction: lock up to `batchSize` eligible jobs (SKIP LOCKED: a job the
 * orchestrator is touching waits for the next run), copy them, their tasks and executions into the
 * archives, remove what has no archive, and delete the live rows. After a commit every job is in
 * exactly one of the two tables; a crash before it leaves everything as it was.
 */
async function moveBatch(
  dataSource: DataSource,
  columns: ArchiveColumns,
  settings: ArchiveSettings,
  now: Date | null,
  afterId: string,
): Promise<{ batch: ArchiveBatch; lastId: string | null }> {
  return dataSource.transaction('READ COMMITTED', async (manager) => {
    // A job that a waiting job still depends on stays until that one has started or finished.
    const rows: Array<{ id: string | number }> = await manager.query(
      `SELECT j.id FROM crawling_jobs j
        WHERE j.id > ? AND j.status IN ${TERMINAL}
          AND j.completed_at < COALESCE(CAST(? AS DATETIME(3)), NOW(3)) - INTERVAL ? DAY
          AND NOT EXISTS (
            SELECT 1 FROM job_dependencies d JOIN crawling_jobs w ON w.id = d.job_id
             WHERE d.depends_on_job_id = j.id AND w.status IN ('PENDING', 'RUNNING'))
        ORDER BY j.id
        LIMIT ?
        FOR UPDATE SKIP LOCKED`,
      [afterId, now, settings.retentionDays, settings.batchSize],
    );
    const batch: ArchiveBatch = { jobs: 0, tasks: 0, executions: 0, dependencies: 0, pages: 0, frontier: 0 };
    if (rows.length === 0) return { batch, lastId: null };
    const ids = rows.map((row) => String(row.id));

    await manager.query(archiveInsertSql('crawling_jobs', columns.crawling_jobs, 'src.id IN (?)'), [ids]);
    await manager.query(archiveInsertSql('crawling_tasks', columns.crawling_tasks, 'src.job_id IN (?)'), [
      ids,
    ]);
    await manager.query(
      archiveInsertSql('workflow_executions', columns.workflow_executions, 'src.job_id IN (?)'),
      [ids],
    );
    batch.pages = await affected(manager, 'DELETE FROM crawl_pages WHERE job_id IN (?)', [ids]);
    batch.frontier = await affected(manager, 'DELETE FROM crawl_frontier WHERE job_id IN (?)', [ids]);
    batch.dependencies = await affected(
      manager,
      'DELETE FROM job_dependencies WHERE job_id IN (?) OR depends_on_job_id IN (?)',
      [ids, ids],
    );
    batch.tasks = await affected(manager, 'DELETE FROM crawling_tasks WHERE job_id IN (?)', [ids]);
    batch.executions = await affected(manager, 'DELETE FROM workflow_executions WHERE job_id IN (?)', [ids]);
    batch.jobs = await affected(manager, 'DELETE FROM crawling_jobs WHERE id IN (?)', [ids]);
    return { batch, lastId: ids[ids.length - 1] };
  });
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Moves terminal jobs completed more than `retentionDays` ago to crawling_jobs_archive, with their
 * tasks and executions, in batches of `batchSize` with `pauseMs` between. Resumable and idempotent:
 * each batch commits alone, so after a crash the next run simply continues with what is left.
 */
export async function archiveCompletedJobs(
  dataSource: DataSource,
  settings: ArchiveSettings,
  options: ArchiveOptions = {},
): Promise<ArchiveReport> {
  const columns = await loadArchiveColumns(dataSource);
  const report: ArchiveReport = {
    batches: 0,
    jobs: 0,
    tasks: 0,
    executions: 0,
    dependencies: 0,
    pages: 0,
    frontier: 0,
    interrupted: false,
  };
  let afterId = '0';
  for (;;) {
    if (options.signal?.aborted) {
      report.interrupted = true;
      break;
    }
    const { batch, lastId } = await moveBatch(dataSource, columns, settings, options.now ?? null, afterId);
    if (lastId === null) break;
    afterId = lastId;
    report.batches += 1;
    for (const key of ['jobs', 'tasks', 'executions', 'dependencies', 'pages', 'frontier'] as const) {
      report[key] += batch[key];
    }
    options.onBatch?.(batch);
    if (batch.jobs < settings.batchSize) break;
    await pause(settings.pauseMs, options.signal);
  }
  return report;
}
