import {
  DefinitionCheckers,
  parseWorkflowDefinition,
  SchemaError,
  type WorkflowDefinition,
} from '@crawlflow/contracts';
import { TEXT_COLUMN_BYTES } from '@crawlflow/db';
import type { EntityManager } from 'typeorm';
import { invalid, notFound, unprocessable } from '../engine-errors';
import {
  parseStoredJson,
  RawWorkflow,
  toWorkflowRow,
  WORKFLOW_TYPES,
  WorkflowRow,
  WorkflowStepRow,
  WorkflowTypeName,
} from './workflow-rows';

export interface NewWorkflow {
  source_id?: string | null;
  workflow_name: string;
  workflow_type: WorkflowTypeName;
  /** A JSON object (or its text); validated by parseWorkflowDefinition. */
  workflow_definition: unknown;
  is_active?: boolean;
}

/** PUT: the fields given replace the stored ones; a changed definition becomes a new version. */
export type WorkflowChange = Partial<NewWorkflow>;

export interface LoadedWorkflowVersion {
  workflow: WorkflowRow;
  definition: WorkflowDefinition;
  /** In step_order; their ids are what tasks reference. */
  steps: WorkflowStepRow[];
}

const WORKFLOW_COLUMNS =
  'id, source_id, workflow_name, workflow_type, workflow_definition, is_active, version, created_at, updated_at';

/**
 * Validates a definition and returns it parsed, with its canonical text (what is stored and
 * compared). Errors name the JSON path under the field: `workflow_definition.steps[1].config.selectors`.
 */
export function validateDefinition(
  value: unknown,
  checkers: DefinitionCheckers = {},
): { definition: WorkflowDefinition; text: string } {
  let raw = value;
  if (typeof value === 'string') {
    try {
      raw = JSON.parse(value);
    } catch (error) {
      throw invalid(`workflow_definition: not JSON (${(error as Error).message})`, 'workflow_definition');
    }
  }
  let definition: WorkflowDefinition;
  try {
    definition = parseWorkflowDefinition(raw, checkers);
  } catch (error) {
    if (!(error instanceof SchemaError)) throw error;
    const path = `workflow_definition${error.path.slice(1)}`;
    throw invalid(`${path}: ${error.problem}`, path);
  }
  const text = JSON.stringify(raw);
  // Checked on the text as stored (crawling_workflows and workflow_versions hold it in TEXT), after
  // the parse so that a wrong field is named before the size of the whole.
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > TEXT_COLUMN_BYTES) {
    throw invalid(
      `workflow_definition: ${bytes} bytes as JSON, more than the ${TEXT_COLUMN_BYTES} it is stored in`,
      'workflow_definition',
    );
  }
  return { definition, text };
}

export async function createWorkflow(
  manager: EntityManager,
  input: NewWorkflow,
  checkers: DefinitionCheckers = {},
): Promise<WorkflowRow> {
  checkFields(input);
  const { definition, text } = validateDefinition(input.workflow_definition, checkers);
  await checkReferences(manager, input.source_id ?? null, definition);
  const result: { insertId: number } = await manager.query(
    `INSERT INTO crawling_workflows (source_id, workflow_name, workflow_type, workflow_definition, is_active, version)
     VALUES (?, ?, ?, ?, ?, 1)`,
    [
      input.source_id ?? null,
      input.workflow_name,
      input.workflow_type,
      text,
      input.is_active === false ? 0 : 1,
    ],
  );
  const id = String(result.insertId);
  await writeVersion(manager, id, 1, text, definition);
  return getWorkflow(manager, id);
}

export async function updateWorkflow(
  manager: EntityManager,
  id: string,
  change: WorkflowChange,
  checkers: DefinitionCheckers = {},
): Promise<WorkflowRow> {
  const current = await lockWorkflow(manager, id);
  checkFields({ ...toInput(current), ...change });
  const sets: string[] = [];
  const params: unknown[] = [];
  if (change.workflow_definition !== undefined) {
    const { definition, text } = validateDefinition(change.workflow_definition, checkers);
    await checkReferences(manager, null, definition);
    // Only a different definition makes a version: a PUT repeating the same one is a no-op for it.
    if (text !== current.workflow_definition) {
      const version = Number(current.version) + 1;
      await writeVersion(manager, id, version, text, definition);
      sets.push('workflow_definition = ?', 'version = ?');
      params.push(text, version);
    }
  }
  if (change.source_id !== undefined) {
    await checkReferences(manager, change.source_id, undefined);
    sets.push('source_id = ?');
    params.push(change.source_id);
  }
  if (change.workflow_name !== undefined) {
    sets.push('workflow_name = ?');
    params.push(change.workflow_name);
  }
  if (change.workflow_type !== undefined) {
    sets.push('workflow_type = ?');
    params.push(change.workflow_type);
  }
  if (change.is_active !== undefined) {
    sets.push('is_active = ?');
    params.push(change.is_active ? 1 : 0);
  }
  if (sets.length > 0) {
    await manager.query(`UPDATE crawling_workflows SET ${sets.join(', ')} WHERE id = ?`, [...params, id]);
  }
  return getWorkflow(manager, id);
}

