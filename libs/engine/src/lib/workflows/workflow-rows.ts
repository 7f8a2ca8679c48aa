import type { StepDefinition, StepType, ErrorHandling } from '@crawlflow/contracts';

export const WORKFLOW_TYPES = ['FULL_SCAN', 'INCREMENTAL', 'TARGETED'] as const;
export type WorkflowTypeName = (typeof WORKFLOW_TYPES)[number];

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

/** Raw column values as mysql2 returns them (bigint as string, tinyint as number). */
export interface RawWorkflow {
  id: string | number;
  source_id: string | number | null;
  workflow_name: string;
  workflow_type: WorkflowTypeName;
  workflow_definition: string | null;
  is_active: number | boolean;
  version: number;
  created_at: Date;
  updated_at: Date;
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

export function toWorkflowRow(
  raw: RawWorkflow,
  at?: { version: number; workflow_definition: string | null; created_at: Date },
): WorkflowRow {
  return {
    id: String(raw.id),
    source_id: raw.source_id === null ? null : String(raw.source_id),
    workflow_name: raw.workflow_name,
    workflow_type: raw.workflow_type,
    workflow_definition: parseStoredJson(at ? at.workflow_definition : raw.workflow_definition),
    is_active: Boolean(Number(raw.is_active)),
    version: at ? Number(at.version) : Number(raw.version),
    latest_version: Number(raw.version),
    created_at: raw.created_at,
    updated_at: raw.updated_at,
    version_created_at: at ? at.created_at : raw.updated_at,
  };
}
