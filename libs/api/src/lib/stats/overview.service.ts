import type { Tier } from '@crawlflow/contracts';
import { KeyMetricsRepository } from '@crawlflow/db';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { KeyMetricsService } from '../metrics/key-metrics.service';
import { hourlyTrend, TrendHour, windowStart } from './hourly-trend';

/** `GET /api/stats/overview`: the key figures now, and per hour over the window. */
export interface StatsOverview {
  window_hours: number;
  /** Over the last 60 minutes, as the Prometheus gauges; queue depth and running jobs as of now. */
  current: {
    job_success_rate: number | null;
    avg_execution_sec: number | null;
    retry_rate: number | null;
    queue_depth: Record<Tier, number>;
    running_jobs: number;
  };
  trend: TrendHour[];
}

/** The operator console's overview: the key metrics' figures, now and per UTC hour. */
@Injectable()
export class OverviewService {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(KeyMetricsService) private readonly keyMetrics: KeyMetricsService,
  ) {}

  async overview(hours: number, now = new Date()): Promise<StatsOverview> {
    const since = windowStart(hours, now);
    const [figures, runningJobs, jobs, tasks] = await Promise.all([
      this.keyMetrics.figures(),
      KeyMetricsRepository.runningJobs(this.db),
      KeyMetricsRepository.jobsFinishedByHour(this.db, since),
      KeyMetricsRepository.tasksCreatedByHour(this.db, since),
    ]);
    return {
      window_hours: hours,
      current: {
        job_success_rate: figures.jobSuccessRate,
        avg_execution_sec: figures.avgExecutionSec,
        retry_rate: figures.retryRate,
        queue_depth: figures.queueDepth,
        running_jobs: runningJobs,
      },
      trend: hourlyTrend(hours, now, jobs, tasks),
    };
  }
}
