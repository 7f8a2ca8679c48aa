import type { JobType } from '@crawlflow/contracts';
import { CatalogLookups, JobsRepository, WorkflowsRepository, type NewJobRow } from '@crawlflow/db';
import type { EntityManager } from 'typeorm';
import { invalid, notFound, type EngineError } from '../engine-errors';
import { selectWorkflowForTarget } from '../selection/workflow-selection';

// Callers of the engine take the job types from here too; they are defined once, in contracts.
export { JOB_TYPES, type JobType } from '@crawlflow/contracts';

export interface JobDependency {
  jobId: string;
  type: 'FINISH' | 'SUCCESS';
}

export interface NewJob {
  /** Omitted with a targetId: the target type's mappings pick the workflow. */
  workflowId?: string;
  targetId?: string | null;
  scheduleId?: string | null;
  /** The due time a schedule fired for; (schedule_id, scheduled_at) is unique. */
  scheduledAt?: Date | null;
  params?: Record<string, unknown>;
  priority?: number;
  jobType?: JobType;
  idempotencyKey?: string | null;
  /** Jobs this one waits for; only existing jobs, so the dependency graph cannot have a cycle. */
  dependsOn?: JobDependency[];
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
  if (!input.workflowId && !input.targetId)
    throw invalid('name a workflow_id, or a target_id to pick one by mapping', 'workflow_id');
  const workflowId =
    input.workflowId ?? (await selectWorkflowForTarget(manager, String(input.targetId), input.params ?? {}));
  const workflow = await WorkflowsRepository.find(manager, workflowId);
  if (!workflow?.isActive) throw unusableWorkflow(workflowId, workflow);
  await checkDependencies(manager, input.dependsOn ?? []);
  if (input.targetId && !(await CatalogLookups.targetExists(manager, input.targetId)))
    throw targetGone(input.targetId);
  const priority = input.priority ?? 5;
  const badPriority = priorityRefusal(priority);
  if (badPriority) throw badPriority;
  const job = await JobsRepository.insertOrFind(manager, {
    scheduleId: input.scheduleId ?? null,
    workflowId: workflow.id,
    workflowVersion: workflow.version,
    targetId: input.targetId ?? null,
    jobType: input.jobType ?? defaultJobType(workflow.workflowType),
    priority,
    params: input.params ? JSON.stringify(input.params) : null,
    idempotencyKey: input.idempotencyKey ?? null,
    scheduledAt: input.scheduledAt ?? null,
  });
  if (job.created) await JobsRepository.addDependencies(manager, job.id, input.dependsOn ?? []);
  return job;
}

/** A schedule's due run, as the scheduler fires it. */
export interface ScheduledRun {
  scheduleId: string;
  scheduledAt: Date;
  workflowId: string;
  targetId: string | null;
  priority: number;
}

/**
 * The jobs of many schedules' due runs in a few statements (the scheduler's tick), with the checks
 * createJob makes: each run gets its job (created, or the one its due time already has) or the
 * EngineError that refuses it (a workflow gone or inactive, a target gone, a bad priority).
 */
export async function createScheduledJobs(
  manager: EntityManager,
  runs: readonly ScheduledRun[],
): Promise<Array<CreatedJob | EngineError>> {
  const workflows = await WorkflowsRepository.heads(manager, [...new Set(runs.map((run) => run.workflowId))]);
  const targets = await CatalogLookups.existingTargets(manager, [
    ...new Set(runs.flatMap((run) => (run.targetId ? [run.targetId] : []))),
  ]);
  const outcomes: Array<CreatedJob | EngineError | undefined> = [];
  const rows: Array<NewJobRow & { scheduleId: string; scheduledAt: Date }> = [];
  const rowOf: number[] = [];
  for (const run of runs) {
    const workflow = workflows.get(run.workflowId);
    const refusal =
      (!workflow?.isActive ? unusableWorkflow(run.workflowId, workflow) : undefined) ??
      (run.targetId && !targets.has(run.targetId) ? targetGone(run.targetId) : undefined) ??
      priorityRefusal(run.priority);
    outcomes.push(refusal);
    if (refusal || !workflow) continue;
    rowOf.push(outcomes.length - 1);
    rows.push({
      scheduleId: run.scheduleId,
      scheduledAt: run.scheduledAt,
      workflowId: String(workflow.id),
      workflowVersion: workflow.version,
      targetId: run.targetId,
      jobType: defaultJobType(workflow.workflowType),
      priority: run.priority,
      params: null,
      idempotencyKey: null,
    });
  }
  const jobs = await JobsRepository.insertScheduled(manager, rows);
  jobs.forEach((job, i) => (outcomes[rowOf[i]] = job));
  return outcomes.map((outcome, i) => {
    if (!outcome) throw new Error(`due run ${i} of the batch has no outcome`);
    return outcome;
  });
}

/** Why no job can run this workflow: it is gone or inactive. */
function unusableWorkflow(workflowId: string, workflow: { isActive: boolean } | undefined): EngineError {
  return workflow
    ? invalid(`workflow ${workflowId} is not active`, 'workflow_id')
    : notFound(`workflow ${workflowId} does not exist`);
}

const targetGone = (targetId: string): EngineError => notFound(`target ${targetId} does not exist`);

function priorityRefusal(priority: number): EngineError | undefined {
  return Number.isInteger(priority) && priority >= 1 && priority <= 10
    ? undefined
    : invalid('priority must be a whole number from 1 to 10', 'priority');
}

/**
 * Dependencies name existing jobs (or archived ones: they finished long ago), each once. A new job
 * can only wait for jobs that exist before it, so no cycle can form.
 */
async function checkDependencies(manager: EntityManager, dependsOn: readonly JobDependency[]): Promise<void> {
  const seen = new Set<string>();
  for (const [index, dependency] of dependsOn.entries()) {
    const path = `depends_on[${index}]`;
    if (!/^[1-9]\d{0,19}$/.test(String(dependency.jobId)))
      throw invalid(`${path}.job_id: must be a job id`, `${path}.job_id`);
    if (dependency.type !== 'FINISH' && dependency.type !== 'SUCCESS') {
      throw invalid(`${path}.dependency_type: must be FINISH or SUCCESS`, `${path}.dependency_type`);
    }
    if (seen.has(String(dependency.jobId)))
      throw invalid(`${path}.job_id: job ${dependency.jobId} is listed twice`, `${path}.job_id`);
    seen.add(String(dependency.jobId));
  }
  if (seen.size === 0) return;
  const known = await JobsRepository.existing(manager, [...seen]);
  dependsOn.forEach((dependency, index) => {
    if (!known.has(String(dependency.jobId))) {
      throw invalid(
        `depends_on[${index}].job_id: job ${dependency.jobId} does not exist`,
        `depends_on[${index}].job_id`,
      );
    }
  });
}
