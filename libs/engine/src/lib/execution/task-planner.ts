import {
  compileUserRegex,
  fillTemplate,
  type FetchConfig,
  type FetchTaskPayload,
  type PageSource,
  type ParseTaskOutput,
  type ParseTaskPayload,
  type PostStep,
  type StorePage,
  type StepDefinition,
  type Stage,
  type StagePayload,
  type StoreTaskPayload,
  type TaskContext,
} from '@crawlflow/contracts';
import type { ExecutionState } from './execution-state';
import type { WorkflowRuntime } from './workflow-runtime';

/** How many list pages are in flight ahead of the last one known to have items. */
export const PAGINATION_WINDOW = 4;

export interface PlannedTask {
  stepIndex: number;
  taskType: 'FETCH' | 'PARSE' | 'STORE';
  targetUrl: string | null;
  payload: StagePayload<Stage>;
}

/** Values for `{placeholders}`: the job's params, then its target, then the workflow's source. */
export interface PlaceholderScopes {
  params: Record<string, unknown>;
  target: Record<string, unknown>;
  source: Record<string, unknown>;
}

function fetchTask(
  runtime: WorkflowRuntime,
  stepIndex: number,
  url: string,
  ctx: TaskContext,
  conditional: boolean,
  parent?: Record<string, unknown>,
): PlannedTask {
  const config = (runtime.definition.steps[stepIndex] as Extract<StepDefinition, { type: 'FETCH' }>).config;
  const payload: FetchTaskPayload = {
    ctx,
    workflow_id: runtime.workflowId,
    workflow_version: runtime.version,
    url,
    conditional,
    ...(conditional && (fansOut(runtime, stepIndex) || config.crawl) ? { fans_out: true } : {}),
    ...(parent ? { parent } : {}),
    options: fetchOptions(config),
  };
  return {
    stepIndex,
    taskType: 'FETCH',
    targetUrl: url,
    payload,
  };
}

function fetchOptions(config: FetchConfig): FetchTaskPayload['options'] {
  return {
    ...(Object.keys(config.headers).length > 0 ? { headers: config.headers } : {}),
    respect_robots: config.respect_robots,
    ...(config.host_concurrency !== undefined ? { host_concurrency: config.host_concurrency } : {}),
    ...(config.host_delay_ms !== undefined ? { host_delay_ms: config.host_delay_ms } : {}),
    ...(config.timeout_ms !== undefined ? { timeout_ms: config.timeout_ms } : {}),
    ...(config.max_bytes !== undefined ? { max_bytes: config.max_bytes } : {}),
  };
}

/** The first FETCH: one URL, the first window of list pages, or a site crawl's start URL. */
export function planFirstTasks(
  runtime: WorkflowRuntime,
  scopes: PlaceholderScopes,
  conditional: boolean,
  state: ExecutionState,
): PlannedTask[] {
  const first = runtime.definition.steps[0] as Extract<StepDefinition, { type: 'FETCH' }>;
  const config = first.config;
  const fill = (template: string, extra: Record<string, unknown> = {}): string =>
    fillTemplate(template, [extra, scopes.params, scopes.target, scopes.source]);
  if (config.pagination) {
    const lastPage = config.start_page + config.max_pages - 1;
    const through = Math.min(lastPage, config.start_page + PAGINATION_WINDOW - 1);
    state.pagination = { next_page: through + 1, last_page: lastPage, stopped_at: null };
    state.total_pages = config.max_pages;
    const tasks: PlannedTask[] = [];
    for (let page = config.start_page; page <= through; page += 1) {
      tasks.push(
        fetchTask(runtime, 0, fill(config.url_pattern ?? '', { page }), { step: 0, page }, conditional),
      );
    }
    return tasks;
  }
  if (config.crawl) {
    const start = fill(config.crawl.start_url ?? config.url_pattern ?? '');
    state.crawl = {
      seen: 1,
      max_pages: config.crawl.max_pages,
      max_depth: config.crawl.max_depth,
      scope: config.crawl.scope,
      start,
      ...(config.crawl.prefix ? { prefix: fill(config.crawl.prefix) } : {}),
      ...(config.crawl.pattern ? { pattern: config.crawl.pattern } : {}),
    };
    return [fetchTask(runtime, 0, start, { step: 0, depth: 0 }, conditional)];
  }
  return [fetchTask(runtime, 0, fill(config.url_pattern ?? ''), { step: 0 }, conditional)];
}

