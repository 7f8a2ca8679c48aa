import {
  fillTemplate,
  type FetchTaskOutput,
  type PageSource,
  type ParseTaskOutput,
  type StoreTaskOutput,
  type TaskContext,
} from '@crawlflow/contracts';
import {
  AppliedResult,
  clipBytes,
  EntryRef,
  NewTask,
  NewValidators,
  TaskLedger,
  urlHash,
  UrlValidators,
} from '@crawlflow/db';
import type { EntityManager } from 'typeorm';
import { DEFAULT_MAX_PARALLEL_TASKS } from './execution-limits';
import { noteError, readState, readStepResults, stepResult, type ExecutionState } from './execution-state';
import { finishJob, summarize } from './job-finisher';
import { isEndOfList, stepIndexOf } from './result-decision';
import {
  advancePagination,
  beyondLastPage,
  fansOut,
  fetchTask,
  linksInScope,
  planParse,
  planRecords,
  type PlaceholderScopes,
  type PlannedTask,
} from './task-planner';
import type { RuntimeCache, WorkflowRuntime } from './workflow-runtime';

/** Until 2038 (TIMESTAMP's end): a paused job's entries wait here until resume. */
export const PARKED_UNTIL = '2037-12-31 00:00:00';

interface JobRow {
  id: string;
  status: string;
  priority: number;
  job_type: string;
  total_items: number;
  processed_items: number;
  success_count: number;
  failed_count: number;
}

interface ExecutionRow {
  id: string;
  status: string;
  context: string | null;
  step_results: string | null;
}

export interface JobState extends ExecutionState {
  /** Kept by jobs started before scopes moved to the runtime cache. */
  scopes?: PlaceholderScopes;
  /** max_parallel_tasks: entries of this job dispatched or due at once. */
  task_cap?: number;
  /** Entries released (due, dispatched or scheduled for a retry) and not finished. */
  in_flight?: number;
}

/**
 * Writes planned tasks for one job (sequence numbers continue the job's count of tasks), parked:
 * releaseParked() then lets the oldest ones go, up to the job's max_parallel_tasks.
 */
export async function enqueuePlanned(
  manager: EntityManager,
  job: { id: string; priority: number; total_items: number },
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
    sequenceNumber: Number(job.total_items) + i + 1,
    priority: Number(job.priority),
    payload: task.payload,
    parkedUntil: PARKED_UNTIL,
  }));
  await TaskLedger.enqueue(manager, tasks);
}

/**
 * max_parallel_tasks: parked entries of the job become due, oldest first, while fewer than the cap
 * are in flight. A paused job releases nothing. Index (job_id, status, scheduled_for) serves the
 * ORDER BY id: the cost does not grow with the job.
 */
export async function releaseParked(
  manager: EntityManager,
  jobId: string,
  state: JobState,
  paused: boolean,
): Promise<void> {
  const cap = state.task_cap ?? DEFAULT_MAX_PARALLEL_TASKS;
  const room = cap - (state.in_flight ?? 0);
  if (paused || room <= 0) return;
  const result: { affectedRows: number } = await manager.query(
    `UPDATE crawling_queues SET scheduled_for = NOW(3)
      WHERE job_id = ? AND status = 'WAITING' AND scheduled_for = ?
      ORDER BY id LIMIT ?`,
    [jobId, PARKED_UNTIL, room],
  );
  state.in_flight = (state.in_flight ?? 0) + result.affectedRows;
}

/**
 * Applies one batch of finished tasks to their jobs, inside the result processor's transaction:
 * counters, the checkpoint and per-step figures, the tasks that follow (next pages, parses, detail
 * fetches, store batches, crawl links) and, when nothing is left in flight, the job's end. Work per
 * result is constant: counters, never a scan of the job's tasks.
 */
export class JobProgress {
  constructor(private readonly runtimes: RuntimeCache) {}

  async apply(manager: EntityManager, applied: readonly AppliedResult[]): Promise<void> {
    const byJob = new Map<string, AppliedResult[]>();
    for (const a of applied) byJob.set(a.state.jobId, [...(byJob.get(a.state.jobId) ?? []), a]);
    // Jobs in id order: two batches touching the same jobs lock them in the same order.
    for (const jobId of [...byJob.keys()].sort((a, b) => Number(a) - Number(b))) {
      await this.applyToJob(manager, jobId, byJob.get(jobId) ?? []);
    }
  }

