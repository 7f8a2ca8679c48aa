import { parseStageOutput } from '@crawlflow/contracts';
import {
  AppliedResult,
  clipBytes,
  ExecutionsRepository,
  FrontierRepository,
  JobsRepository,
  NewTask,
  PagesRepository,
  PARKED_UNTIL,
  TaskLedger,
  urlHash,
  UrlValidators,
} from '@crawlflow/db';
import type { EntityManager } from 'typeorm';
import { DEFAULT_MAX_PARALLEL_TASKS } from './execution-limits';
import { readState, readStepResults } from './execution-state';
import { finishJob, summarize } from './job-finisher';
import { admitLinks, jobOutcome, reduceResults, type JobDelta, type JobState } from './job-reducer';
import { stepIndexOf } from './result-decision';
import { fetchTask, type PlannedTask } from './task-planner';
import type { RuntimeCache, WorkflowRuntime } from './workflow-runtime';

export type { JobState } from './job-reducer';

/**
 * Writes planned tasks for one job (sequence numbers continue the job's count of tasks), parked:
 * releaseParked() then lets the oldest ones go, up to the job's max_parallel_tasks.
 */
export async function enqueuePlanned(
  manager: EntityManager,
  job: { id: string; priority: number; totalItems: number },
  runtime: WorkflowRuntime,
  planned: readonly PlannedTask[],
): Promise<void> {
  if (planned.length === 0) return;
  const tasks: NewTask[] = planned.map((task, i) => ({
    jobId: job.id,
    stepId: runtime.stepIds[task.stepIndex] ?? null,
    stepOrder: task.stepIndex + 1,
    taskType: task.taskType,
    targetUrl: task.targetUrl ? task.targetUrl.slice(0, 1000) : null,
    sequenceNumber: job.totalItems + i + 1,
    priority: job.priority,
    payload: task.payload,
    parkedUntil: PARKED_UNTIL,
  }));
  await TaskLedger.enqueue(manager, tasks);
}

/** max_parallel_tasks: parked entries of the job become due while fewer than the cap are in flight. */
export async function releaseParked(
  manager: EntityManager,
  jobId: string,
  state: JobState,
  paused: boolean,
): Promise<void> {
  if (paused) return;
  const room = (state.task_cap ?? DEFAULT_MAX_PARALLEL_TASKS) - (state.in_flight ?? 0);
  state.in_flight = (state.in_flight ?? 0) + (await TaskLedger.releaseParked(manager, jobId, room));
}

/**
 * Applies one batch of finished tasks to their jobs, inside the result processor's transaction:
 * loads what the reducer decides on (the job, its checkpoint, the records kept for 304 list pages),
 * lets it decide (job-reducer.ts), and commits the delta. Work per result is constant: counters,
 * never a scan of the job's tasks.
 */
export class JobProgress {
  constructor(private readonly runtimes: RuntimeCache) {}

  /** Returns how many of the jobs ended (and so wrote a job event to the outbox). */
  async apply(manager: EntityManager, applied: readonly AppliedResult[]): Promise<number> {
    const byJob = new Map<string, AppliedResult[]>();
    for (const a of applied) byJob.set(a.state.jobId, [...(byJob.get(a.state.jobId) ?? []), a]);
    let ended = 0;
    // Jobs in id order: two batches touching the same jobs lock them in the same order.
    for (const jobId of [...byJob.keys()].sort((a, b) => Number(a) - Number(b))) {
      if (await this.applyToJob(manager, jobId, byJob.get(jobId) ?? [])) ended += 1;
    }
    return ended;
  }

