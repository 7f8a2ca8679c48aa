import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { tierForQueueType } from '@crawlflow/contracts';
import { TaskLedger } from '@crawlflow/db';
import { DataSource } from 'typeorm';
import { normalise } from '../http/rows';
import { queryId, queryInt } from '../http/request-fields';
import { BrokerProbe } from './broker-probe.service';

@ApiTags('stats')
@ApiBearerAuth()
@Controller('api')
export class StatsController {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(BrokerProbe) private readonly broker: BrokerProbe,
  ) {}

  @Get('stats/jobs')
  @ApiQuery({ name: 'workflow_id', required: false })
  @ApiOperation({ summary: 'v_job_statistics: per day and workflow over the last 7 days' })
  async jobs(@Query() query: Record<string, unknown>) {
    const workflowId = queryId(query, 'workflow_id');
    const rows = (await this.db.query(
      `SELECT job_date, workflow_id, total_jobs, success_jobs, avg_duration_sec, total_items_processed
         FROM v_job_statistics ${workflowId ? 'WHERE workflow_id = ?' : ''}
        ORDER BY job_date DESC, workflow_id`,
      workflowId ? [workflowId] : [],
    )) as Array<Record<string, unknown>>;
    return {
      data: rows.map((row) => ({
        job_date: formatDate(row.job_date),
        workflow_id: String(row.workflow_id),
        total_jobs: Number(row.total_jobs),
        success_jobs: Number(row.success_jobs ?? 0),
        avg_duration_sec: row.avg_duration_sec === null ? null : Number(row.avg_duration_sec),
        total_items_processed: Number(row.total_items_processed ?? 0),
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
    const rows = (await this.db.query(
      `SELECT w.id AS workflow_id, w.workflow_name,
              COUNT(*) AS total_jobs,
              SUM(CASE WHEN j.status = 'FAILED' THEN 1 ELSE 0 END) AS failed_jobs,
              SUM(CASE WHEN j.status = 'FAILED' THEN 1 ELSE 0 END) * 100.0 / COUNT(*) AS failure_rate
         FROM crawling_jobs j JOIN crawling_workflows w ON w.id = j.workflow_id
        WHERE j.created_at >= NOW() - INTERVAL ? MINUTE
        GROUP BY w.id, w.workflow_name
       HAVING failure_rate > ?
        ORDER BY failure_rate DESC, w.id`,
      [Math.floor(windowMinutes), threshold],
    )) as Array<Record<string, unknown>>;
    return {
      threshold,
      window_minutes: Math.floor(windowMinutes),
      data: rows.map((row) => ({
        ...normalise(row as Record<string, unknown>),
        total_jobs: Number(row.total_jobs),
        failed_jobs: Number(row.failed_jobs),
        failure_rate: Math.round(Number(row.failure_rate) * 100) / 100,
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

function formatDate(value: unknown): string {
  return value instanceof Date ? value.toISOString().slice(0, 10) : String(value);
}