/** The workflow as it is now, or at `version` (an older definition stays readable). */
export async function getWorkflow(
  manager: EntityManager,
  id: string,
  version?: number,
): Promise<WorkflowRow> {
  const [raw] = (await manager.query(`SELECT ${WORKFLOW_COLUMNS} FROM crawling_workflows WHERE id = ?`, [
    id,
  ])) as RawWorkflow[];
  if (!raw) throw notFound(`workflow ${id} does not exist`);
  if (version === undefined || version === Number(raw.version)) {
    const at = await versionRow(manager, id, Number(raw.version));
    return toWorkflowRow(raw, at ?? undefined);
  }
  const at = await versionRow(manager, id, version);
  if (!at) throw notFound(`workflow ${id} has no version ${version}`);
  return toWorkflowRow(raw, at);
}

export interface WorkflowListQuery {
  /** Keyset: rows with a greater id. */
  afterId?: string;
  limit: number;
  sourceId?: string;
  isActive?: boolean;
}

export async function listWorkflows(
  manager: EntityManager,
  query: WorkflowListQuery,
): Promise<WorkflowRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.afterId !== undefined) {
    where.push('id > ?');
    params.push(query.afterId);
  }
  if (query.sourceId !== undefined) {
    where.push('source_id = ?');
    params.push(query.sourceId);
  }
  if (query.isActive !== undefined) {
    where.push('is_active = ?');
    params.push(query.isActive ? 1 : 0);
  }
  const rows = (await manager.query(
    `SELECT ${WORKFLOW_COLUMNS} FROM crawling_workflows ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY id LIMIT ?`,
    [...params, query.limit],
  )) as RawWorkflow[];
  return rows.map((row) => toWorkflowRow(row));
}

/**
 * What the engine runs a job on: the workflow at the version the job was created with, its parsed
 * definition and that version's step rows. Workflows written without the API (no version or step
 * rows yet) get them written here, once: the unique keys make concurrent first loads agree.
 */
export async function loadWorkflowVersion(
  manager: EntityManager,
  workflowId: string,
  version: number,
): Promise<LoadedWorkflowVersion> {
  const workflow = await getWorkflowForLoad(manager, workflowId, version);
  const text =
    typeof workflow.workflow_definition === 'string'
      ? workflow.workflow_definition
      : JSON.stringify(workflow.workflow_definition);
  let definition: WorkflowDefinition;
  try {
    definition = parseWorkflowDefinition(workflow.workflow_definition);
  } catch (error) {
    const detail = error instanceof SchemaError ? error.message : String(error);
    throw unprocessable(`workflow ${workflowId} version ${version} cannot run: ${detail}`);
  }
  let rows = await stepRows(manager, workflowId, version);
  if (rows.length < definition.steps.length) {
    await manager.query(
      'INSERT IGNORE INTO workflow_versions (workflow_id, version, workflow_definition) VALUES (?, ?, ?)',
      [workflowId, version, text],
    );
    await insertSteps(manager, workflowId, version, definition, true);
    rows = await stepRows(manager, workflowId, version);
  }
  const steps = definition.steps.map((step, index): WorkflowStepRow => {
    const row = rows.find((candidate) => Number(candidate.step_order) === index + 1);
    if (!row)
      throw unprocessable(`workflow ${workflowId} version ${version} has no row for step ${index + 1}`);
    return {
      id: String(row.id),
      workflow_id: String(row.workflow_id),
      workflow_version: Number(row.workflow_version),
      step_order: Number(row.step_order),
      step_name: row.step_name,
      step_type: row.step_type,
      target_type_id: row.target_type_id === null ? null : String(row.target_type_id),
      input_mapping: parseStoredJson(row.input_mapping) as Record<string, string> | null,
      output_mapping: parseStoredJson(row.output_mapping) as Record<string, string> | null,
      error_handling: row.error_handling,
      max_retries: Number(row.max_retries),
      definition: step,
    };
  });
  return { workflow, definition, steps };
}

async function getWorkflowForLoad(manager: EntityManager, id: string, version: number): Promise<WorkflowRow> {
  try {
    return await getWorkflow(manager, id, version);
  } catch (error) {
    // A workflow inserted by hand has no version rows: its current definition is its version.
    const [raw] = (await manager.query(`SELECT ${WORKFLOW_COLUMNS} FROM crawling_workflows WHERE id = ?`, [
      id,
    ])) as RawWorkflow[];
    if (raw && Number(raw.version) === version) return toWorkflowRow(raw);
    throw error;
  }
}

