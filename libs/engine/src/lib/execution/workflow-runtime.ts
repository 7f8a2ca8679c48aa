import { parseWorkflowDefinition, type WorkflowDefinition } from '@crawlflow/contracts';
import type { EntityManager } from 'typeorm';
import { notFound } from '../engine-errors';

/** A job's definition as it runs: the version it was created with, and that version's step rows. */
export interface WorkflowRuntime {
  workflowId: string;
  version: number;
  workflowType: string;
  definition: WorkflowDefinition;
  /** workflow_steps.id per step index (null when the version has no step rows). */
  stepIds: Array<string | null>;
}

interface Queryable {
  query: EntityManager['query'];
}

/**
 * Loads a workflow version. Older versions live in workflow_versions (written on every change);
 * the current one is also on crawling_workflows. Definitions were validated when saved, so this
 * parse only fills defaults.
 */
export async function loadWorkflowRuntime(
  db: Queryable,
  workflowId: string,
  version: number,
): Promise<WorkflowRuntime> {
  const [workflow] = (await db.query(
    'SELECT id, workflow_type, version, workflow_definition FROM crawling_workflows WHERE id = ?',
    [workflowId],
  )) as Array<{ id: string; workflow_type: string; version: number; workflow_definition: string | null }>;
  if (!workflow) throw notFound(`workflow ${workflowId} does not exist`);
  let text = Number(workflow.version) === Number(version) ? workflow.workflow_definition : null;
  if (text === null) {
    const [row] = (await db.query(
      'SELECT workflow_definition FROM workflow_versions WHERE workflow_id = ? AND version = ?',
      [workflowId, version],
    )) as Array<{ workflow_definition: string }>;
    if (!row) throw notFound(`workflow ${workflowId} has no version ${version}`);
    text = row.workflow_definition;
  }
  const definition = parseWorkflowDefinition(JSON.parse(text ?? '{}'));
  const steps = (await db.query(
    'SELECT id, step_order, workflow_version FROM workflow_steps WHERE workflow_id = ? ORDER BY step_order',
    [workflowId],
  )) as Array<{ id: string; step_order: number; workflow_version?: number }>;
  const ofVersion = steps.filter(
    (s) => s.workflow_version === undefined || Number(s.workflow_version) === Number(version),
  );
  const stepIds = definition.steps.map((_, index) => {
    const row = ofVersion.find((s) => Number(s.step_order) === index + 1);
    return row ? String(row.id) : null;
  });
  return {
    workflowId: String(workflow.id),
    version: Number(version),
    workflowType: workflow.workflow_type,
    definition,
    stepIds,
  };
}

/** Runtimes by job id, bounded: results of one job arrive in many batches. */
export class RuntimeCache {
  private readonly byJob = new Map<string, WorkflowRuntime>();

  constructor(private readonly capacity = 2000) {}

  get(jobId: string): WorkflowRuntime | undefined {
    const runtime = this.byJob.get(jobId);
    if (runtime) {
      this.byJob.delete(jobId);
      this.byJob.set(jobId, runtime);
    }
    return runtime;
  }

  async load(db: Queryable, jobIds: readonly string[]): Promise<void> {
    const missing = [...new Set(jobIds)].filter((id) => !this.byJob.has(id));
    if (missing.length === 0) return;
    const jobs = (await db.query(
      'SELECT id, workflow_id, workflow_version FROM crawling_jobs WHERE id IN (?)',
      [missing],
    )) as Array<{ id: string; workflow_id: string; workflow_version: number }>;
    for (const job of jobs) {
      this.set(
        String(job.id),
        await loadWorkflowRuntime(db, String(job.workflow_id), Number(job.workflow_version)),
      );
    }
  }

  set(jobId: string, runtime: WorkflowRuntime): void {
    this.byJob.set(jobId, runtime);
    while (this.byJob.size > this.capacity) {
      const oldest = this.byJob.keys().next().value;
      if (oldest === undefined) break;
      this.byJob.delete(oldest);
    }
  }
}
