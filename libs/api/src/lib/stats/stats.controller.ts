import { tierForQueueType } from '@crawlflow/contracts';
import { JobStatisticsRepository, TaskLedger } from '@crawlflow/db';
import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { queryId, queryInt } from '../http/request-fields';
import { BrokerProbe } from './broker-probe.service';
import { OverviewService } from './overview.service';

@ApiTags('stats')
@ApiBearerAuth()
@Controller('api')
export class StatsController {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(BrokerProbe) private readonly broker: BrokerProbe,
    @Inject(OverviewService) private readonly overviews: OverviewService,
  ) {}

  @Get('stats/overview')
  @ApiQuery({
    name: 'hours',
    required: false,
    description: 'the trend’s window in hours, 1..168 (default 24)',
  })
  @ApiOperation({
    summary:
      'Key figures now (last hour: job success rate, run time, retry rate; queue depth, running jobs) and per UTC hour',
  })
  overview(@Query() query: Record<string, unknown>) {
    return this.overviews.overview(Math.floor(queryInt(query, 'hours', 24, 1, 168)));
  }

  @Get('stats/jobs')
  @ApiQuery({ name: 'workflow_id', required: false })
  @ApiOperation({ summary: 'v_job_statistics: per day and workflow over the last 7 days' })
  async jobs(@Query() query: Record<string, unknown>) {
    const workflowId = queryId(query, 'workflow_id');
    const rows = await JobStatisticsRepository.daily(this.db, workflowId);
    return {
      data: rows.map((row) => ({
        job_date: formatDate(row.jobDate),
        workflow_id: row.workflowId,
        total_jobs: row.totalJobs,
        success_jobs: row.successJobs,
        avg_duration_sec: row.avgDurationSec,
        total_items_processed: row.totalItemsProcessed,
      })),
      next_cursor: null,
    };
  }

  @Get('stats/alerts')
  @ApiQuery({ name: 'threshold', required: false, description: 'failure rate in percent (default 20)' })
  @ApiQuery({ name: 'window_minutes', required: false, description: 'default 60' })
  @ApiOperation({ summary: 'Workflows whose job failure rate over the window exceeds the threshold' })
  async alerts(@Query() query: Record<string, unknown>) {
    const threshold = queryInt(query, 'threshold', 20, 0, 100);
    const windowMinutes = queryInt(query, 'window_minutes', 60, 1, 43_200);
    // The original design's alert, parameterised: failure rate of the jobs created within the window.
    const rows = await JobStatisticsRepository.failureRatesAbove(
      this.db,
      threshold,
      Math.floor(windowMinutes),
    );
    return {
      threshold,
      window_minutes: Math.floor(windowMinutes),
      data: rows.map((row) => ({
        workflow_id: row.workflowId,
        workflow_name: row.workflowName,
        total_jobs: row.totalJobs,
        failed_jobs: row.failedJobs,
        failure_rate: Math.round(row.failureRate * 100) / 100,
      })),
      next_cursor: null,
    };
  }

  @Get('queues')
  @ApiOperation({ summary: 'Ledger depth per stage, tier and status, beside the broker’s own queue counts' })
  async queues() {
    const ledger = await TaskLedger.depth(this.db);
    return {
      ledger: ledger.map((row) => ({
        stage: row.stage,
        tier: tierForQueueType(row.queueType),
        queue_type: row.queueType,
        status: row.status,
        count: row.count,
        due: row.due,
      })),
      broker: await this.broker.counts(),
    };
  }
}

function formatDate(value: Date | string): string {
  return value instanceof Date ? value.toISOString().slice(0, 10) : String(value);
}
