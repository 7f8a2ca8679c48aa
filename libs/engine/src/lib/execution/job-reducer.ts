import {
  fillTemplate,
  parseStageOutput,
  parseTaskContext,
  type PageSource,
  type StepDefinition,
  type TaskContext,
  type TaskResult,
} from '@crawlflow/contracts';
import type { AppliedResult, EntryRef, KeptPage, NewValidators } from '@crawlflow/db';
import {
  noteError,
  stepResult,
  type ExecutionState,
  type StepResult,
  type StepResults,
} from './execution-state';
import { isEndOfList, stepIndexOf } from './result-decision';
import {
  advancePagination,
  beyondLastPage,
  coalesceStores,
  fansOut,
  fetchTask,
  linksInScope,
  planParse,
  planRecords,
  type PlaceholderScopes,
  type PlannedTask,
} from './task-planner';
import type { WorkflowRuntime } from './workflow-runtime';

/** A job's execution context: the checkpoint and what the engine keeps between batches. */
export interface JobState extends ExecutionState {
  /** Kept by jobs started before scopes moved to the runtime cache. */
  scopes?: PlaceholderScopes;
  /** max_parallel_tasks: entries of this job dispatched or due at once. */
  task_cap?: number;
  /** Entries released (due, dispatched or scheduled for a retry) and not finished. */
  in_flight?: number;
}

/** What the reducer reads of the job row. */
export interface JobFacts {
  status: string;
  jobType: string;
  totalItems: number;
  processedItems: number;
  failedCount: number;
}

export interface ReduceContext {
  runtime: WorkflowRuntime;
  scopes: PlaceholderScopes;
  /** What the pages that answered 304 in this batch yielded when last parsed (by requested URL). */
  kept: ReadonlyMap<string, KeptPage>;
}

export interface Link {
  url: string;
  depth: number;
}

/** What one batch of results does to its job; the writer commits it. */
export interface JobDelta {
  state: JobState;
  stepResults: StepResults;
  processed: number;
  succeeded: number;
  failed: number;
  /** Tasks that follow (next pages, parses, detail fetches, STOREs); crawl links are admitted apart. */
  planned: PlannedTask[];
  links: Link[];
  /** Pages whose PARSE is done (or whose job ended): deleted. */
  pagesDone: string[];
  /** Retries of a job that has ended: withdrawn instead of scheduled. */
  withdrawn: EntryRef[];
  /** Validators to keep: their page's PARSE (and STORE) succeeded. */
  validators: NewValidators[];
  currentStep: string;
  /** A FAIL step failed: the job ends FAILED with this reason. */
  failReason?: string;
}

interface Step {
  index: number;
  step: StepDefinition;
  ctx: TaskContext;
  figures: StepResult;
}

/**
 * Folds a batch of applied results into their job: counters, per-step figures, the checkpoint, and
 * the work that follows. Pure: it reads only its arguments (the writer loads the job, its context
 * and the records kept for 304 list pages first) and returns a new state, never touching the input.
 */
