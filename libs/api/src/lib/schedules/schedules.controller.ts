import { withoutRequired } from '@crawlflow/contracts';
import {
  createSchedule,
  fireSchedule,
  SCHEDULE_FIELDS,
  getSchedule,
  listSchedules,
  softDeleteSchedule,
  updateSchedule,
} from '@crawlflow/scheduling';
import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { ApiBodyOf } from '../http/field-table';
import { parsePageQuery } from '../http/pagination';
import { idParam, queryId } from '../http/request-fields';

/** Validated by the scheduling library against the same table (its own messages). */
export const SCHEDULE_CHANGE_FIELDS = withoutRequired(SCHEDULE_FIELDS);

/** Schedules: FIXED cron, DYNAMIC adaptive revisits, MANUAL. DELETE soft-deletes. */
@ApiTags('schedules')
@ApiBearerAuth()
@Controller('api/schedules')
export class SchedulesController {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a schedule; answers it with next_run_at' })
  @ApiBodyOf(SCHEDULE_FIELDS)
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
  @ApiBodyOf(SCHEDULE_CHANGE_FIELDS)
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