  /** True when the job ended. */
  private async applyToJob(
    manager: EntityManager,
    jobId: string,
    applied: readonly AppliedResult[],
  ): Promise<boolean> {
    // The execution's lock first: it orders result batches of a job and the job's status changes
    // (ends, pause, resume all write the execution); the job row is written last, so it is locked
    // only for the end of the transaction.
    const execution = await ExecutionsRepository.lockLatest(manager, jobId);
    const job = await JobsRepository.forProgress(manager, jobId);
    if (!job) return false;
    await this.runtimes.load(manager, [jobId]);
    const runtime = this.runtimes.get(jobId);
    const broken = this.runtimes.brokenReason(jobId);
    if (!runtime && broken && job.status === 'RUNNING') {
      await finishJob(manager, jobId, 'FAILED', clipBytes(`cannot load the workflow: ${broken}`));
      return true;
    }
    if (!runtime || !execution) return false;

    const state = readState(execution.context) as JobState;
    const scopes = runtime.scopes ?? state.scopes ?? { params: {}, target: {}, source: {} };
    const kept = await UrlValidators.kept(
      manager,
      runtime.workflowId,
      runtime.version,
      notModifiedUrls(runtime, applied),
    );
    const delta = reduceResults(
      job,
      state,
      readStepResults(execution.stepResults),
      { runtime, scopes, kept },
      applied,
    );
    const active = job.status === 'RUNNING' && delta.failReason === undefined;
    if (active && delta.links.length > 0)
      delta.planned.push(...(await this.admit(manager, jobId, runtime, delta, job.jobType)));
    if (active) {
      await enqueuePlanned(manager, job, runtime, delta.planned);
      await releaseParked(manager, jobId, delta.state, execution.status === 'PAUSED');
    }
    const outcome = jobOutcome(job, { ...delta, added: active ? delta.planned.length : 0 });
    await PagesRepository.delete(manager, delta.pagesDone);
    await TaskLedger.withdrawEntries(
      manager,
      delta.withdrawn,
      `job ${job.status.toLowerCase()}: not retried`,
    );
    await UrlValidators.save(manager, delta.validators);
    delta.state.checkpoint = {
      step: delta.currentStep,
      progress: outcome.total > 0 ? Math.round((outcome.done / outcome.total) * 1000) / 1000 : 0,
    };
    await ExecutionsRepository.saveProgress(
      manager,
      { id: execution.id, jobId },
      {
        currentStep: delta.currentStep.slice(0, 50) || null,
        context: JSON.stringify(delta.state),
        stepResults: JSON.stringify(delta.stepResults),
      },
      {
        totalItems: outcome.total,
        processedItems: outcome.done,
        succeeded: delta.succeeded,
        failed: delta.failed,
      },
    );
    if (!outcome.end) return false;
    const failures = job.failedCount + delta.failed;
    const extra = outcome.end.failReason ? `failed by a FAIL step: ${outcome.end.failReason}` : undefined;
    await finishJob(manager, jobId, outcome.end.status, summarize(delta.state, failures, extra));
    return true;
  }

  /** New in-scope links become fetches: each URL once per job, within max_pages and max_depth. */
  private async admit(
    manager: EntityManager,
    jobId: string,
    runtime: WorkflowRuntime,
    delta: JobDelta,
    jobType: string,
  ): Promise<PlannedTask[]> {
    const seen = await FrontierRepository.seen(
      manager,
      jobId,
      delta.links.map((link) => urlHash(link.url)),
    );
    const admitted = admitLinks(delta.state, delta.links, seen, urlHash);
    await FrontierRepository.admit(manager, jobId, admitted);
    return admitted.map((link) =>
      fetchTask(runtime, 0, link.url, { step: 0, depth: link.depth }, jobType === 'INCREMENTAL'),
    );
  }
}

/** The requested URLs of this batch's FETCH results that answered 304. */
function notModifiedUrls(runtime: WorkflowRuntime, applied: readonly AppliedResult[]): string[] {
  const urls: string[] = [];
  for (const { result, decision } of applied) {
    if (decision.action !== 'complete' || result.outcome !== 'SUCCESS') continue;
    if (runtime.definition.steps[stepIndexOf(result)]?.type !== 'FETCH') continue;
    const output = parseStageOutput('fetch', result.output);
    if (output.not_modified && output.source) urls.push(output.source.url);
  }
  return urls;
}