interface RawStep {
  id: string;
  workflow_id: string;
  workflow_version: number;
  step_order: number;
  step_name: string;
  step_type: WorkflowStepRow['step_type'];
  target_type_id: string | null;
  input_mapping: string | null;
  output_mapping: string | null;
  error_handling: WorkflowStepRow['error_handling'];
  max_retries: number;
}

function stepRows(manager: EntityManager, workflowId: string, version: number): Promise<RawStep[]> {
  return manager.query(
    `SELECT id, workflow_id, workflow_version, step_order, step_name, step_type, target_type_id,
            input_mapping, output_mapping, error_handling, max_retries
       FROM workflow_steps WHERE workflow_id = ? AND workflow_version = ? ORDER BY step_order`,
    [workflowId, version],
  );
}

async function versionRow(
  manager: EntityManager,
  id: string,
  version: number,
): Promise<{ version: number; workflow_definition: string | null; created_at: Date } | undefined> {
  const [row] = (await manager.query(
    'SELECT version, workflow_definition, created_at FROM workflow_versions WHERE workflow_id = ? AND version = ?',
    [id, version],
  )) as Array<{ version: number; workflow_definition: string | null; created_at: Date }>;
  return row;
}

async function writeVersion(
  manager: EntityManager,
  id: string,
  version: number,
  text: string,
  definition: WorkflowDefinition,
): Promise<void> {
  await manager.query(
    'INSERT INTO workflow_versions (workflow_id, version, workflow_definition) VALUES (?, ?, ?)',
    [id, version, text],
  );
  await insertSteps(manager, id, version, definition, false);
}

/** step_order counts from 1, in the definition's order. */
async function insertSteps(
  manager: EntityManager,
  id: string,
  version: number,
  definition: WorkflowDefinition,
  ignoreExisting: boolean,
): Promise<void> {
  const rows = definition.steps.map((step, index) => [
    id,
    version,
    index + 1,
    step.name,
    step.type,
    step.target_type_id ?? null,
    step.input_mapping ? JSON.stringify(step.input_mapping) : null,
    step.output_mapping ? JSON.stringify(step.output_mapping) : null,
    step.error_handling,
    step.max_retries,
  ]);
  await manager.query(
    `INSERT ${ignoreExisting ? 'IGNORE ' : ''}INTO workflow_steps
       (workflow_id, workflow_version, step_order, step_name, step_type, target_type_id,
        input_mapping, output_mapping, error_handling, max_retries)
     VALUES ?`,
    [rows],
  );
}

async function lockWorkflow(manager: EntityManager, id: string): Promise<RawWorkflow> {
  const [raw] = (await manager.query(
    `SELECT ${WORKFLOW_COLUMNS} FROM crawling_workflows WHERE id = ? FOR UPDATE`,
    [id],
  )) as RawWorkflow[];
  if (!raw) throw notFound(`workflow ${id} does not exist`);
  return raw;
}

function toInput(raw: RawWorkflow): NewWorkflow {
  return {
    source_id: raw.source_id === null ? null : String(raw.source_id),
    workflow_name: raw.workflow_name,
    workflow_type: raw.workflow_type,
    workflow_definition: raw.workflow_definition,
  };
}

function checkFields(input: NewWorkflow): void {
  const name = input.workflow_name;
  if (typeof name !== 'string' || name.trim() === '' || name.length > 100) {
    throw invalid('workflow_name: 1 to 100 characters', 'workflow_name');
  }
  if (!(WORKFLOW_TYPES as readonly string[]).includes(input.workflow_type)) {
    throw invalid(`workflow_type: one of ${WORKFLOW_TYPES.join(', ')}`, 'workflow_type');
  }
}

async function checkReferences(
  manager: EntityManager,
  sourceId: string | null,
  definition: WorkflowDefinition | undefined,
): Promise<void> {
  if (sourceId !== null) {
    const [source] = (await manager.query('SELECT id FROM crawl_sources WHERE id = ?', [
      sourceId,
    ])) as unknown[];
    if (!source) throw notFound(`source ${sourceId} does not exist`);
  }
  const typeIds = [...new Set((definition?.steps ?? []).flatMap((step) => step.target_type_id ?? []))];
  if (typeIds.length === 0) return;
  const found = new Set(
    (
      (await manager.query('SELECT id FROM target_types WHERE id IN (?)', [typeIds])) as Array<{ id: string }>
    ).map((row) => Number(row.id)),
  );
  const index = definition?.steps.findIndex((step) => step.target_type_id && !found.has(step.target_type_id));
  if (index !== undefined && index >= 0) {
    const path = `workflow_definition.steps[${index}].target_type_id`;
    throw invalid(`${path}: target type ${definition?.steps[index].target_type_id} does not exist`, path);
  }
}
