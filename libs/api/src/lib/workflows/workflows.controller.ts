import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { SchemaError, SEED_EXAMPLE_DEFINITION, type DefinitionCheckers } from '@crawlflow/contracts';
import {
  createWorkflow,
  getWorkflow,
  listWorkflows,
  NewWorkflow,
  updateWorkflow,
  WORKFLOW_TYPES,
  WorkflowChange,
} from '@crawlflow/engine';
import { DataSource } from 'typeorm';
import { afterId, pageOf, parsePageQuery } from '../http/pagination';
import {
  bodyOf,
  idParam,
  optionalBool,
  optionalId,
  optionalOneOf,
  optionalString,
  queryId,
  queryInt,
  requiredString,
} from '../http/request-fields';
import { DEFINITION_CHECKERS } from './definition-checkers';

const FIELDS = ['source_id', 'workflow_name', 'workflow_type', 'workflow_definition', 'is_active'] as const;

const WORKFLOW_BODY = {
  type: 'object',
  properties: {
    source_id: { type: 'string', nullable: true },
    workflow_name: { type: 'string', maxLength: 100 },
    workflow_type: { type: 'string', enum: [...WORKFLOW_TYPES] },
    workflow_definition: {
      type: 'object',
      description: 'The steps of the workflow (see README: workflow definitions)',
      example: SEED_EXAMPLE_DEFINITION,
    },
    is_active: { type: 'boolean' },
  },
};

function parseFields(raw: unknown, requireAll: boolean): WorkflowChange {
  const body = bodyOf(raw, FIELDS);
  const change: WorkflowChange = {};
  const sourceId = optionalId(body, 'source_id', 'body');
  if (body.source_id === null) change.source_id = null;
  else if (sourceId !== undefined) change.source_id = sourceId;
  const name = requireAll
    ? requiredString(body, 'workflow_name', 'body', 100)
    : optionalString(body, 'workflow_name', 'body', 100);
  if (name !== undefined) change.workflow_name = name;
  const type = optionalOneOf(body, 'workflow_type', 'body', WORKFLOW_TYPES);
  if (type !== undefined) change.workflow_type = type;
  else if (requireAll) throw new SchemaError('body.workflow_type', 'required');
  if (body.workflow_definition !== undefined && body.workflow_definition !== null) {
    change.workflow_definition = body.workflow_definition;
  } else if (requireAll) {
    throw new SchemaError('body.workflow_definition', 'required');
  }
  const active = optionalBool(body, 'is_active', 'body');
  if (active !== undefined) change.is_active = active;
  return change;
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
  @ApiBody({
    schema: { ...WORKFLOW_BODY, required: ['workflow_name', 'workflow_type', 'workflow_definition'] },
  })
  create(@Body() raw: unknown) {
    const input = parseFields(raw, true) as NewWorkflow;
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

  @Put(':id')
  @ApiOperation({
    summary:
      'Change a workflow; a changed definition becomes a new version (jobs keep the version they started on)',
  })
  @ApiBody({ schema: WORKFLOW_BODY })
  update(@Param('id') id: string, @Body() raw: unknown) {
    const workflowId = idParam(id);
    const change = parseFields(raw, false);
    return this.db.transaction((manager) => updateWorkflow(manager, workflowId, change, this.checkers));
  }
}
