import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SchemaError } from '@crawlflow/contracts';
import { CatalogRepository, ParallelismRepository, WorkflowsRepository } from '@crawlflow/db';
import { checkCondition, notFound } from '@crawlflow/engine';
import { DataSource } from 'typeorm';
import { toMappingView } from '../catalog/catalog-views';
import { encodeCursor, parsePageQuery } from '../http/pagination';
import { bodyOf, idParam, optionalInt, optionalString, queryId, requiredId } from '../http/request-fields';
import { toPoolView, toWorkflowLimitsView } from './control-views';

const POOL_NAME = /^[A-Za-z0-9_.-]{1,50}$/;

/** Execution controls: per-workflow parallelism, shared resource pools, dynamic workflow selection. */
@ApiTags('controls')
@ApiBearerAuth()
@Controller('api')
export class ControlsController {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  @Put('workflows/:id/parallelism')
  @ApiOperation({ summary: "Set a workflow's max_parallel_jobs, max_parallel_tasks and resource_pool" })
  @ApiBody({
    schema: {
      type: 'object',
      properties: {
        max_parallel_jobs: { type: 'integer', minimum: 1, default: 5 },
        max_parallel_tasks: { type: 'integer', minimum: 1, default: 10 },
        resource_pool: { type: 'string', nullable: true, maxLength: 50 },
      },
    },
  })
  async setParallelism(@Param('id') rawId: string, @Body() raw: unknown) {
    const id = idParam(rawId);
    const body = bodyOf(raw, ['max_parallel_jobs', 'max_parallel_tasks', 'resource_pool']);
    const jobs = optionalInt(body, 'max_parallel_jobs', 'body', 1, 10_000) ?? 5;
    const tasks = optionalInt(body, 'max_parallel_tasks', 'body', 1, 100_000) ?? 10;
    const pool = optionalString(body, 'resource_pool', 'body', 50) ?? null;
    if (pool !== null && !POOL_NAME.test(pool))
      throw new SchemaError('body.resource_pool', 'letters, digits, _ . and -');
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
  @ApiBody({
    schema: { type: 'object', required: ['slots'], properties: { slots: { type: 'integer', minimum: 1 } } },
  })
  async setPool(@Param('name') name: string, @Body() raw: unknown) {
    if (!POOL_NAME.test(name)) throw new SchemaError('params.name', 'letters, digits, _ . and -, at most 50');
    const body = bodyOf(raw, ['slots']);
    const slots = optionalInt(body, 'slots', 'body', 1, 100_000);
    if (slots === undefined) throw new SchemaError('body.slots', 'required');
    await ParallelismRepository.setPoolSlots(this.db, name, slots);
    return toPoolView(await this.stored(ParallelismRepository.pool(this.db, name)));
  }

  @Post('target-workflow-mappings')
  @HttpCode(201)
  @ApiOperation({ summary: 'Map a target type to a workflow under a condition (highest priority wins)' })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['target_type_id', 'workflow_id'],
      properties: {
        target_type_id: { type: 'string' },
        workflow_id: { type: 'string' },
        condition_expression: {
          type: 'string',
          example: "target.url matches '^https://shop' and params.region == 'kr'",
        },
        priority: { type: 'integer', default: 0 },
      },
    },
  })
  async createMapping(@Body() raw: unknown) {
    const body = bodyOf(raw, ['target_type_id', 'workflow_id', 'condition_expression', 'priority']);
    const targetTypeId = requiredId(body, 'target_type_id', 'body');
    const workflowId = requiredId(body, 'workflow_id', 'body');
    const condition = optionalString(body, 'condition_expression', 'body', 2000) ?? null;
    checkCondition(condition, 'condition_expression');
    const priority = optionalInt(body, 'priority', 'body', -1_000_000, 1_000_000) ?? 0;
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
