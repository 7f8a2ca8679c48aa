import { APP_CONFIG, AppConfig, RetentionConfig } from '@crawlflow/config';
import { JsonLogger, MetricsService } from '@crawlflow/observability';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { describeMaintenance, MaintenanceReport, runMaintenance } from './maintenance-routine';
import { RetentionMetrics } from './retention-metrics';

/** The first run comes this soon after start (or after one interval, if that is shorter). */
const FIRST_RUN_DELAY_MS = 5000;

/**
 * Runs the maintenance routine shortly after start and then every `maintenanceIntervalMs`, on
 * every replica (the database lock lets one of them work). On shutdown it stops archiving after the
 * batch in flight and waits for the run to end, before the DataSource closes.
 */
@Injectable()
export class MaintenanceService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  /** Outcomes of this instance's runs since start. */
  readonly totals = { runs: 0, done: 0, skipped: 0, failed: 0 };
  lastReport: MaintenanceReport | undefined;
  private readonly settings: RetentionConfig;
  private readonly metrics: RetentionMetrics | undefined;
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<unknown> | null = null;
  private abort: AbortController | null = null;
  private stopped = true;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: Pick<AppConfig, 'retention'>,
    @Optional() @Inject(MetricsService) metrics?: MetricsService,
    @Optional() @Inject(JsonLogger) private readonly logger?: JsonLogger,
  ) {
    this.settings = config.retention;
    this.metrics = metrics ? new RetentionMetrics(metrics, dataSource) : undefined;
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  // Before, not on, shutdown: DbModule closes the DataSource in onApplicationShutdown.
  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(Math.min(FIRST_RUN_DELAY_MS, this.settings.maintenanceIntervalMs));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.abort?.abort();
    await this.current?.catch(() => undefined);
  }

  /** One run, also callable directly. Never throws: failures are logged and counted. */
  async runOnce(now?: Date): Promise<MaintenanceReport | undefined> {
    this.abort = new AbortController();
    this.totals.runs += 1;
    try {
      const report = await runMaintenance(this.dataSource, this.settings, {
        now,
        signal: this.abort.signal,
        metrics: this.metrics,
      });
      this.lastReport = report;
      if (report.status === 'skipped') this.totals.skipped += 1;
      else this.totals.done += 1;
      const failed = report.status === 'done' && (!report.partitions.ok || !report.archive.ok);
      const kept = report.status === 'done' && report.partitions.ok && report.partitions.kept.length > 0;
      if (failed) this.logger?.error(describeMaintenance(report), 'MaintenanceService');
      else if (kept) this.logger?.warn(describeMaintenance(report), 'MaintenanceService');
      else this.logger?.log(describeMaintenance(report), 'MaintenanceService');
      return report;
    } catch (error) {
      this.totals.failed += 1;
      this.logger?.error(`maintenance failed: ${(error as Error).message}`, 'MaintenanceService');
      return undefined;
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const run = this.runOnce();
      this.current = run;
      void run.finally(() => {
        if (this.current === run) this.current = null;
        this.schedule(this.settings.maintenanceIntervalMs);
      });
    }, delayMs);
  }
}
