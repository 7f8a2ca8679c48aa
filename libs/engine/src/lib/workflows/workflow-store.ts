import {
  DefinitionCheckers,
  parseWorkflowDefinition,
  SchemaError,
  type WorkflowDefinition,
} from '@crawlflow/contracts';
import {
  type CrawlingWorkflow,
  type NewStepRow,
  TEXT_COLUMN_BYTES,
  WorkflowsRepository,
} from '@crawlflow/db';
import type { EntityManager } from 'typeorm';
import { invalid, notFound, unprocessable } from '../engine-errors';
import {
  parseStoredJson,
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
  const id = await WorkflowsRepository.insert(manager, {
    sourceId: input.source_id ?? null,
    workflowName: input.workflow_name,
    workflowType: input.workflow_type,
    workflowDefinition: text,
    isActive: input.is_active !== false,
  });
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
  const update: Parameters<typeof WorkflowsRepository.update>[2] = {};
  if (change.workflow_definition !== undefined) {
    const { definition, text } = validateDefinition(change.workflow_definition, checkers);
    await checkReferences(manager, null, definition);
    // Only a different definition makes a version: a PUT repeating the same one is a no-op for it.
    if (text !== current.workflowDefinition) {
      const version = current.version + 1;
      await writeVersion(manager, id, version, text, definition);
      Object.assign(update, { workflowDefinition: text, version });
    }
  }
  if (change.source_id !== undefined) {
    await checkReferences(manager, change.source_id, undefined);
    update.sourceId = change.source_id;
  }
  if (change.workflow_name !== undefined) update.workflowName = change.workflow_name;
  if (change.workflow_type !== undefined) update.workflowType = change.workflow_type;
  if (change.is_active !== undefined) update.isActive = change.is_active;
  await WorkflowsRepository.update(manager, id, update);
  return getWorkflow(manager, id);
}

/** The workflow as it is now, or at `version` (an older definition stays readable). */
export async function getWorkflow(
  manager: EntityManager,
  id: string,
  version?: number,
): Promise<WorkflowRow> {
  const workflow = await WorkflowsRepository.find(manager, id);
  if (!workflow) throw notFound(`workflow ${id} does not exist`);
  if (version === undefined || version === workflow.version) {
    return toWorkflowRow(workflow, await WorkflowsRepository.version(manager, id, workflow.version));
  }
  const at = await WorkflowsRepository.version(manager, id, version);
  if (!at) throw notFound(`workflow ${id} has no version ${version}`);
  return toWorkflowRow(workflow, at);
}

/** One version of a workflow as the API lists it (its definition is at `getWorkflow(…, version)`). */
export interface WorkflowVersionRow {
  version: number;
  created_at: Date;
  is_current: boolean;
}

/** Every version of a workflow, newest first; a workflow that does not exist is not found as in getWorkflow. */
export async function listWorkflowVersions(
  manager: EntityManager,
  id: string,
): Promise<WorkflowVersionRow[]> {
  const workflow = await WorkflowsRepository.find(manager, id);
  if (!workflow) throw notFound(`workflow ${id} does not exist`);
  const rows: WorkflowVersionRow[] = (await WorkflowsRepository.versions(manager, id)).map((row) => ({
    version: row.version,
    created_at: row.createdAt,
    is_current: row.version === workflow.version,
  }));
  // As in toWorkflowRow: a current version without its row (written by hand) still shows.
  if (!rows.some((row) => row.is_current)) {
    rows.push({ version: workflow.version, created_at: workflow.updatedAt, is_current: true });
    rows.sort((a, b) => b.version - a.version);
  }
  return rows;
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
  return (await WorkflowsRepository.list(manager, query)).map((workflow) => toWorkflowRow(workflow));
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
  let rows = await WorkflowsRepository.steps(manager, workflowId, version);
  if (rows.length < definition.steps.length) {
    await WorkflowsRepository.addVersion(manager, workflowId, version, text, stepRowsOf(definition), true);
    rows = await WorkflowsRepository.steps(manager, workflowId, version);
  }
  const steps = definition.steps.map((step, index): WorkflowStepRow => {
    const row = rows.find((candidate) => candidate.stepOrder === index + 1);
    if (!row)
      throw unprocessable(`workflow ${workflowId} version ${version} has no row for step ${index + 1}`);
    return {
      id: row.id,
      workflow_id: row.workflowId,
      workflow_version: row.workflowVersion,
      step_order: row.stepOrder,
      step_name: row.stepName,
      step_type: row.stepType,
      target_type_id: row.targetTypeId,
      input_mapping: parseStoredJson(row.inputMapping) as Record<string, string> | null,
      output_mapping: parseStoredJson(row.outputMapping) as Record<string, string> | null,
      error_handling: row.errorHandling,
      max_retries: row.maxRetries,
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
    const workflow = await WorkflowsRepository.find(manager, id);
    if (workflow && workflow.version === version) return toWorkflowRow(workflow);
    throw error;
  }
}

async function writeVersion(
  manager: EntityManager,
  id: string,
  version: number,
  text: string,
  definition: WorkflowDefinition,
): Promise<void> {
  await WorkflowsRepository.addVersion(manager, id, version, text, stepRowsOf(definition));
}

/** step_order counts from 1, in the definition's order. */
function stepRowsOf(definition: WorkflowDefinition): NewStepRow[] {
  return definition.steps.map((step, index) => ({
    stepOrder: index + 1,
    stepName: step.name,
    stepType: step.type,
    targetTypeId:
      step.target_type_id === undefined || step.target_type_id === null ? null : String(step.target_type_id),
    inputMapping: step.input_mapping ? JSON.stringify(step.input_mapping) : null,
    outputMapping: step.output_mapping ? JSON.stringify(step.output_mapping) : null,
    errorHandling: step.error_handling,
    maxRetries: step.max_retries,
  }));
}

async function lockWorkflow(manager: EntityManager, id: string): Promise<CrawlingWorkflow> {
  const workflow = await WorkflowsRepository.lock(manager, id);
  if (!workflow) throw notFound(`workflow ${id} does not exist`);
  return workflow;
}

function toInput(workflow: CrawlingWorkflow): NewWorkflow {
  return {
    source_id: workflow.sourceId,
    workflow_name: workflow.workflowName,
    workflow_type: workflow.workflowType,
    workflow_definition: workflow.workflowDefinition,
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
  if (sourceId !== null && !(await WorkflowsRepository.sourceExists(manager, sourceId)))
    throw notFound(`source ${sourceId} does not exist`);
  const typeIds = [...new Set((definition?.steps ?? []).flatMap((step) => step.target_type_id ?? []))];
  if (typeIds.length === 0) return;
  const found = await WorkflowsRepository.existingTargetTypes(manager, typeIds.map(String));
  const index = definition?.steps.findIndex(
    (step) => step.target_type_id && !found.has(String(step.target_type_id)),
  );
  if (index !== undefined && index >= 0) {
    const path = `workflow_definition.steps[${index}].target_type_id`;
    throw invalid(`${path}: target type ${definition?.steps[index].target_type_id} does not exist`, path);
  }
}
