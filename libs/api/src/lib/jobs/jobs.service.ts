import { Inject, Injectable } from '@nestjs/common';
import { createJob, notFound } from '@crawlflow/engine';
import { findArchivedJob } from '@crawlflow/retention';
import { isSpilled, TaskData } from '@crawlflow/db';
import { DataSource } from 'typeorm';
import { encodeCursor, Page, pageOf } from '../http/pagination';
import { normalise, Row } from '../http/rows';
import { JobRequest } from './job-request';

export const JOB_STATUSES = ['PENDING', 'RUNNING', 'SUCCESS', 'FAILED', 'CANCELLED'] as const;
const TERMINAL = new Set(['SUCCESS', 'FAILED', 'CANCELLED']);

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
  async start(workflowId: string | undefined, request: JobRequest): Promise<{ job: Row; created: boolean }> {
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

  async getRow(id: string): Promise<Row> {
    const [row] = (await this.db.query('SELECT * FROM crawling_jobs WHERE id = ?', [id])) as Row[];
    if (!row) throw notFound(`job ${id} does not exist`);
    return normalise(row, ['params']);
  }

  /** A live job, or an archived one (marked `archived: true`, its execution from the archive). */
  async get(id: string): Promise<JobDetail> {
    const [live] = (await this.db.query('SELECT id FROM crawling_jobs WHERE id = ?', [id])) as Row[];
    if (!live) {
      const archived = await findArchivedJob(this.db, id);
      if (!archived) throw notFound(`job ${id} does not exist`);
      const [execution] = (await this.db.query(
        'SELECT * FROM workflow_executions_archive WHERE job_id = ? ORDER BY id DESC LIMIT 1',
        [id],
      )) as Row[];
      const row = normalise(archived as unknown as Row, ['params']);
      const total = Number(row.total_items ?? 0);
      return {
        ...row,
        progress: { processed: Number(row.processed_items ?? 0), total, percent: 100 },
        execution: execution ? normalise(execution, ['context', 'step_results']) : null,
      };
    }
    const job = await this.getRow(id);
    const [execution] = (await this.db.query(
      'SELECT * FROM workflow_executions WHERE job_id = ? ORDER BY id DESC LIMIT 1',
      [id],
    )) as Row[];
    const processed = Number(job.processed_items ?? 0);
    const total = Number(job.total_items ?? 0);
    const percent =
      total > 0
        ? Math.min(100, Math.round((processed / total) * 1000) / 10)
        : TERMINAL.has(String(job.status))
          ? 100
          : 0;
    return {
      ...job,
      progress: { processed, total, percent },
      execution: execution ? normalise(execution, ['context', 'step_results']) : null,
    };
  }

  /** Newest first. */
  async list(
    limit: number,
    after: string | undefined,
    status?: string,
    workflowId?: string,
  ): Promise<Page<Row>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (after !== undefined) {
      where.push('id < ?');
      params.push(after);
    }
    if (status) {
      where.push('status = ?');
      params.push(status);
    }
    if (workflowId) {
      where.push('workflow_id = ?');
      params.push(workflowId);
    }
    const rows = (await this.db.query(
      `SELECT * FROM crawling_jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
      [...params, limit + 1],
    )) as Row[];
    return pageOf(
      rows.map((row) => normalise(row, ['params'])),
      limit,
    );
  }

  async tasks(jobId: string, limit: number, after: string | undefined): Promise<Page<Row>> {
    await this.getRow(jobId);
    const rows = (await this.db.query(
      `SELECT * FROM crawling_tasks WHERE job_id = ? ${after !== undefined ? 'AND id > ?' : ''} ORDER BY id LIMIT ?`,
      after !== undefined ? [jobId, after, limit + 1] : [jobId, limit + 1],
    )) as Row[];
    return pageOf(
      rows.map((row) => normalise(row, ['input_data', 'output_data'])),
      limit,
    );
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
    const [stored] = (await this.db.query('SELECT id FROM crawled_items WHERE job_id = ? LIMIT 1', [
      jobId,
    ])) as Row[];
    if (stored) {
      const afterItem = after?.id === undefined ? undefined : String(after.id);
      const rows = (await this.db.query(
        `SELECT * FROM crawled_items WHERE job_id = ? AND workflow_id = ? ${afterItem ? 'AND id > ?' : ''} ORDER BY id LIMIT ?`,
        afterItem ? [jobId, job.workflow_id, afterItem, limit + 1] : [jobId, job.workflow_id, limit + 1],
      )) as Row[];
      return {
        ...pageOf(
          rows.map((row) => normalise(row, ['data'])),
          limit,
        ),
        source: 'crawled_items',
      };
    }
    return { ...(await this.taskRecords(job, limit, after)), source: 'task_output' };
  }

  private async taskRecords(
    job: Row,
    limit: number,
    after: Record<string, string | number> | undefined,
  ): Promise<Page<Record<string, unknown>>> {
    const [last] = (await this.db.query(
      'SELECT MAX(step_order) AS step FROM workflow_steps WHERE workflow_id = ? AND workflow_version = ?',
      [job.workflow_id, job.workflow_version],
    )) as Array<{ step: number | null }>;
    const lastStep = last?.step ?? (await this.lastTaskStep(job.id));
    if (lastStep === null || lastStep === undefined) return { data: [], next_cursor: null };
    // Position: the task, and the index of the next record inside it.
    let taskId = after?.t === undefined ? '0' : String(after.t);
    let index = after?.i === undefined ? 0 : Number(after.i);
    const data: Record<string, unknown>[] = [];
    for (;;) {
      const tasks = (await this.db.query(
        `SELECT id, output_data FROM crawling_tasks
          WHERE job_id = ? AND step_order = ? AND status = 'SUCCESS' AND id >= ? ORDER BY id LIMIT 50`,
        [job.id, lastStep, taskId],
      )) as Array<{ id: string; output_data: string | null }>;
      if (tasks.length === 0) return { data, next_cursor: null };
      const outputs = tasks.map((task) => ({ id: String(task.id), output: parseOutput(task.output_data) }));
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
      const lastTask = String(tasks[tasks.length - 1].id);
      taskId = String(BigInt(lastTask) + 1n);
      index = 0;
    }
  }

  private async lastTaskStep(jobId: string): Promise<number | null> {
    const [row] = (await this.db.query(
      'SELECT MAX(step_order) AS step FROM crawling_tasks WHERE job_id = ?',
      [jobId],
    )) as Array<{ step: number | null }>;
    return row?.step ?? null;
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