  private async applyToJob(
    manager: EntityManager,
    jobId: string,
    applied: readonly AppliedResult[],
  ): Promise<void> {
    const [job] = (await manager.query(
      `SELECT id, status, priority, job_type, total_items, processed_items, success_count, failed_count
         FROM crawling_jobs WHERE id = ? FOR UPDATE`,
      [jobId],
    )) as JobRow[];
    if (!job) return;
    const [execution] = (await manager.query(
      'SELECT id, status, context, step_results FROM workflow_executions WHERE job_id = ? ORDER BY id DESC LIMIT 1 FOR UPDATE',
      [jobId],
    )) as ExecutionRow[];
    await this.runtimes.load(manager, [jobId]);
    const runtime = this.runtimes.get(jobId);
    const broken = this.runtimes.brokenReason(jobId);
    if (!runtime && broken && job.status === 'RUNNING') {
      await finishJob(manager, jobId, 'FAILED', clipBytes(`cannot load the workflow: ${broken}`));
      return;
    }
    if (!runtime || !execution) return;

    const state = readState(execution.context) as JobState;
    const stepResults = readStepResults(execution.step_results);
    const scopes = runtime.scopes ?? state.scopes ?? { params: {}, target: {}, source: {} };
    delete state.scopes;
    const active = job.status === 'RUNNING';
    const conditional = job.job_type === 'INCREMENTAL';
    const planned: PlannedTask[] = [];
    const pagesDone: string[] = [];
    const links: Array<{ url: string; depth: number }> = [];
    let processed = 0;
    let succeeded = 0;
    let failed = 0;
    let failJob: string | undefined;
    let currentStep = '';

    const withdrawn: EntryRef[] = [];
    const validators: NewValidators[] = [];
    for (const { result, state: entry, decision } of applied) {
      const index = stepIndexOf(result);
      const step = runtime.definition.steps[index];
      if (!step) continue;
      currentStep = step.name;
      const figures = stepResult(stepResults, step.name);
      if (decision.action === 'retry') {
        // A job that ended meanwhile runs nothing again: the retry is withdrawn, not scheduled.
        if (!active) withdrawn.push({ id: entry.queueId, createdAt: entry.createdAt });
        figures.retried += 1;
        state.retries += 1;
        continue;
      }
      processed += 1;
      figures.tasks += 1;
      figures.total_ms += result.response_time_ms;
      const ctx = (result.ctx ?? { step: index }) as unknown as TaskContext;

      if (decision.action === 'fail') {
        failed += 1;
        figures.failed += 1;
        if (step.error_handling === 'SKIP') state.skipped_failures += 1;
        else state.hard_failures += 1;
        noteError(state, decision.reason);
        if (step.error_handling === 'FAIL') failJob ??= decision.reason;
        continue;
      }

      succeeded += 1;
      figures.succeeded += 1;
      if (isEndOfList(runtime, result)) {
        advancePagination(state, ctx.page ?? 0, false);
        continue;
      }
      if (!active) {
        // Cancelled or failed meanwhile: record, start nothing, keep no page.
        const pageId = (result.output as { page_id?: unknown } | undefined)?.page_id;
        if (step.type === 'FETCH' && typeof pageId === 'string') pagesDone.push(pageId);
        continue;
      }

      if (step.type === 'FETCH') {
        const output = (result.output ?? {}) as unknown as FetchTaskOutput;
        if (output.not_modified || !output.page_id) {
          // Unchanged since the last fetch: nothing to parse. A list page's records from its last
          // run still lead to (conditional) fetches of its detail pages, and it opens the next page.
          const kept =
            output.not_modified && output.source && fansOut(runtime, index)
              ? await UrlValidators.records(manager, runtime.workflowId, output.source.url)
              : undefined;
          if (kept) {
            const plan = planRecords(runtime, index + 1, { page_id: '', records: kept }, scopes, conditional);
            planned.push(...plan.tasks);
            for (const problem of plan.problems) noteError(state, problem);
          }
          const next =
            ctx.page !== undefined ? advancePagination(state, ctx.page, (kept?.length ?? 1) > 0) : undefined;
          if (next !== undefined) planned.push(this.pageFetch(runtime, scopes, next, conditional));
          continue;
        }
        planned.push(
          planParse(runtime, index, ctx, output.page_id, output.url, output.parent, state, output.source),
        );
      } else if (step.type === 'PARSE') {
        const output = (result.output ?? { records: [] }) as unknown as ParseTaskOutput;
        if (output.page_id) pagesDone.push(output.page_id);
        const fromList =
          index === 1 && runtime.definition.steps[0].type === 'FETCH' && ctx.page !== undefined;
        if (fromList) {
          const next = advancePagination(state, ctx.page ?? 0, output.records.length > 0);
          if (next !== undefined) planned.push(this.pageFetch(runtime, scopes, next, conditional));
        }
        const records = beyondLastPage(state, ctx.page) ? [] : output.records;
        state.items_processed += records.length;
        figures.records += records.length;
        const last = records[records.length - 1];
        if (last) state.last_item_id = String(last.id ?? last.sku ?? last.url ?? state.items_processed);
        state.rejected_records += output.rejected?.length ?? 0;
        for (const problem of output.rejected ?? []) noteError(state, `${problem.step}: ${problem.reason}`);
        const plan = planRecords(runtime, index, { ...output, records }, scopes, conditional, ctx.source);
        planned.push(...plan.tasks);
        // Its validators are kept now, unless a STORE follows: then once that succeeded.
        if (ctx.source && !plan.tasks.some((t) => t.taskType === 'STORE')) {
          validators.push(
            keepValidators(runtime.workflowId, ctx.source, fansOut(runtime, index - 1) ? records : undefined),
          );
        }
        for (const problem of plan.problems) noteError(state, problem);
        state.rejected_records += plan.problems.length;
        for (const url of linksInScope(state, output.links ?? []))
          links.push({ url, depth: (ctx.depth ?? 0) + 1 });
      } else if (step.type === 'STORE') {
        const output = (result.output ?? {}) as unknown as StoreTaskOutput;
        state.stored.inserted += output.inserted ?? 0;
        state.stored.updated += output.updated ?? 0;
        state.stored.unchanged += output.unchanged ?? 0;
        state.stored.skipped += output.skipped ?? 0;
        figures.records += (output.inserted ?? 0) + (output.updated ?? 0) + (output.unchanged ?? 0);
        if (ctx.source) validators.push(keepValidators(runtime.workflowId, ctx.source));
      }
    }

    if (active && !failJob && links.length > 0)
      planned.push(...(await this.admitLinks(manager, jobId, runtime, state, links, conditional)));
    state.in_flight = Math.max(0, (state.in_flight ?? 0) - processed);
    if (active && !failJob) {
      await enqueuePlanned(manager, job, runtime, planned);
      await releaseParked(manager, jobId, state, execution.status === 'PAUSED');
    }
    const added = active && !failJob ? planned.length : 0;
    const total = Number(job.total_items) + added;
    const done = Number(job.processed_items) + processed;
    await manager.query(
      `UPDATE crawling_jobs
          SET total_items = ?, processed_items = ?, success_count = success_count + ?, failed_count = failed_count + ?
        WHERE id = ?`,
      [total, done, succeeded, failed, jobId],
    );
    if (pagesDone.length > 0) await manager.query('DELETE FROM crawl_pages WHERE id IN (?)', [pagesDone]);
    await TaskLedger.withdrawEntries(manager, withdrawn, `job ${job.status.toLowerCase()}: not retried`);
    await UrlValidators.save(manager, validators);

    state.checkpoint = {
      step: currentStep,
      progress: total > 0 ? Math.round((done / total) * 1000) / 1000 : 0,
    };
    await manager.query(
      'UPDATE workflow_executions SET current_step = ?, context = ?, step_results = ? WHERE id = ?',
      [currentStep.slice(0, 50) || null, JSON.stringify(state), JSON.stringify(stepResults), execution.id],
    );

    if (!active) return;
    if (failJob) {
      await finishJob(
        manager,
        jobId,
        'FAILED',
        summarize(state, Number(job.failed_count) + failed, `failed by a FAIL step: ${failJob}`),
      );
    } else if (done >= total) {
      const status = state.hard_failures > 0 ? 'FAILED' : 'SUCCESS';
      await finishJob(manager, jobId, status, summarize(state, Number(job.failed_count) + failed));
    }
  }

