import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { fieldTable, SchemaError } from '@crawlflow/contracts';
import { checkCondition, notFound } from '@crawlflow/engine';
import { DataSource } from 'typeorm';
import { ApiBodyOf, parseBody } from '../http/field-table';
import { encodeCursor, parsePageQuery } from '../http/pagination';
import { idParam, queryId } from '../http/request-fields';
import { normalise } from '../http/rows';

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
  @ApiBodyOf(POOL_FIELDS)
  async setPool(@Param('name') name: string, @Body() raw: unknown) {
    if (!POOL_NAME.test(name)) throw new SchemaError('params.name', 'letters, digits, _ . and -, at most 50');
    const { slots } = parseBody(POOL_FIELDS, raw);
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
  @ApiBodyOf(MAPPING_FIELDS)
  async createMapping(@Body() raw: unknown) {
    const body = parseBody(MAPPING_FIELDS, raw);
    const targetTypeId = body.target_type_id;
    const workflowId = body.workflow_id;
    const condition = body.condition_expression ?? null;
    const priority = body.priority;
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