/** A FETCH that brought a page: its PARSE, with the TRANSFORM/VALIDATE steps that follow it. */
export function planParse(
  runtime: WorkflowRuntime,
  fetchStep: number,
  ctx: TaskContext,
  pageId: string,
  url: string,
  parent: Record<string, unknown> | undefined,
  state: ExecutionState,
  source?: PageSource,
): PlannedTask {
  const steps = runtime.definition.steps;
  const parse = steps[fetchStep + 1] as Extract<StepDefinition, { type: 'PARSE' }>;
  const post: PostStep[] = [];
  for (let i = fetchStep + 2; i < steps.length; i += 1) {
    const step = steps[i];
    if (step.type === 'TRANSFORM')
      post.push({ step: i, name: step.name, type: 'TRANSFORM', operations: step.config.operations });
    else if (step.type === 'VALIDATE') {
      post.push({
        step: i,
        name: step.name,
        type: 'VALIDATE',
        schema: step.config.schema,
        error_handling: step.error_handling,
      });
    } else break;
  }
  const crawl = (steps[fetchStep] as Extract<StepDefinition, { type: 'FETCH' }>).config.crawl;
  const followLinks =
    crawl !== undefined && state.crawl !== undefined && (ctx.depth ?? 0) < state.crawl.max_depth;
  const payload: ParseTaskPayload = {
    ctx: { ...ctx, step: fetchStep + 1, ...(source ? { source } : {}) },
    page_id: pageId,
    url,
    ...(parent ? { parent } : {}),
    parse: {
      parser: parse.config.parser,
      ...(parse.config.items ? { items: parse.config.items } : {}),
      fields: parse.config.fields,
    },
    post,
    ...(followLinks && crawl ? { links: { selector: crawl.link_selector } } : {}),
  };
  return {
    stepIndex: fetchStep + 1,
    taskType: 'PARSE',
    targetUrl: url,
    payload,
  };
}

/** Whether the records of the page a FETCH step brings feed another FETCH (a list page). */
export function fansOut(runtime: WorkflowRuntime, fetchStep: number): boolean {
  const steps = runtime.definition.steps;
  if (steps[fetchStep]?.type !== 'FETCH' || steps[fetchStep + 1]?.type !== 'PARSE') return false;
  return steps[stepAfterParse(runtime, fetchStep + 1)]?.type === 'FETCH';
}

/** Index of the first step after a PARSE and the TRANSFORM/VALIDATE steps it ran. */
export function stepAfterParse(runtime: WorkflowRuntime, parseStep: number): number {
  const steps = runtime.definition.steps;
  let next = parseStep + 1;
  while (next < steps.length && (steps[next].type === 'TRANSFORM' || steps[next].type === 'VALIDATE'))
    next += 1;
  return next;
}

export interface RecordsPlan {
  tasks: PlannedTask[];
  /** Records that could not become a task (no URL), with the reason. */
  problems: string[];
}

/** What a PARSE task's records become: fan-out fetches, STORE batches, or nothing (last step). */
export function planRecords(
  runtime: WorkflowRuntime,
  parseStep: number,
  output: ParseTaskOutput,
  scopes: PlaceholderScopes,
  conditional: boolean,
  /** The page the records came from: a STORE carries it (fetch time, validators to keep). */
  source?: PageSource,
): RecordsPlan {
  const steps = runtime.definition.steps;
  const next = stepAfterParse(runtime, parseStep);
  const plan: RecordsPlan = { tasks: [], problems: [] };
  if (next >= steps.length || output.records.length === 0) return plan;
  const step = steps[next];
  if (step.type === 'FETCH') {
    for (const record of output.records) {
      try {
        const raw = step.config.url_field
          ? record[step.config.url_field]
          : fillTemplate(step.config.url_pattern ?? '', [
              record,
              scopes.params,
              scopes.target,
              scopes.source,
            ]);
        if (typeof raw !== 'string' || raw.trim() === '')
          throw new Error(`no URL in field ${step.config.url_field ?? ''}`);
        const url = new URL(raw.trim()).toString();
        plan.tasks.push(fetchTask(runtime, next, url, { step: next }, conditional, record));
      } catch (error) {
        plan.problems.push(`${step.name}: ${(error as Error).message}`);
      }
    }
    return plan;
  }
  if (step.type === 'STORE') {
    // One STORE task per page, whatever its size: a payload too large for the ledger's TEXT column
    // is kept whole beside it (task_data), so no record is refused or cut.
    const payload: StoreTaskPayload = {
      ctx: { step: next, ...(source ? { source } : {}) },
      workflow_id: runtime.workflowId,
      key: step.config.key,
      records: output.records,
    };
    plan.tasks.push({
      stepIndex: next,
      taskType: 'STORE',
      targetUrl: null,
      payload,
    });
  }
  return plan;
}

