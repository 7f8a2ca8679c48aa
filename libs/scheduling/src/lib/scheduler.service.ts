import { APP_CONFIG, AppConfig, SchedulerConfig } from '@crawlflow/config';
import { JsonLogger, MetricsService } from '@crawlflow/observability';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { adjustDynamicSchedules } from './tick/adjust-dynamic';
import { claimDueSchedules, ClaimStats } from './tick/claim-due-schedules';

export interface TickStats extends ClaimStats {
  adjusted: number;
  durationMs: number;
}

/** A tick claims at most this many batches before yielding to the next one. */
const MAX_BATCHES_PER_TICK = 50;

/**
 * The scheduler's loop: every `tickMs` it claims due schedules in batches (repeating while a batch
 * comes back full), then adjusts DYNAMIC intervals for finished jobs. Safe with N replicas. Stops
 * on shutdown after the tick in flight.
 */
@Injectable()
export class SchedulerService implements OnApplicationBootstrap, OnApplicationShutdown {
  /** Running totals of this instance since start (what its ticks decided). */
  readonly totals = { ticks: 0, claimed: 0, fired: 0, skippedOverlap: 0, missed: 0, failed: 0, adjusted: 0 };
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<unknown> | null = null;
  private stopped = true;
  /** Set by stop(): a tick in flight finishes its current batch and claims no more. */
  private stopping = false;
  private readonly settings: SchedulerConfig;
  private readonly metrics: {
    jobs: ReturnType<MetricsService['counter']>;
    duration: ReturnType<MetricsService['histogram']>;
    errors: ReturnType<MetricsService['counter']>;
  } | null;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: Pick<AppConfig, 'scheduler'>,
    @Optional() @Inject(MetricsService) metrics?: MetricsService,
    @Optional() @Inject(JsonLogger) private readonly logger?: JsonLogger,
  ) {
    this.settings = config.scheduler;
    this.metrics = metrics
      ? {
          jobs: metrics.counter({
            name: 'crawlflow_scheduler_decisions_total',
            help: 'Scheduling decisions by outcome (fired, skipped_overlap, missed, failed, adjusted)',
            labelNames: ['decision'],
          }),
          duration: metrics.histogram({
            name: 'crawlflow_scheduler_tick_seconds',
            help: 'Duration of one scheduler tick',
            buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
          }),
          errors: metrics.counter({
            name: 'crawlflow_scheduler_tick_errors_total',
            help: 'Ticks that failed',
          }),
        }
      : null;
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.stopping = false;
    this.schedule(0);
  }

  /** Stops the loop; resolves once the tick in flight (if any) has committed or rolled back. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.current?.catch(() => undefined);
  }

  /** One tick, also callable directly (tests, benchmarks). */
  async tick(): Promise<TickStats> {
    const started = performance.now();
    const total: TickStats = {
      claimed: 0,
      fired: 0,
      skippedOverlap: 0,
      missed: 0,
      failed: 0,
      adjusted: 0,
      durationMs: 0,
    };
    for (let batch = 0; batch < MAX_BATCHES_PER_TICK; batch += 1) {
      const stats = await claimDueSchedules(this.dataSource, this.settings);
      total.claimed += stats.claimed;
      total.fired += stats.fired;
      total.skippedOverlap += stats.skippedOverlap;
      total.missed += stats.missed;
      total.failed += stats.failed;
      if (stats.claimed < this.settings.batchSize || this.stopping) break;
    }
    total.adjusted = (await adjustDynamicSchedules(this.dataSource, this.settings.batchSize)).adjusted;
    total.durationMs = performance.now() - started;
    this.totals.ticks += 1;
    for (const key of ['claimed', 'fired', 'skippedOverlap', 'missed', 'failed', 'adjusted'] as const) {
      this.totals[key] += total[key];
    }
    if (this.metrics) {
      this.metrics.jobs.inc({ decision: 'fired' }, total.fired);
      this.metrics.jobs.inc({ decision: 'skipped_overlap' }, total.skippedOverlap);
      this.metrics.jobs.inc({ decision: 'missed' }, total.missed);
      this.metrics.jobs.inc({ decision: 'failed' }, total.failed);
      this.metrics.jobs.inc({ decision: 'adjusted' }, total.adjusted);
      this.metrics.duration.observe(total.durationMs / 1000);
    }
    return total;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const run = this.tick().catch((error: unknown) => {
        this.metrics?.errors.inc();
        this.logger?.error(`scheduler tick failed: ${(error as Error).message}`, 'SchedulerService');
      });
      this.current = run;
      void run.finally(() => {
        if (this.current === run) this.current = null;
        this.schedule(this.settings.tickMs);
      });
    }, delayMs);
  }
}
