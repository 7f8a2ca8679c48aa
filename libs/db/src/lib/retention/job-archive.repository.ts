import type { SqlDialect } from '@crawlflow/config';
import { TERMINAL_JOB_STATUSES } from '@crawlflow/contracts';
import { In } from 'typeorm';
import { Db, managerOf, repositoryOf } from '../db';
import { dialectOf, insertedValue, referencingTablesSql, tableColumnsSql } from '../dialect';
import { CrawlFrontierEntry } from '../entities/crawl-frontier.entity';
import { CrawlPage } from '../entities/crawl-page.entity';
import { CrawlingJob } from '../entities/crawling-job.entity';
import { CrawlingTask } from '../entities/crawling-task.entity';
import { JobDependency } from '../entities/job-dependency.entity';
import { WorkflowExecution } from '../entities/workflow-execution.entity';

/** Live table → its archive. Each archive row keeps its id; `archived_at` is set on the move. */
export const ARCHIVED_TABLES = {
  crawling_jobs: 'crawling_jobs_archive',
  crawling_tasks: 'crawling_tasks_archive',
  workflow_executions: 'workflow_executions_archive',
} as const;
export type ArchivedTable = keyof typeof ARCHIVED_TABLES;

/** Explicit column list per live table, every one of them present in its archive. */
export type ArchiveColumns = Record<ArchivedTable, readonly string[]>;

/** Rows that left the live tables with one batch of jobs (each archived or removed by rule, see ADR 0008). */
export interface ArchivedRows {
  jobs: number;
  tasks: number;
  executions: number;
  dependencies: number;
  pages: number;
  frontier: number;
}

const TERMINAL = [...TERMINAL_JOB_STATUSES];

function quote(column: string): string {
  return `\`${column.replace(/`/g, '``')}\``;
}

/**
 * Copies the matching live rows into the archive with an explicit column list. A row already in the
 * archive (a job restored by hand and finished again) is overwritten by the live row: live is the
 * truth, and the DELETE that follows in the same transaction must never remove a newer version.
 */
function archiveInsertSql(
  dialect: SqlDialect,
  table: ArchivedTable,
  columns: readonly string[],
  where: string,
): string {
  const list = columns.map(quote);
  const updates = columns
    .filter((c) => c !== 'id')
    .map((c) => `${quote(c)} = ${insertedValue(dialect, quote(c), 'src')}`);
  return `INSERT INTO ${ARCHIVED_TABLES[table]} (${list.join(', ')}, archived_at)
    SELECT ${list.map((c) => `src.${c}`).join(', ')}, NOW(3) FROM ${table} src WHERE ${where}
    ON DUPLICATE KEY UPDATE ${[...updates, 'archived_at = NOW(3)'].join(', ')}`;
}

/** Moving finished jobs, with their tasks and executions, from the live tables to the archive tables. */
export class JobArchiveRepository {
  /**
   * Each table's columns in their order (an unknown table has none). SQL: information_schema, so
   * that a column a later migration adds is carried along.
   */
  static async columnsOf(db: Db, tables: readonly string[]): Promise<Map<string, string[]>> {
    const rows: Array<{ TABLE_NAME: string; COLUMN_NAME: string }> = await managerOf(db).query(
      tableColumnsSql(dialectOf(db)),
      [tables],
    );
    const result = new Map<string, string[]>(tables.map((table) => [table, []]));
    for (const row of rows) result.get(row.TABLE_NAME)?.push(row.COLUMN_NAME);
    return result;
  }

  /** Tables with a foreign key to `table`. SQL: information_schema. */
  static async tablesReferencing(db: Db, table: string): Promise<string[]> {
    const rows: Array<{ TABLE_NAME: string }> = await managerOf(db).query(
      referencingTablesSql(dialectOf(db)),
      [table],
    );
    return rows.map((row) => row.TABLE_NAME);
  }

  /**
   * Up to `limit` terminal jobs after `afterId` completed more than `retentionDays` before `now` (the
   * database's clock when null), locked until the caller's transaction ends. A job that a waiting job
   * still depends on stays until that one has started or finished. SQL: SKIP LOCKED (a job the
   * orchestrator is touching waits for the next run) and the database's date arithmetic.
   */
  static async lockArchivableJobs(
    db: Db,
    opts: { afterId: string; now: Date | null; retentionDays: number; limit: number },
  ): Promise<string[]> {
    const rows: Array<{ id: string | number }> = await managerOf(db).query(
      `SELECT j.id FROM crawling_jobs j
        WHERE j.id > ? AND j.status IN (?)
          AND j.completed_at < COALESCE(CAST(? AS DATETIME(3)), NOW(3)) - INTERVAL ? DAY
          AND NOT EXISTS (
            SELECT 1 FROM job_dependencies d JOIN crawling_jobs w ON w.id = d.job_id
             WHERE d.depends_on_job_id = j.id AND w.status IN (?))
        ORDER BY j.id
        LIMIT ?
        FOR UPDATE SKIP LOCKED`,
      [opts.afterId, TERMINAL, opts.now, opts.retentionDays, ['PENDING', 'RUNNING'], opts.limit],
    );
    // BIGINT ids: mysql2 answers them as strings, other drivers as numbers.
    return rows.map((row) => String(row.id));
  }

  /**
   * Copies the jobs, their tasks and executions into the archives, removes what has no archive
   * (page bodies, frontier, dependency edges) and deletes the live rows; call inside the
   * transaction that locked the jobs. The copies are SQL: bulk INSERT … SELECT … ON DUPLICATE KEY
   * UPDATE, which TypeORM cannot say; the deletes are ordinary.
   */
  static async moveJobs(db: Db, jobIds: readonly string[], columns: ArchiveColumns): Promise<ArchivedRows> {
    const moved: ArchivedRows = { jobs: 0, tasks: 0, executions: 0, dependencies: 0, pages: 0, frontier: 0 };
    if (jobIds.length === 0) return moved;
    const manager = managerOf(db);
    const dialect = dialectOf(db);
    const ids = [...jobIds];
    await manager.query(archiveInsertSql(dialect, 'crawling_jobs', columns.crawling_jobs, 'src.id IN (?)'), [
      ids,
    ]);
    await manager.query(
      archiveInsertSql(dialect, 'crawling_tasks', columns.crawling_tasks, 'src.job_id IN (?)'),
      [ids],
    );
    await manager.query(
      archiveInsertSql(dialect, 'workflow_executions', columns.workflow_executions, 'src.job_id IN (?)'),
      [ids],
    );
    const ofJobs = { jobId: In(ids) };
    moved.pages = await affected(repositoryOf(db, CrawlPage).delete(ofJobs));
    moved.frontier = await affected(repositoryOf(db, CrawlFrontierEntry).delete(ofJobs));
    moved.dependencies = await affected(
      repositoryOf(db, JobDependency)
        .createQueryBuilder()
        .delete()
        .where(ofJobs)
        .orWhere({ dependsOnJobId: In(ids) })
        .execute(),
    );
    moved.tasks = await affected(repositoryOf(db, CrawlingTask).delete(ofJobs));
    moved.executions = await affected(repositoryOf(db, WorkflowExecution).delete(ofJobs));
    moved.jobs = await affected(repositoryOf(db, CrawlingJob).delete({ id: In(ids) }));
    return moved;
  }
}

async function affected(result: Promise<{ affected?: number | null }>): Promise<number> {
  return (await result).affected ?? 0;
}
