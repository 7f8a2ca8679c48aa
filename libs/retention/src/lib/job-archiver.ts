import { ArchiveColumns, ArchivedRows, JobArchiveRepository } from '@crawlflow/db';
import type { DataSource } from 'typeorm';
import { loadArchiveColumns } from './archive-columns';

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
export type ArchiveBatch = ArchivedRows;

export interface ArchiveReport extends ArchiveBatch {
  batches: number;
  /** True when stopped by the signal before running out of eligible jobs. */
  interrupted: boolean;
}

/**
 * One batch, one short transaction: lock up to `batchSize` eligible jobs, copy them, their tasks and
 * executions into the archives, remove what has no archive, and delete the live rows. After a
 * commit every job is in exactly one of the two tables; a crash before it leaves everything as it was.
 */
async function moveBatch(
  dataSource: DataSource,
  columns: ArchiveColumns,
  settings: ArchiveSettings,
  now: Date | null,
  afterId: string,
): Promise<{ batch: ArchiveBatch; lastId: string | null }> {
  return dataSource.transaction(async (manager) => {
    const ids = await JobArchiveRepository.lockArchivableJobs(manager, {
      afterId,
      now,
      retentionDays: settings.retentionDays,
      limit: settings.batchSize,
    });
    const batch = await JobArchiveRepository.moveJobs(manager, ids, columns);
    return { batch, lastId: ids.length > 0 ? ids[ids.length - 1] : null };
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
