import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import {
  createSchedule,
  fireSchedule,
  getSchedule,
  listSchedules,
  softDeleteSchedule,
  updateSchedule,
} from '@crawlflow/scheduling';
import { DataSource } from 'typeorm';
import { parsePageQuery } from '../http/pagination';
import { idParam, queryId } from '../http/request-fields';

const SCHEDULE_BODY = {
  type: 'object',
  properties: {
    workflow_id: { type: 'string' },
    target_id: { type: 'string' },
    schedule_type: { type: 'string', enum: ['FIXED', 'DYNAMIC', 'MANUAL'] },
    cron_expression: { type: 'string', description: '5 fields, or 6 with seconds (FIXED)' },
    timezone: { type: 'string', description: 'IANA zone, default UTC' },
    priority: { type: 'integer', minimum: 1, maximum: 10 },
    is_active: { type: 'boolean' },
    missed_run_policy: { type: 'string', enum: ['SKIP', 'RUN_ONCE'] },
    catch_up_window_seconds: { type: 'integer' },
    overlap_policy: { type: 'string', enum: ['SKIP', 'QUEUE', 'ALLOW'] },
    interval_seconds: { type: 'integer', description: 'DYNAMIC: the current revisit interval' },
    min_interval_seconds: { type: 'integer' },
    max_interval_seconds: { type: 'integer' },
    inc_rate: { type: 'number' },
    dec_rate: { type: 'number' },
  },
};

/** Schedules: FIXED cron, DYNAMIC adaptive revisits, MANUAL. DELETE soft-deletes. */
@ApiTags('schedules')
@ApiBearerAuth()
@Controller('api/schedules')
export class SchedulesController {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a schedule; answers it with next_run_at' })
  @ApiBody({ schema: { ...SCHEDULE_BODY, required: ['workflow_id'] } })
  create(@Body() body: unknown) {
    return this.db.transaction((manager) => createSchedule(manager, body ?? undefined));
  }

  @Get()
  @ApiOperation({ summary: 'List schedules (not deleted), newest first' })
  @ApiQuery({ name: 'workflow_id', required: false })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  list(@Query() query: Record<string, unknown>) {
    const { limit } = parsePageQuery({ limit: query.limit });
    const workflowId = queryId(query, 'workflow_id');
    return listSchedules(this.db.manager, {
      limit,
      cursor: typeof query.cursor === 'string' && query.cursor !== '' ? query.cursor : null,
      ...(workflowId ? { workflow_id: workflowId } : {}),
    });
  }

  @Get(':id')
  @ApiOperation({ summary: 'A schedule with its next 5 fire times, recent decisions and interval history' })
  get(@Param('id') id: string) {
    return getSchedule(this.db.manager, idParam(id));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a schedule (pause: {"is_active": false})' })
  @ApiBody({ schema: SCHEDULE_BODY })
  update(@Param('id') id: string, @Body() body: unknown) {
    return this.db.transaction((manager) => updateSchedule(manager, idParam(id), body ?? undefined));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Soft-delete: the schedule never fires again; its jobs stay' })
  async remove(@Param('id') id: string): Promise<void> {
    await this.db.transaction((manager) => softDeleteSchedule(manager, idParam(id)));
  }

  @Post(':id/fire')
  @HttpCode(202)
  @ApiOperation({ summary: 'Run now: a job for the schedule (the only way a MANUAL schedule runs)' })
  fire(@Param('id') id: string) {
    return this.db.transaction((manager) => fireSchedule(manager, idParam(id)));
  }
}