export function reduceResults(
  job: JobFacts,
  current: JobState,
  currentResults: StepResults,
  context: ReduceContext,
  applied: readonly AppliedResult[],
): JobDelta {
  const { scopes: _legacy, ...rest } = current;
  const delta: JobDelta = {
    state: structuredClone(rest),
    stepResults: structuredClone(currentResults),
    processed: 0,
    succeeded: 0,
    failed: 0,
    planned: [],
    links: [],
    pagesDone: [],
    withdrawn: [],
    validators: [],
    currentStep: '',
  };
  const active = job.status === 'RUNNING';
  for (const applied_ of applied) {
    const { result, decision } = applied_;
    const index = stepIndexOf(result);
    const step = context.runtime.definition.steps[index];
    if (!step) continue;
    delta.currentStep = step.name;
    const at: Step = {
      index,
      step,
      ctx: parseTaskContext(result.ctx ?? { step: index }),
      figures: stepResult(delta.stepResults, step.name),
    };
    if (decision.action === 'retry') {
      // A job that ended meanwhile runs nothing again: the retry is withdrawn, not scheduled.
      if (!active) delta.withdrawn.push({ id: applied_.state.queueId, createdAt: applied_.state.createdAt });
      at.figures.retried += 1;
      delta.state.retries += 1;
      continue;
    }
    delta.processed += 1;
    at.figures.tasks += 1;
    at.figures.total_ms += result.response_time_ms;
    if (decision.action === 'fail') {
      failure(delta, at, decision.reason);
      continue;
    }
    delta.succeeded += 1;
    at.figures.succeeded += 1;
    if (isEndOfList(context.runtime, result)) {
      advancePagination(delta.state, at.ctx.page ?? 0, false);
      continue;
    }
    if (!active) {
      // Cancelled or failed meanwhile: record, start nothing, keep no page.
      if (step.type === 'FETCH') {
        const pageId = parseStageOutput('fetch', result.output).page_id;
        if (pageId) delta.pagesDone.push(pageId);
      }
      continue;
    }
    if (step.type === 'FETCH') reduceFetch(delta, at, context, job, result);
    else if (step.type === 'PARSE') reduceParse(delta, at, context, job, result);
    else if (step.type === 'STORE') reduceStore(delta, at, context, result);
  }
  delta.state.in_flight = Math.max(0, (delta.state.in_flight ?? 0) - delta.processed);
  delta.planned = coalesceStores(delta.planned);
  return delta;
}

function failure(delta: JobDelta, at: Step, reason: string): void {
  delta.failed += 1;
  at.figures.failed += 1;
  if (at.step.error_handling === 'SKIP') delta.state.skipped_failures += 1;
  else delta.state.hard_failures += 1;
  noteError(delta.state, reason);
  if (at.step.error_handling === 'FAIL') delta.failReason ??= reason;
}

/** The next list page of a paginated first FETCH. */
export function pageFetch(context: ReduceContext, page: number, conditional: boolean): PlannedTask {
  const first = context.runtime.definition.steps[0];
  const pattern = first.type === 'FETCH' ? (first.config.url_pattern ?? '') : '';
  const { params, target, source } = context.scopes;
  const url = fillTemplate(pattern, [{ page }, params, target, source]);
  return fetchTask(context.runtime, 0, url, { step: 0, page }, conditional);
}

function reduceFetch(
  delta: JobDelta,
  at: Step,
  context: ReduceContext,
  job: JobFacts,
  result: TaskResult,
): void {
  const output = parseStageOutput('fetch', result.output);
  const conditional = job.jobType === 'INCREMENTAL';
  if (output.not_modified || !output.page_id) {
    // Unchanged since the last fetch: nothing to parse. A list page's records from its last run
    // still lead to (conditional) fetches of its detail pages, and it opens the next page.
    const kept = output.not_modified && output.source ? context.kept.get(output.source.url) : undefined;
    if (kept?.records && fansOut(context.runtime, at.index)) {
      const plan = planRecords(
        context.runtime,
        at.index + 1,
        { page_id: '', records: kept.records },
        context.scopes,
        conditional,
      );
      delta.planned.push(...plan.tasks);
      for (const problem of plan.problems) noteError(delta.state, problem);
    }
    if (at.ctx.page !== undefined) {
      // A list page unchanged since it last had no items still closes the list there.
      const next = advancePagination(delta.state, at.ctx.page, (kept?.count ?? 1) > 0);
      if (next !== undefined) delta.planned.push(pageFetch(context, next, conditional));
    }
    return;
  }
  delta.planned.push(
    planParse(
      context.runtime,
      at.index,
      at.ctx,
      output.page_id,
      output.url,
      output.parent,
      delta.state,
      output.source,
    ),
  );
}