  private pageFetch(
    runtime: WorkflowRuntime,
    scopes: PlaceholderScopes,
    page: number,
    conditional: boolean,
  ): PlannedTask {
    const first = runtime.definition.steps[0];
    const pattern = first.type === 'FETCH' ? (first.config.url_pattern ?? '') : '';
    const url = fillTemplate(pattern, [{ page }, scopes.params, scopes.target, scopes.source]);
    return fetchTask(runtime, 0, url, { step: 0, page }, conditional);
  }

  /** New in-scope links become fetches: each URL once per job, within max_pages and max_depth. */
  private async admitLinks(
    manager: EntityManager,
    jobId: string,
    runtime: WorkflowRuntime,
    state: ExecutionState,
    links: ReadonlyArray<{ url: string; depth: number }>,
    conditional: boolean,
  ): Promise<PlannedTask[]> {
    const crawl = state.crawl;
    if (!crawl) return [];
    const unique = new Map<string, { url: string; depth: number }>();
    for (const link of links) {
      if (link.depth > crawl.max_depth) continue;
      const hash = urlHash(link.url);
      if (!unique.has(hash)) unique.set(hash, link);
    }
    if (unique.size === 0) return [];
    const seen = (await manager.query(
      'SELECT url_hash FROM crawl_frontier WHERE job_id = ? AND url_hash IN (?)',
      [jobId, [...unique.keys()]],
    )) as Array<{ url_hash: string }>;
    for (const row of seen) unique.delete(row.url_hash);
    const room = Math.max(0, crawl.max_pages - crawl.seen);
    const admitted = [...unique.entries()].slice(0, room);
    if (admitted.length === 0) return [];
    crawl.seen += admitted.length;
    await manager.query('INSERT IGNORE INTO crawl_frontier (job_id, url_hash, url, depth) VALUES ?', [
      admitted.map(([hash, link]) => [jobId, hash, link.url.slice(0, 2000), link.depth]),
    ]);
    return admitted.map(([, link]) =>
      fetchTask(runtime, 0, link.url, { step: 0, depth: link.depth }, conditional),
    );
  }
}

function keepValidators(
  workflowId: string,
  source: PageSource,
  records?: ReadonlyArray<Record<string, unknown>>,
): NewValidators {
  return {
    workflowId,
    url: source.url,
    ...(source.etag ? { etag: source.etag } : {}),
    ...(source.last_modified ? { lastModified: source.last_modified } : {}),
    ...(records ? { records } : {}),
  };
}
