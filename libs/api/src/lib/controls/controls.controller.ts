import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SchemaError } from '@crawlflow/contracts';
import { checkCondition, notFound } from '@crawlflow/engine';
import { DataSource } from 'typeorm';
import { encodeCursor, parsePageQuery } from '../http/pagination';
import { bodyOf, idParam, optionalInt, optionalString, queryId, requiredId } from '../http/request-fields';
import { normalise } from '../http/rows';

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
    const [workflow] = (await this.db.query('SELECT id FROM crawling_workflows WHERE id = ?', [
      id,
    ])) as unknown[];
    if (!workflow) throw notFound(`workflow ${id} does not exist`);
    await this.db.query(
      `INSERT INTO parallel_execution_config (workflow_id, max_parallel_jobs, max_parallel_tasks, resource_pool)
       VALUES (?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE max_parallel_jobs = VALUES(max_parallel_jobs),
         max_parallel_tasks = VALUES(max_parallel_tasks), resource_pool = VALUES(resource_pool)`,
      [id, jobs, tasks, pool],
    );
    const [row] = (await this.db.query('SELECT * FROM parallel_execution_config WHERE workflow_id = ?', [
      id,
    ])) as Array<Record<string, unknown>>;
    return normalise(row);
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
    await this.db.query(
      'INSERT INTO resource_pools (name, slots) VALUES (?, ?) ON DUPLICATE KEY UPDATE slots = VALUES(slots)',
      [name, slots],
    );
    const [row] = (await this.db.query('SELECT * FROM resource_pools WHERE name = ?', [name])) as Array<
      Record<string, unknown>
    >;
    return normalise(row);
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
    const [type] = (await this.db.query('SELECT id FROM target_types WHERE id = ?', [
      targetTypeId,
    ])) as unknown[];
    if (!type) throw notFound(`target type ${targetTypeId} does not exist`);
    const [workflow] = (await this.db.query('SELECT id FROM crawling_workflows WHERE id = ?', [
      workflowId,
    ])) as unknown[];
    if (!workflow) throw notFound(`workflow ${workflowId} does not exist`);
    await this.db.query(
      `INSERT INTO target_workflow_mappings (target_type_id, workflow_id, condition_expression, priority) VALUES (?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE condition_expression = VALUES(condition_expression), priority = VALUES(priority)`,
      [targetTypeId, workflowId, condition, priority],
    );
    const [row] = (await this.db.query(
      'SELECT * FROM target_workflow_mappings WHERE target_type_id = ? AND workflow_id = ?',
      [targetTypeId, workflowId],
    )) as Array<Record<string, unknown>>;
    return normalise(row);
  }

  @Get('target-workflow-mappings')
  @ApiOperation({ summary: 'List mappings, by target type then priority' })
  async listMappings(@Query() query: Record<string, unknown>) {
    const page = parsePageQuery(query);
    const typeId = queryId(query, 'target_type_id');
    const after = page.after ? [String(page.after.t), String(page.after.w)] : undefined;
    const rows = (await this.db.query(
      `SELECT * FROM target_workflow_mappings
        WHERE (? IS NULL OR target_type_id = ?) AND (? IS NULL OR (target_type_id, workflow_id) > (?, ?))
        ORDER BY target_type_id, workflow_id LIMIT ?`,
      [typeId ?? null, typeId ?? null, after?.[0] ?? null, after?.[0] ?? 0, after?.[1] ?? 0, page.limit + 1],
    )) as Array<Record<string, unknown>>;
    const data = rows.slice(0, page.limit).map((row) => normalise(row));
    const last = data[data.length - 1];
    return {
      data,
      next_cursor:
        rows.length > page.limit && last
          ? encodeCursor({ t: String(last.target_type_id), w: String(last.workflow_id) })
          : null,
    };
  }
}
