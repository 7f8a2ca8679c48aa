import type { EntityManager } from 'typeorm';
import { invalid, notFound } from '../engine-errors';

export const JOB_TYPES = ['FULL', 'INCREMENTAL', 'RETRY'] as const;
export type JobType = (typeof JOB_TYPES)[number];

export interface NewJob {
  workflowId: string;
  targetId?: string | null;
  scheduleId?: string | null;
  /** The due time a schedule fired for; (schedule_id, scheduled_at) is unique. */
  scheduledAt?: Date | null;
  params?: Record<string, unknown>;
  priority?: number;
  jobType?: JobType;
  idempotencyKey?: string | null;
}

export interface CreatedJob {
  id: string;
  /** False when the idempotency key or the schedule's due time already had a job: that one is returned. */
  created: boolean;
}

/** The job type a workflow runs by default: INCREMENTAL workflows run incrementally, others in full. */
export function defaultJobType(workflowType: string): JobType {
  return workflowType === 'INCREMENTAL' ? 'INCREMENTAL' : 'FULL';
}

/**
 * Creates a PENDING job for the workflow's current version. Starting it is the orchestrator's
 * business (it claims PENDING jobs); everyone who creates jobs — API, trigger events, scheduler —
 * comes through here, inside their own transaction.
 */
export async function createJob(manager: EntityManager, input: NewJob): Promise<CreatedJob> {
  const [workflow] = (await manager.query(
    'SELECT id, workflow_type, version, is_active FROM crawling_workflows WHERE id = ?',
    [input.workflowId],
  )) as Array<{ id: string; workflow_type: string; version: number; is_active: number }>;
  if (!workflow) throw notFound(`workflow ${input.workflowId} does not exist`);
  if (!workflow.is_active) throw invalid(`workflow ${input.workflowId} is not active`, 'workflow_id');
  if (input.targetId) {
    const [target] = (await manager.query('SELECT id FROM crawl_targets WHERE id = ?', [
      input.targetId,
    ])) as unknown[];
    if (!target) throw notFound(`target ${input.targetId} does not exist`);
  }
  const priority = input.priority ?? 5;
  if (!Number.isInteger(priority) || priority < 1 || priority > 10) {
    throw invalid('priority must be a whole number from 1 to 10', 'priority');
  }

  try {
    const result: { insertId: number } = await manager.query(
      `INSERT INTO crawling_jobs
         (schedule_id, workflow_id, workflow_version, target_id, job_type, status, priority, params,
          idempotency_key, scheduled_at)
       VALUES (?, ?, ?, ?, ?, 'PENDING', ?, ?, ?, ?)`,
      [
        input.scheduleId ?? null,
        workflow.id,
        workflow.version,
        input.targetId ?? null,
        input.jobType ?? defaultJobType(workflow.workflow_type),
        priority,
        input.params ? JSON.stringify(input.params) : null,
        input.idempotencyKey ?? null,
        input.scheduledAt ?? null,
      ],
    );
    return { id: String(result.insertId), created: true };
  } catch (error) {
    if ((error as { code?: string }).code !== 'ER_DUP_ENTRY') throw error;
    // A unique key said "already there": the same idempotency key, or the same schedule run.
    const [existing] = (await manager.query(
      input.idempotencyKey
        ? 'SELECT id FROM crawling_jobs WHERE idempotency_key = ?'
        : 'SELECT id FROM crawling_jobs WHERE schedule_id = ? AND scheduled_at = ?',
      input.idempotencyKey ? [input.idempotencyKey] : [input.scheduleId, input.scheduledAt],
    )) as Array<{ id: string }>;
    if (!existing) throw error;
    return { id: String(existing.id), created: false };
  }
}
