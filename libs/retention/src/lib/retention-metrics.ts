import { Db, RetentionMetricsRepository } from '@crawlflow/db';
import type { MetricsService } from '@crawlflow/observability';
import type { DataSource } from 'typeorm';

type Counter = ReturnType<MetricsService['counter']>;

/** A scrape re-measures the oldest live rows at most this often (each scrape would be wasteful). */
const OLDEST_REFRESH_MS = 30_000;

export interface OldestLiveRows {
  /** Seconds since the oldest WAITING/PROCESSING ledger entry was created (0 when none). */
  crawling_queues: number;
  /** Seconds since the oldest job still in crawling_jobs was created (0 when none). */
  crawling_jobs: number;
}

/** How far behind the retention is: a growing value means entries are stuck or archiving lags. */
export async function measureOldestLiveRows(db: Db): Promise<OldestLiveRows> {
  const ages = await RetentionMetricsRepository.oldestLiveRowAges(db);
  return { crawling_queues: ages.queueEntrySeconds, crawling_jobs: ages.jobSeconds };
}

/** The retention series; one instance per MetricsService (the helpers return registered metrics). */
export class RetentionMetrics {
  readonly archivedRows: Counter;
  readonly partitionsAdded: Counter;
  readonly partitionsDropped: Counter;
  readonly oldestLiveRowAge: ReturnType<MetricsService['gauge']>;

  private measuredAt = 0;

  /** With a DataSource, a scrape refreshes the age gauge (at most every 30 s) between runs. */
  constructor(metrics: MetricsService, dataSource?: DataSource) {
    this.archivedRows = metrics.counter({
      name: 'crawlflow_archive_rows_total',
      help: 'Rows moved from a live table to its archive',
      labelNames: ['table'],
    });
    this.partitionsAdded = metrics.counter({
      name: 'crawlflow_partitions_added_total',
      help: 'Daily crawling_queues partitions split off p_future',
    });
    this.partitionsDropped = metrics.counter({
      name: 'crawlflow_partitions_dropped_total',
      help: 'Old daily crawling_queues partitions dropped (all entries finished)',
    });
    this.oldestLiveRowAge = metrics.gauge({
      name: 'crawlflow_oldest_live_row_age_seconds',
      help: 'Age of the oldest live row: WAITING/PROCESSING ledger entries, jobs not yet archived',
      labelNames: ['table'],
      collect: dataSource ? () => this.refreshOldest(dataSource) : undefined,
    });
  }

  private async refreshOldest(dataSource: DataSource): Promise<void> {
    if (Date.now() - this.measuredAt < OLDEST_REFRESH_MS || !dataSource.isInitialized) return;
    this.measuredAt = Date.now();
    // A scrape must not fail because the database is briefly away: the last value stays.
    await measureOldestLiveRows(dataSource).then(
      (oldest) => this.setOldest(oldest),
      () => undefined,
    );
  }

  setOldest(oldest: OldestLiveRows): void {
    this.oldestLiveRowAge.set({ table: 'crawling_queues' }, oldest.crawling_queues);
    this.oldestLiveRowAge.set({ table: 'crawling_jobs' }, oldest.crawling_jobs);
  }
}
