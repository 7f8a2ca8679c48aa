import type { ErrorHandling, StepDefinition, StepType, WorkflowType } from '@crawlflow/contracts';
import type { CrawlingWorkflow, WorkflowVersion } from '@crawlflow/db';

// The names callers of the engine use for the vocabulary's workflow types.
export { WORKFLOW_TYPES } from '@crawlflow/contracts';
export type WorkflowTypeName = WorkflowType;

/** A crawling_workflows row as the API shows it (at one version when a version was asked for). */
export interface WorkflowRow {
  id: string;
  source_id: string | null;
  workflow_name: string;
  workflow_type: WorkflowTypeName;
  /** The definition as submitted (parsed JSON), of `version`. */
  workflow_definition: unknown;
  is_active: boolean;
  version: number;
  /** The workflow's newest version (equal to `version` unless an older one was asked for). */
  latest_version: number;
  created_at: Date;
  updated_at: Date;
  /** When `version` was written. */
  version_created_at: Date;
}

/** A workflow_steps row of one version, with its step definition (config, backoff) beside it. */
export interface WorkflowStepRow {
  id: string;
  workflow_id: string;
  workflow_version: number;
  step_order: number;
  step_name: string;
  step_type: StepType;
  target_type_id: string | null;
  input_mapping: Record<string, string> | null;
  output_mapping: Record<string, string> | null;
  error_handling: ErrorHandling;
  max_retries: number;
  definition: StepDefinition;
}

export function parseStoredJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    // Rows written by hand may hold anything; show it rather than fail the whole read.
    return text;
  }
}

/** The API's view of a workflow row, at a version when one is given. */
export function toWorkflowRow(workflow: CrawlingWorkflow, at?: WorkflowVersion): WorkflowRow {
  return {
    id: workflow.id,
    source_id: workflow.sourceId,
    workflow_name: workflow.workflowName,
    workflow_type: workflow.workflowType,
    workflow_definition: parseStoredJson(at ? at.workflowDefinition : workflow.workflowDefinition),
    is_active: workflow.isActive,
    version: at ? at.version : workflow.version,
    latest_version: workflow.version,
    created_at: workflow.createdAt,
    updated_at: workflow.updatedAt,
    version_created_at: at ? at.createdAt : workflow.updatedAt,
  };
}
