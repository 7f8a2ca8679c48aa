import {
  fieldTable,
  SchemaError,
  SEED_EXAMPLE_DEFINITION,
  withoutRequired,
  type DefinitionCheckers,
} from '@crawlflow/contracts';
import {
  createWorkflow,
  getWorkflow,
  listWorkflows,
  listWorkflowVersions,
  NewWorkflow,
  updateWorkflow,
  WORKFLOW_TYPES,
  WorkflowChange,
} from '@crawlflow/engine';
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { ApiBodyOf, parseBody } from '../http/field-table';
import { afterId, pageOf, parsePageQuery } from '../http/pagination';
import { idParam, queryId, queryInt } from '../http/request-fields';
import { DEFINITION_CHECKERS } from './definition-checkers';

/** POST takes the fields marked required; PUT any subset (WORKFLOW_CHANGE_FIELDS). */
export const WORKFLOW_FIELDS = fieldTable({
  source_id: { type: 'id', nullable: true },
  workflow_name: { type: 'string', required: true, maxLength: 100 },
  workflow_type: { type: 'enum', required: true, values: WORKFLOW_TYPES },
  workflow_definition: {
    type: 'object',
    required: true,
    // createWorkflow validates it, naming JSON paths under body.workflow_definition.
    passThrough: true,
    description: 'The steps of the workflow (see README: workflow definitions)',
    example: SEED_EXAMPLE_DEFINITION,
  },
  is_active: { type: 'boolean' },
});

export const WORKFLOW_CHANGE_FIELDS = withoutRequired(WORKFLOW_FIELDS);

/** Only the fields given: an absent field leaves the column as it is. */
function changeOf<T extends object>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

@ApiTags('workflows')
@ApiBearerAuth()
@Controller('api/workflows')
export class WorkflowsController {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(DEFINITION_CHECKERS) private readonly checkers: DefinitionCheckers,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a workflow (version 1); the definition is validated with JSON paths' })
  @ApiBodyOf(WORKFLOW_FIELDS)
  create(@Body() raw: unknown) {
    const input = changeOf(parseBody(WORKFLOW_FIELDS, raw)) as NewWorkflow;
    return this.db.transaction((manager) => createWorkflow(manager, input, this.checkers));
  }

  @Get()
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'source_id', required: false })
  @ApiQuery({ name: 'is_active', required: false, enum: ['true', 'false'] })
  @ApiOperation({ summary: 'List workflows (their current versions)' })
  async list(@Query() query: Record<string, unknown>) {
    const page = parsePageQuery(query);
    const active = query.is_active;
    if (active !== undefined && active !== 'true' && active !== 'false') {
      throw new SchemaError('query.is_active', 'expected true or false');
    }
    const rows = await listWorkflows(this.db.manager, {
      afterId: afterId(page),
      limit: page.limit + 1,
      sourceId: queryId(query, 'source_id'),
      isActive: active === undefined ? undefined : active === 'true',
    });
    return pageOf(rows, page.limit);
  }

  @Get(':id')
  @ApiQuery({ name: 'version', required: false, description: 'an older version (default: the current one)' })
  @ApiOperation({ summary: 'One workflow, at its current or an older version' })
  get(@Param('id') id: string, @Query() query: Record<string, unknown>) {
    const version = query.version === undefined ? undefined : queryInt(query, 'version', 1, 1, 2_147_483_647);
    return getWorkflow(this.db.manager, idParam(id), version);
  }

  @Get(':id/versions')
  @ApiOperation({
    summary:
      'The versions of a workflow, newest first (a version’s definition: GET /api/workflows/:id?version=)',
  })
  async versions(@Param('id') id: string) {
    const rows = await listWorkflowVersions(this.db.manager, idParam(id));
    return { data: rows, next_cursor: null };
  }

  @Put(':id')
  @ApiOperation({
    summary:
      'Change a workflow; a changed definition becomes a new version (jobs keep the version they started on)',
  })
  @ApiBodyOf(WORKFLOW_CHANGE_FIELDS)
  update(@Param('id') id: string, @Body() raw: unknown) {
    const workflowId = idParam(id);
    const change: WorkflowChange = changeOf(parseBody(WORKFLOW_CHANGE_FIELDS, raw));
    return this.db.transaction((manager) => updateWorkflow(manager, workflowId, change, this.checkers));
  }
}
