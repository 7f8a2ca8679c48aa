import { fieldTable, SchemaError } from '@crawlflow/contracts';
import { CatalogRepository, ParallelismRepository, WorkflowsRepository } from '@crawlflow/db';
import { checkCondition, notFound } from '@crawlflow/engine';
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { toMappingView } from '../catalog/catalog-views';
import { ApiBodyOf, parseBody } from '../http/field-table';
import { encodeCursor, parsePageQuery } from '../http/pagination';
import { idParam, queryId } from '../http/request-fields';
import { toPoolView, toWorkflowLimitsView } from './control-views';

const POOL_NAME = /^[A-Za-z0-9_.-]{1,50}$/;

export const PARALLELISM_FIELDS = fieldTable({
  max_parallel_jobs: { type: 'integer', minimum: 1, maximum: 10_000, default: 5 },
  max_parallel_tasks: { type: 'integer', minimum: 1, maximum: 100_000, default: 10 },
  resource_pool: {
    type: 'string',
    nullable: true,
    maxLength: 50,
    pattern: POOL_NAME.source,
    patternProblem: 'letters, digits, _ . and -',
  },
});

export const POOL_FIELDS = fieldTable({
  slots: { type: 'integer', required: true, minimum: 1, maximum: 100_000 },
});

export const MAPPING_FIELDS = fieldTable({
  target_type_id: { type: 'id', required: true },
  workflow_id: { type: 'id', required: true },
  condition_expression: {
    type: 'string',
    maxLength: 2000,
    nullable: true,
    example: "target.url matches '^https://shop' and params.region == 'kr'",
    check: (condition: string) => checkCondition(condition, 'condition_expression'),
  },
  priority: { type: 'integer', minimum: -1_000_000, maximum: 1_000_000, default: 0 },
});

/** Execution controls: per-workflow parallelism, shared resource pools, dynamic workflow selection. */
@ApiTags('controls')
@ApiBearerAuth()
@Controller('api')
export class ControlsController {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  @Put('workflows/:id/parallelism')
  @ApiOperation({ summary: "Set a workflow's max_parallel_jobs, max_parallel_tasks and resource_pool" })
  @ApiBodyOf(PARALLELISM_FIELDS)
  async setParallelism(@Param('id') rawId: string, @Body() raw: unknown) {
    const id = idParam(rawId);
    const body = parseBody(PARALLELISM_FIELDS, raw);
    const jobs = body.max_parallel_jobs;
    const tasks = body.max_parallel_tasks;
    const pool = body.resource_pool ?? null;
    if (!(await WorkflowsRepository.exists(this.db, id))) throw notFound(`workflow ${id} does not exist`);
    await ParallelismRepository.setWorkflowLimits(this.db, {
      workflowId: id,
      maxParallelJobs: jobs,
      maxParallelTasks: tasks,
      resourcePool: pool,
    });
    return toWorkflowLimitsView(await this.stored(ParallelismRepository.workflowLimits(this.db, id)));
  }

  @Put('resource-pools/:name')
  @ApiOperation({
    summary: 'Create or resize a resource pool: at most `slots` jobs of its workflows run at once',
  })
  @ApiBodyOf(POOL_FIELDS)
  async setPool(@Param('name') name: string, @Body() raw: unknown) {
    if (!POOL_NAME.test(name)) throw new SchemaError('params.name', 'letters, digits, _ . and -, at most 50');
    const { slots } = parseBody(POOL_FIELDS, raw);
    await ParallelismRepository.setPoolSlots(this.db, name, slots);
    return toPoolView(await this.stored(ParallelismRepository.pool(this.db, name)));
  }

  @Post('target-workflow-mappings')
  @HttpCode(201)
  @ApiOperation({ summary: 'Map a target type to a workflow under a condition (highest priority wins)' })
  @ApiBodyOf(MAPPING_FIELDS)
  async createMapping(@Body() raw: unknown) {
    const body = parseBody(MAPPING_FIELDS, raw);
    const targetTypeId = body.target_type_id;
    const workflowId = body.workflow_id;
    const condition = body.condition_expression ?? null;
    const priority = body.priority;
    if (!(await CatalogRepository.targetTypeExists(this.db, targetTypeId)))
      throw notFound(`target type ${targetTypeId} does not exist`);
    if (!(await WorkflowsRepository.exists(this.db, workflowId)))
      throw notFound(`workflow ${workflowId} does not exist`);
    await CatalogRepository.setMapping(this.db, {
      targetTypeId,
      workflowId,
      conditionExpression: condition,
      priority,
    });
    return toMappingView(await this.stored(CatalogRepository.mapping(this.db, targetTypeId, workflowId)));
  }

  @Get('target-workflow-mappings')
  @ApiOperation({ summary: 'List mappings, by target type then priority' })
  async listMappings(@Query() query: Record<string, unknown>) {
    const page = parsePageQuery(query);
    const typeId = queryId(query, 'target_type_id');
    const rows = await CatalogRepository.mappings(this.db, {
      targetTypeId: typeId,
      after: page.after
        ? { targetTypeId: String(page.after.t), workflowId: String(page.after.w) }
        : undefined,
      limit: page.limit + 1,
    });
    const data = rows.slice(0, page.limit).map(toMappingView);
    const last = data[data.length - 1];
    return {
      data,
      next_cursor:
        rows.length > page.limit && last
          ? encodeCursor({ t: last.target_type_id, w: last.workflow_id })
          : null,
    };
  }

  /** A row this request has just written (read back on the same pool, so it is there). */
  private async stored<T>(read: Promise<T | undefined>): Promise<T> {
    const row = await read;
    if (row === undefined) throw new Error('a row written by this request is missing');
    return row;
  }
}
