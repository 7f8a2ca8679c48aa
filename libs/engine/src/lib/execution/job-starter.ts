import { jsonObjectOf, type ParseTaskPayload, SchemaError, type TaskContext } from '@crawlflow/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import { emptyState } from './execution-state';
import { admitJob, parallelConfig } from './execution-limits';
import { recordJobEvent } from './job-events';
import { finishJob } from './job-finisher';
import { isSpilled, TaskData, urlHash } from '@crawlflow/db';
import { enqueuePlanned, type JobState, releaseParked } from './job-progress';
import { loadScopes } from './placeholder-scopes';
import { fetchTask, planFirstTasks, type PlannedTask } from './task-planner';
import { loadWorkflowRuntime, type RuntimeCache, type WorkflowRuntime } from './workflow-runtime';

interface PendingJob {
  id: string;
  workflow_id: string;
  workflow_version: number;
  target_id: string | null;
  job_type: string;
  priority: number;
  params: string | null;
  total_items: number;
}

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
    return this.dataSource.transaction('READ COMMITTED', async (manager) => {
      const jobs = (await manager.query(
        `SELECT id, workflow_id, workflow_version, target_id, job_type, priority, params, total_items
           FROM crawling_jobs WHERE status = 'PENDING'
          ORDER BY priority DESC, created_at, id
          LIMIT ? FOR UPDATE SKIP LOCKED`,
        [limit],
      )) as PendingJob[];
      const started: string[] = [];
      for (const job of jobs) {
        const admission = await admitJob(manager, {
          id: String(job.id),
          workflow_id: String(job.workflow_id),
        });
        if (admission !== 'start') continue;
        await this.start(manager, job);
        started.push(String(job.id));
      }
      return started;
    });
  }

  private async start(manager: EntityManager, job: PendingJob): Promise<void> {
    const jobId = String(job.id);
    let runtime: WorkflowRuntime;
    try {
      runtime = await loadWorkflowRuntime(manager, String(job.workflow_id), Number(job.workflow_version));
    } catch (error) {
      await this.failAtStart(manager, jobId, `cannot load the workflow: ${(error as Error).message}`);
      return;
    }
    const scopes = await loadScopes(manager, job);
    this.runtimes.set(jobId, { ...runtime, scopes });
    const limits = await parallelConfig(manager, String(job.workflow_id));
    const state: JobState = { ...emptyState(), task_cap: limits.maxParallelTasks, in_flight: 0 };
    let planned: PlannedTask[];
    try {
      planned =
        job.job_type === 'RETRY'
          ? await this.retryTasks(manager, runtime, jsonObjectOf(job.params).retry_of)
          : planFirstTasks(runtime, scopes, job.job_type === 'INCREMENTAL', state);
    } catch (error) {
      const reason =
        error instanceof SchemaError ? `${error.path} ${error.problem}` : (error as Error).message;
      await this.failAtStart(manager, jobId, `cannot plan the first step: ${reason}`);
      return;
    }
    const first = runtime.definition.steps[0];
    await manager.query(
      `UPDATE crawling_jobs SET status = 'RUNNING', started_at = NOW(3), total_items = ? WHERE id = ?`,
      [planned.length, jobId],
    );
    await enqueuePlanned(manager, { id: jobId, priority: job.priority, total_items: 0 }, runtime, planned);
    await releaseParked(manager, jobId, state, false);
    await manager.query(
      `INSERT INTO workflow_executions (workflow_id, job_id, current_step, status, context, step_results, started_at)
       VALUES (?, ?, ?, 'RUNNING', ?, '{}', NOW(3))`,
      [job.workflow_id, jobId, first.name, JSON.stringify(state)],
    );
    if (state.crawl) {
      await manager.query(
        'INSERT IGNORE INTO crawl_frontier (job_id, url_hash, url, depth) VALUES (?, ?, ?, 0)',
        [jobId, urlHash(state.crawl.start), state.crawl.start.slice(0, 2000)],
      );
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
    const rows = (await manager.query(
      `SELECT id, task_type, target_url, input_data, step_order FROM crawling_tasks
        WHERE job_id = ? AND status = 'FAILED' AND retry_count < ?
        ORDER BY sequence_number`,
      [String(sourceJobId ?? 0), RETRY_JOB_LIMIT],
    )) as Array<{
      id: string;
      task_type: 'FETCH' | 'PARSE' | 'STORE';
      target_url: string | null;
      input_data: string | null;
      step_order: number | null;
    }>;
    const payloads = rows.map((row) => jsonObjectOf(row.input_data));
    // Inputs too large for input_data were kept whole beside it.
    const whole = await TaskData.load(
      manager,
      rows.filter((_, i) => isSpilled(payloads[i])).map((row) => String(row.id)),
      'PAYLOAD',
    );
    return rows.map((row, i) => {
      const kept = whole.get(String(row.id));
      const payload = kept === undefined ? payloads[i] : jsonObjectOf(kept);
      const ctx = (payload.ctx ?? {}) as TaskContext;
      const stepIndex =
        typeof ctx.step === 'number' ? ctx.step : Math.max(0, Number(row.step_order ?? 1) - 1);
      if (row.task_type === 'PARSE' && runtime.definition.steps[stepIndex - 1]?.type === 'FETCH') {
        const parse = payload as unknown as ParseTaskPayload;
        const { source, ...position } = ctx;
        return fetchTask(
          runtime,
          stepIndex - 1,
          source?.url ?? parse.url,
          { ...position, step: stepIndex - 1 },
          false,
          parse.parent,
        );
      }
      return { stepIndex, taskType: row.task_type, targetUrl: row.target_url, payload };
    });
  }

  private async failAtStart(manager: EntityManager, jobId: string, reason: string): Promise<void> {
    await manager.query(`UPDATE crawling_jobs SET status = 'RUNNING', started_at = NOW(3) WHERE id = ?`, [
      jobId,
    ]);
    await recordJobEvent(manager, jobId, 'job.started');
    await finishJob(manager, jobId, 'FAILED', reason);
  }
}

/** A RETRY job takes failed tasks whose retry_count is under this (the original design's retry bound). */
export const RETRY_JOB_LIMIT = 3;