function reduceParse(
  delta: JobDelta,
  at: Step,
  context: ReduceContext,
  job: JobFacts,
  result: TaskResult,
): void {
  const output = parseStageOutput('parse', result.output);
  const { runtime } = context;
  const conditional = job.jobType === 'INCREMENTAL';
  if (output.page_id) delta.pagesDone.push(output.page_id);
  const fromList =
    at.index === 1 && runtime.definition.steps[0].type === 'FETCH' && at.ctx.page !== undefined;
  if (fromList) {
    const next = advancePagination(delta.state, at.ctx.page ?? 0, output.records.length > 0);
    if (next !== undefined) delta.planned.push(pageFetch(context, next, conditional));
  }
  const records = beyondLastPage(delta.state, at.ctx.page) ? [] : output.records;
  delta.state.items_processed += records.length;
  at.figures.records += records.length;
  delta.state.rejected_records += output.rejected?.length ?? 0;
  for (const problem of output.rejected ?? []) noteError(delta.state, `${problem.step}: ${problem.reason}`);
  const plan = planRecords(
    runtime,
    at.index,
    { ...output, records },
    context.scopes,
    conditional,
    at.ctx.source,
  );
  delta.planned.push(...plan.tasks);
  // Its validators are kept now, unless a STORE follows: then once that succeeded.
  if (at.ctx.source && !plan.tasks.some((t) => t.taskType === 'STORE')) {
    delta.validators.push({
      ...keepValidators(runtime.workflowId, at.ctx.source),
      version: runtime.version,
      recordCount: records.length,
      ...(fansOut(runtime, at.index - 1) ? { records } : {}),
    });
  }
  for (const problem of plan.problems) noteError(delta.state, problem);
  delta.state.rejected_records += plan.problems.length;
  for (const url of linksInScope(delta.state, output.links ?? []))
    delta.links.push({ url, depth: (at.ctx.depth ?? 0) + 1 });
}

function reduceStore(delta: JobDelta, at: Step, context: ReduceContext, result: TaskResult): void {
  const output = parseStageOutput('store', result.output);
  const stored = delta.state.stored;
  stored.inserted += output.inserted;
  stored.updated += output.updated;
  stored.unchanged += output.unchanged;
  stored.skipped += output.skipped;
  at.figures.records += output.inserted + output.updated + output.unchanged;
  if (output.last_key !== undefined) delta.state.last_item_id = output.last_key;
  // Each page behind the records keeps its validators, with its share of them.
  const records = output.inserted + output.updated + output.unchanged + output.skipped;
  const pages = at.ctx.pages ?? (at.ctx.source ? [{ source: at.ctx.source, records }] : []);
  for (const page of pages) {
    if (!page.source) continue;
    delta.validators.push({
      ...keepValidators(context.runtime.workflowId, page.source),
      version: context.runtime.version,
      recordCount: page.records,
    });
  }
}

function keepValidators(workflowId: string, source: PageSource): NewValidators {
  return {
    workflowId,
    url: source.url,
    ...(source.etag ? { etag: source.etag } : {}),
    ...(source.last_modified ? { lastModified: source.last_modified } : {}),
  };
}

/** How the job stands after the delta: its counters, and whether (and how) it ends. */
export function jobOutcome(
  job: JobFacts,
  delta: Pick<JobDelta, 'processed' | 'failed' | 'failReason' | 'state'> & { added: number },
): { total: number; done: number; end?: { status: 'SUCCESS' | 'FAILED'; failReason?: string } } {
  const total = job.totalItems + delta.added;
  const done = job.processedItems + delta.processed;
  if (job.status !== 'RUNNING') return { total, done };
  if (delta.failReason !== undefined)
    return { total, done, end: { status: 'FAILED', failReason: delta.failReason } };
  if (done >= total)
    return { total, done, end: { status: delta.state.hard_failures > 0 ? 'FAILED' : 'SUCCESS' } };
  return { total, done };
}

/** The URLs among `links` to admit: in depth, not seen before, within the crawl's page budget. */
export function admitLinks(
  state: ExecutionState,
  links: readonly Link[],
  seen: ReadonlySet<string>,
  hash: (url: string) => string,
): Array<Link & { hash: string }> {
  const crawl = state.crawl;
  if (!crawl) return [];
  const unique = new Map<string, Link>();
  for (const link of links) {
    if (link.depth > crawl.max_depth) continue;
    const key = hash(link.url);
    if (!seen.has(key) && !unique.has(key)) unique.set(key, link);
  }
  const room = Math.max(0, crawl.max_pages - crawl.seen);
  const admitted = [...unique.entries()].slice(0, room).map(([key, link]) => ({ ...link, hash: key }));
  crawl.seen += admitted.length;
  return admitted;
}
