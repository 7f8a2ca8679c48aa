import {
  jsonObjectOf,
  parseStagePayload,
  type ParseTaskPayload,
  SchemaError,
  type Stage,
} from '@crawlflow/contracts';
import {
  ExecutionsRepository,
  FrontierRepository,
  isSpilled,
  JobsRepository,
  type PendingJob,
  TaskData,
  TaskLedger,
  urlHash,
} from '@crawlflow/db';
import type { DataSource, EntityManager } from 'typeorm';
import { admitJob, parallelConfig } from './execution-limits';
import { emptyState } from './execution-state';
import { recordJobEvent } from './job-events';
import { finishJob } from './job-finisher';
import { enqueuePlanned, type JobState, releaseParked } from './job-progress';
import { loadScopes, retriedJobId } from './placeholder-scopes';
import { fetchTask, planFirstTasks, type PlannedTask } from './task-planner';
import { loadWorkflowRuntime, type RuntimeCache, type WorkflowRuntime } from './workflow-runtime';

/**
 * Starts PENDING jobs: claims them (FOR UPDATE SKIP LOCKED: safe on every orchestrator replica),
 * opens their execution, plans the first tasks on the job's own workflow version and writes them to
 * the ledger, all in one transaction per job. A job whose first step cannot even be planned (a
 * placeholder without a value) fails at once with the reason.
 */
export class JobStarter {
  constructor(
    private readonly dataSource: DataSource,
    private readonly runtimes: RuntimeCache,
  ) {}

  /**
   * One round over the first `limit` PENDING jobs (priority, then age); returns the ids it started.
   * Jobs held back by a dependency or a limit stay PENDING for a later round.
   */
  async startDue(limit = 100): Promise<string[]> {
    return this.dataSource.transaction(async (manager) => {
      const started: string[] = [];
      for (const job of await JobsRepository.claimPending(manager, limit)) {
        if ((await admitJob(manager, job)) !== 'start') continue;
        await this.start(manager, job);
        started.push(job.id);
      }
      return started;
    });
  }

  private async start(manager: EntityManager, job: PendingJob): Promise<void> {
    const jobId = job.id;
    let runtime: WorkflowRuntime;
    try {
      runtime = await loadWorkflowRuntime(manager, job.workflowId, job.workflowVersion);
    } catch (error) {
      await this.failAtStart(manager, jobId, `cannot load the workflow: ${(error as Error).message}`);
      return;
    }
    const scopes = await loadScopes(manager, job);
    this.runtimes.set(jobId, { ...runtime, scopes });
    const limits = await parallelConfig(manager, job.workflowId);
    const state: JobState = { ...emptyState(), task_cap: limits.maxParallelTasks, in_flight: 0 };
    let planned: PlannedTask[];
    try {
      planned =
        job.jobType === 'RETRY'
          ? await this.retryTasks(manager, runtime, jsonObjectOf(job.params).retry_of)
          : planFirstTasks(runtime, scopes, job.jobType === 'INCREMENTAL', state);
    } catch (error) {
      const reason =
        error instanceof SchemaError ? `${error.path} ${error.problem}` : (error as Error).message;
      await this.failAtStart(manager, jobId, `cannot plan the first step: ${reason}`);
      return;
    }
    const first = runtime.definition.steps[0];
    await JobsRepository.markRunning(manager, jobId, planned.length);
    await enqueuePlanned(manager, { id: jobId, priority: job.priority, totalItems: 0 }, runtime, planned);
    await releaseParked(manager, jobId, state, false);
    await ExecutionsRepository.open(manager, {
      workflowId: job.workflowId,
      jobId,
      currentStep: first.name,
      context: JSON.stringify(state),
    });
    if (state.crawl) {
      const start = state.crawl.start;
      await FrontierRepository.admit(manager, jobId, [{ hash: urlHash(start), url: start, depth: 0 }]);
    }
    await recordJobEvent(manager, jobId, 'job.started');
    if (planned.length === 0) await finishJob(manager, jobId, 'SUCCESS', 'nothing to do');
  }

  /**
   * A RETRY job re-runs its source job's FAILED tasks (docs/data-model.md#crawling_tasks). A failed
   * PARSE cannot be run again as it was: its page went with the job that fetched it. The FETCH that
   * fed it is planned instead (in full: a 304 would bring nothing to parse), and its PARSE follows.
   */
  private async retryTasks(
    manager: EntityManager,
    runtime: WorkflowRuntime,
    sourceJobId: unknown,
  ): Promise<PlannedTask[]> {
    const rows = await TaskLedger.failedForRetry(manager, retriedJobId(sourceJobId), RETRY_JOB_LIMIT);
    const payloads = rows.map((row) => jsonObjectOf(row.inputData) as unknown);
    // Inputs too large for input_data were kept whole beside it.
    const whole = await TaskData.load(
      manager,
      rows.filter((_, i) => isSpilled(payloads[i])).map((row) => String(row.id)),
      'PAYLOAD',
    );
    return rows.map((row, i) => {
      const kept = whole.get(String(row.id));
      const stage = row.taskType.toLowerCase() as Stage;
      // A stored payload that no longer reads as its stage's contract fails the RETRY job at start.
      const payload = parseStagePayload(stage, kept === undefined ? payloads[i] : jsonObjectOf(kept));
      const stepIndex = payload.ctx.step;
      if (stage === 'parse' && runtime.definition.steps[stepIndex - 1]?.type === 'FETCH') {
        const parse = payload as ParseTaskPayload;
        const { source, ...position } = parse.ctx;
        return fetchTask(
          runtime,
          stepIndex - 1,
          source?.url ?? parse.url,
          { ...position, step: stepIndex - 1 },
          false,
          parse.parent,
        );
      }
      return { stepIndex, taskType: row.taskType, targetUrl: row.targetUrl, payload };
    });
  }

  private async failAtStart(manager: EntityManager, jobId: string, reason: string): Promise<void> {
    await JobsRepository.markRunning(manager, jobId);
    await recordJobEvent(manager, jobId, 'job.started');
    await finishJob(manager, jobId, 'FAILED', reason);
  }
}

/** A RETRY job takes failed tasks whose retry_count is under this (the original design's retry bound). */
export const RETRY_JOB_LIMIT = 3;
