import type { RetentionConfig } from '@crawlflow/config';
import type { DataSource } from 'typeorm';
import { ArchiveReport, archiveCompletedJobs } from './job-archiver';
import { withMaintenanceLock } from './maintenance-lock';
import { maintainQueuePartitions, PartitionReport } from './queue-partitions';
import { measureOldestLiveRows, OldestLiveRows, RetentionMetrics } from './retention-metrics';

export const SKIPPED_LOCK_HELD = 'another replica holds the lock';

export type MaintenanceSettings = Pick<
  RetentionConfig,
  'queueRetentionDays' | 'jobRetentionDays' | 'archiveBatchSize' | 'archivePauseMs' | 'partitionsAheadDays'
>;

export interface MaintenanceOptions {
  /** The clock for partition planning and the archive cut-off (tests, benchmarks). */
  now?: Date;
  /** Aborting stops archiving after the batch in flight. */
  signal?: AbortSignal;
  metrics?: RetentionMetrics;
}

/** Each part reports on its own: a failure of one (e.g. an unexpected table layout) spares the other. */
export type PartResult<T> = ({ ok: true } & T) | { ok: false; error: string };

export type MaintenanceReport =
  | { status: 'skipped'; reason: string; oldest?: OldestLiveRows }
  | {
      status: 'done';
      partitions: PartResult<PartitionReport>;
      archive: PartResult<ArchiveReport>;
      oldest?: OldestLiveRows;
      durationMs: number;
    };

async function part<T>(work: () => Promise<T>): Promise<PartResult<T>> {
  try {
    return { ok: true, ...(await work()) };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

/** A one-line account for the log. */
export function describeMaintenance(report: MaintenanceReport): string {
  if (report.status === 'skipped') return `maintenance skipped: ${report.reason}`;
  const p = report.partitions;
  const a = report.archive;
  const partitions = !p.ok
    ? `partitions failed: ${p.error}`
    : p.deletedEntries !== undefined
      ? `finished ledger entries deleted: ${p.deletedEntries}`
      : `partitions added [${p.added.join(', ')}], dropped [${p.dropped.join(', ')}]` +
        (p.kept.length > 0
          ? `, kept with live entries [${p.kept.map((k) => `${k.partition}: ${k.liveEntries}`).join(', ')}]`
          : '');
  const archive = a.ok
    ? `archived ${a.jobs} jobs, ${a.tasks} tasks, ${a.executions} executions in ${a.batches} batches` +
      (a.interrupted ? ' (interrupted)' : '')
    : `archiving failed: ${a.error}`;
  return `maintenance done in ${Math.round(report.durationMs)} ms: ${partitions}; ${archive}`;
}

/**
 * One maintenance run, on one replica at a time (GET_LOCK on a dedicated connection): daily
 * partitions of crawling_queues ahead and behind, then job archiving. The replica that does not get
 * the lock returns at once with `status: 'skipped'`.
 */
export async function runMaintenance(
  dataSource: DataSource,
  settings: MaintenanceSettings,
  options: MaintenanceOptions = {},
): Promise<MaintenanceReport> {
  const started = performance.now();
  const outcome = await withMaintenanceLock(dataSource, async (connection) => {
    const partitions = await part(() =>
      maintainQueuePartitions(connection, (options.now ?? new Date()).getTime(), {
        aheadDays: settings.partitionsAheadDays,
        retentionDays: settings.queueRetentionDays,
      }),
    );
    if (partitions.ok && options.metrics) {
      options.metrics.partitionsAdded.inc(partitions.added.length);
      options.metrics.partitionsDropped.inc(partitions.dropped.length);
    }
    const archive = await part(() =>
      archiveCompletedJobs(
        dataSource,
        {
          retentionDays: settings.jobRetentionDays,
          batchSize: settings.archiveBatchSize,
          pauseMs: settings.archivePauseMs,
        },
        {
          now: options.now,
          signal: options.signal,
          onBatch: (batch) => {
            options.metrics?.archivedRows.inc({ table: 'crawling_jobs' }, batch.jobs);
            options.metrics?.archivedRows.inc({ table: 'crawling_tasks' }, batch.tasks);
            options.metrics?.archivedRows.inc({ table: 'workflow_executions' }, batch.executions);
          },
        },
      ),
    );
    return { partitions, archive };
  });

  // Every replica measures, so the gauge is there whichever replica Prometheus scrapes.
  const oldest = await measureOldestLiveRows(dataSource).catch(() => undefined);
  if (oldest) options.metrics?.setOldest(oldest);
  if (!outcome.acquired) return { status: 'skipped', reason: SKIPPED_LOCK_HELD, oldest };
  return { status: 'done', ...outcome.value, oldest, durationMs: performance.now() - started };
}
