import { isTerminalJobStatus, type JobStatus } from '@crawlflow/contracts';
import {
  ArchivedJobsRepository,
  ExecutionsRepository,
  isSpilled,
  ItemsRepository,
  JobsRepository,
  TaskData,
  TasksRepository,
  WorkflowsRepository,
} from '@crawlflow/db';
import { createJob, notFound } from '@crawlflow/engine';
import { findArchivedJob } from '@crawlflow/retention';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { encodeCursor, Page, pageOf } from '../http/pagination';
import { normalise, Row } from '../http/rows';
import { JobRequest } from './job-request';
import { JobView, toExecutionView, toItemView, toJobView, toTaskView } from './job-views';

export { JOB_STATUSES } from '@crawlflow/contracts';

export interface JobDetail extends Row {
  progress: { processed: number; total: number; percent: number };
  execution: Row | null;
}

export interface ItemsPage extends Page<Record<string, unknown>> {
  /** `crawled_items` (a workflow with STORE) or `task_output` (the last step's records). */
  source: 'crawled_items' | 'task_output';
}

@Injectable()
export class JobsService {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  /**
   * Creates (or, for a repeated idempotency key, finds) the job; `created` tells which. Without a
   * workflow id, the target's type mappings pick the workflow.
   */
  async start(
    workflowId: string | undefined,
    request: JobRequest,
  ): Promise<{ job: JobView; created: boolean }> {
    const result = await this.db.transaction((manager) =>
      createJob(manager, {
        ...(workflowId ? { workflowId } : {}),
        dependsOn: (request.dependsOn ?? []).map((d) => ({ jobId: d.jobId, type: d.dependencyType })),
        targetId: request.targetId ?? null,
        params: request.params,
        priority: request.priority,
        jobType: request.jobType,
        idempotencyKey: request.idempotencyKey ?? null,
      }),
    );
    return { job: await this.getRow(result.id), created: result.created };
  }

  async getRow(id: string): Promise<JobView> {
    const job = await JobsRepository.find(this.db, id);
    if (!job) throw notFound(`job ${id} does not exist`);
    return toJobView(job);
  }

  /** A live job, or an archived one (marked `archived: true`, its execution from the archive). */
  async get(id: string): Promise<JobDetail> {
    const live = await JobsRepository.find(this.db, id);
    if (!live) {
      const archived = await findArchivedJob(this.db, id);
      if (!archived) throw notFound(`job ${id} does not exist`);
      const execution = await ArchivedJobsRepository.latestExecution(this.db, id);
      const row = normalise(archived, ['params']);
      return {
        ...row,
        progress: { processed: archived.processed_items, total: archived.total_items, percent: 100 },
        execution: execution ? normalise(execution, ['context', 'step_results']) : null,
      };
    }
    const job = toJobView(live);
    const execution = await ExecutionsRepository.latest(this.db, id);
    const processed = live.processedItems;
    const total = live.totalItems;
    const percent =
      total > 0
        ? Math.min(100, Math.round((processed / total) * 1000) / 10)
        : isTerminalJobStatus(live.status)
          ? 100
          : 0;
    return {
      ...job,
      progress: { processed, total, percent },
      execution: execution ? toExecutionView(execution) : null,
    };
  }

  /** Newest first. */
  async list(
    limit: number,
    after: string | undefined,
    status?: JobStatus,
    workflowId?: string,
  ): Promise<Page<JobView>> {
    const jobs = await JobsRepository.list(this.db, {
      beforeId: after,
      limit: limit + 1,
      status,
      workflowId,
    });
    return pageOf(jobs.map(toJobView), limit);
  }

  async tasks(jobId: string, limit: number, after: string | undefined): Promise<Page<Row>> {
    await this.getRow(jobId);
    const tasks = await TasksRepository.ofJob(this.db, jobId, { afterId: after, limit: limit + 1 });
    return pageOf(tasks.map(toTaskView), limit);
  }

  /**
   * The job's results: what it stored in crawled_items, or — for a workflow without STORE — the
   * records its last step's tasks kept in `output_data.records`.
   */
  async items(
    jobId: string,
    limit: number,
    after: Record<string, string | number> | undefined,
  ): Promise<ItemsPage> {
    const job = await this.getRow(jobId);
    if (await ItemsRepository.anyOfJob(this.db, jobId)) {
      const afterItem = after?.id === undefined ? undefined : String(after.id);
      const items = await ItemsRepository.ofJob(this.db, {
        jobId,
        workflowId: job.workflow_id,
        afterId: afterItem || undefined,
        limit: limit + 1,
      });
      return { ...pageOf(items.map(toItemView), limit), source: 'crawled_items' };
    }
    return { ...(await this.taskRecords(job, limit, after)), source: 'task_output' };
  }

  private async taskRecords(
    job: JobView,
    limit: number,
    after: Record<string, string | number> | undefined,
  ): Promise<Page<Record<string, unknown>>> {
    const lastStep =
      (await WorkflowsRepository.lastStepOrder(this.db, job.workflow_id, job.workflow_version)) ??
      (await TasksRepository.lastStepOrder(this.db, job.id));
    if (lastStep === null) return { data: [], next_cursor: null };
    // Position: the task, and the index of the next record inside it.
    let taskId = after?.t === undefined ? '0' : String(after.t);
    let index = after?.i === undefined ? 0 : Number(after.i);
    const data: Record<string, unknown>[] = [];
    for (;;) {
      const tasks = await TasksRepository.succeededOutputs(this.db, {
        jobId: job.id,
        stepOrder: lastStep,
        fromId: taskId,
        limit: 50,
      });
      if (tasks.length === 0) return { data, next_cursor: null };
      const outputs = tasks.map((task) => ({ id: task.id, output: parseOutput(task.outputData) }));
      // Outputs too large for output_data are kept whole in task_data.
      const spilled = await TaskData.load(
        this.db,
        outputs.filter(({ output }) => isSpilled(output)).map(({ id }) => id),
        'OUTPUT',
      );
      for (const { id, output } of outputs) {
        const start = id === taskId ? index : 0;
        const whole = spilled.get(id);
        const records = recordsOf(whole === undefined ? output : parseOutput(whole));
        for (let i = start; i < records.length; i += 1) {
          if (data.length === limit) return { data, next_cursor: encodeCursor({ t: id, i }) };
          data.push({ task_id: id, index: i, data: records[i] });
        }
      }
      const lastTask = tasks[tasks.length - 1].id;
      taskId = String(BigInt(lastTask) + 1n);
      index = 0;
    }
  }
}

function parseOutput(output: string | null): unknown {
  if (!output) return undefined;
  try {
    return JSON.parse(output);
  } catch {
    return undefined;
  }
}

function recordsOf(output: unknown): unknown[] {
  const records = (output as { records?: unknown } | null | undefined)?.records;
  return Array.isArray(records) ? records : [];
}
