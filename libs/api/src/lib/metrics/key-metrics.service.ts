import { type Tier, tierForQueueType, TIERS } from '@crawlflow/contracts';
import { KeyMetricsRepository, TaskLedger } from '@crawlflow/db';
import { MetricsService } from '@crawlflow/observability';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';

/** How often the original design's key figures are recomputed from the database. */
export const KEY_METRICS_INTERVAL_MS = Symbol('KEY_METRICS_INTERVAL_MS');

/** The original design's key figures (see KeyMetricsService). */
export interface KeyFigures {
  /** Of the jobs that finished (SUCCESS or FAILED) in the last hour; null: none did. */
  jobSuccessRate: number | null;
  avgExecutionSec: number | null;
  /** Ledger entries WAITING or PROCESSING, per tier. */
  queueDepth: Record<Tier, number>;
  /** Of the tasks created in the last hour, those retried at least once; null: none was created. */
  retryRate: number | null;
}

/**
 * The original design's four key figures as gauges, recomputed from the database every few seconds
 * (one query each; docs/data-model.md#monitoring-queries says what each reads): job success rate and
 * average execution time of the jobs that finished in the last hour, queue depth per tier (ledger
 * WAITING + PROCESSING), and the retry rate of the tasks created in the last hour.
 */
@Injectable()
export class KeyMetricsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('KeyMetrics');
  private readonly successRate: Gauge;
  private readonly avgExecution: Gauge;
  private readonly queueDepth: Gauge<'tier'>;
  private readonly retryRate: Gauge;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private failing = false;

  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(MetricsService) metrics: MetricsService,
    @Inject(KEY_METRICS_INTERVAL_MS) private readonly intervalMs: number,
  ) {
    this.successRate = metrics.gauge({
      name: 'crawlflow_job_success_ratio',
      help: 'Jobs finished in the last hour that succeeded (0..1; SUCCESS / SUCCESS+FAILED)',
    });
    this.avgExecution = metrics.gauge({
      name: 'crawlflow_job_avg_execution_seconds',
      help: 'Average run time of the jobs finished in the last hour',
    });
    this.queueDepth = metrics.gauge({
      name: 'crawlflow_queue_depth',
      help: 'Ledger entries WAITING or PROCESSING, per tier',
      labelNames: ['tier'],
    });
    this.retryRate = metrics.gauge({
      name: 'crawlflow_task_retry_ratio',
      help: 'Tasks created in the last hour that were retried at least once (0..1)',
    });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.refresh().finally(() => (this.running = undefined));
    }, this.intervalMs);
    this.timer.unref();
    this.running = this.refresh().finally(() => (this.running = undefined));
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /**
   * The figures as they are now; a rate is null when there is nothing to divide (no job finished,
   * no task created in the last hour). The console's overview answers them as they are.
   */
  async figures(): Promise<KeyFigures> {
    const jobs = await KeyMetricsRepository.jobsFinishedLastHour(this.db);
    const finished = jobs.succeeded + jobs.failed;
    const queueDepth = Object.fromEntries(TIERS.map((tier) => [tier, 0])) as Record<Tier, number>;
    for (const row of await TaskLedger.depth(this.db)) {
      queueDepth[tierForQueueType(row.queueType)] += row.count;
    }
    const tasks = await KeyMetricsRepository.tasksCreatedLastHour(this.db);
    return {
      jobSuccessRate: finished > 0 ? jobs.succeeded / finished : null,
      avgExecutionSec: jobs.avgSeconds,
      queueDepth,
      retryRate: tasks.total > 0 ? tasks.retried / tasks.total : null,
    };
  }

  async refresh(): Promise<void> {
    try {
      const figures = await this.figures();
      // A gauge has no "no value": an hour without finished jobs reads as all of them succeeding.
      this.successRate.set(figures.jobSuccessRate ?? 1);
      this.avgExecution.set(figures.avgExecutionSec ?? 0);
      for (const tier of TIERS) this.queueDepth.set({ tier }, figures.queueDepth[tier]);
      this.retryRate.set(figures.retryRate ?? 0);
      if (this.failing) this.logger.log('key metrics are computed again');
      this.failing = false;
    } catch (error) {
      // The database is away: keep the last values and say so once, not every few seconds.
      if (!this.failing) this.logger.warn(`cannot compute key metrics: ${(error as Error).message}`);
      this.failing = true;
    }
  }
}