/** Records of one coalesced STORE task at most: one read and one upsert of the store's batches. */
export const MAX_STORE_RECORDS = 500;
/** Serialised records of one coalesced STORE task at most. */
const MAX_STORE_BYTES = 1024 * 1024;

/**
 * The STOREs one batch of results plans, coalesced: the records of several pages go to the store
 * worker as one task (one ledger entry, one message, one transaction) of up to MAX_STORE_RECORDS
 * records and MAX_STORE_BYTES, never waiting for more. ctx.pages keeps each page's source and share
 * of the records; a STORE alone keeps its ctx.source. The other tasks keep their order.
 */
export function coalesceStores(planned: readonly PlannedTask[]): PlannedTask[] {
  const tasks: PlannedTask[] = [];
  const open = new Map<number, { payload: StoreTaskPayload; pages: StorePage[]; bytes: number }>();
  for (const task of planned) {
    if (task.taskType !== 'STORE') {
      tasks.push(task);
      continue;
    }
    const payload = task.payload as StoreTaskPayload;
    const bytes = JSON.stringify(payload.records).length;
    const page: StorePage = {
      ...(payload.ctx.source ? { source: payload.ctx.source } : {}),
      records: payload.records.length,
    };
    const bucket = open.get(task.stepIndex);
    if (
      bucket &&
      bucket.payload.records.length + payload.records.length <= MAX_STORE_RECORDS &&
      bucket.bytes + bytes <= MAX_STORE_BYTES
    ) {
      bucket.pages.push(page);
      bucket.bytes += bytes;
      bucket.payload.ctx = { step: bucket.payload.ctx.step, pages: bucket.pages };
      bucket.payload.records.push(...payload.records);
      continue;
    }
    // A task of its own (its records copied: the ones joined later are added to this copy).
    const own: StoreTaskPayload = { ...payload, records: [...payload.records] };
    open.set(task.stepIndex, { payload: own, pages: [page], bytes });
    tasks.push({ ...task, payload: own });
  }
  return tasks;
}

/** Site crawl: which extracted links are in scope (the frontier then drops those already seen). */
export function linksInScope(state: ExecutionState, links: readonly string[]): string[] {
  const crawl = state.crawl;
  if (!crawl) return [];
  const start = new URL(crawl.start);
  // A user's pattern against links a page makes as long as it likes: RE2 keeps it linear. A loaded
  // definition passed the same RE2 check, so this does not throw for one.
  const pattern = crawl.pattern ? compileUserRegex(crawl.pattern) : undefined;
  const prefix = crawl.prefix ?? crawl.start;
  return links.filter((link) => {
    let url: URL;
    try {
      url = new URL(link);
    } catch {
      return false;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    if (crawl.scope === 'host') return url.host === start.host;
    if (crawl.scope === 'prefix') return url.toString().startsWith(prefix);
    return pattern?.test(url.toString()) ?? false;
  });
}

/** Pagination: a page with items opens the next one; an empty or missing page closes the list. */
export function advancePagination(
  state: ExecutionState,
  page: number,
  hadItems: boolean,
): number | undefined {
  const pagination = state.pagination;
  if (!pagination) return undefined;
  if (!hadItems) {
    pagination.stopped_at = pagination.stopped_at === null ? page : Math.min(pagination.stopped_at, page);
    return undefined;
  }
  state.current_page = Math.max(state.current_page ?? 0, page);
  if (pagination.stopped_at !== null || pagination.next_page > pagination.last_page) return undefined;
  const next = pagination.next_page;
  pagination.next_page += 1;
  return next;
}

/** Records of a page past the end of the list (a speculative fetch) are not passed on. */
export function beyondLastPage(state: ExecutionState, page: number | undefined): boolean {
  return page !== undefined && state.pagination?.stopped_at != null && page > state.pagination.stopped_at;
}

export { fetchTask };
