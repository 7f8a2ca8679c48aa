// Builders for the engine's unit specs: step definitions, runtimes, worker results and the ledger's
// judgement of them. Plain values only (no database, no broker); not exported from the package.
import type {
  FetchConfig,
  PageSource,
  ParseConfig,
  Stage,
  StepDefinition,
  TaskError,
  TaskResult,
  TransformOperation,
} from '@crawlflow/contracts';
import type { AppliedResult, KeptPage, LedgerTaskState, ResultDecision } from '@crawlflow/db';
import { emptyState, type StepResults } from './execution-state';
import { reduceResults, type JobFacts, type JobState } from './job-reducer';
import type { PlaceholderScopes, PlannedTask } from './task-planner';
import type { WorkflowRuntime } from './workflow-runtime';

type StepFields = Partial<Pick<StepDefinition, 'name' | 'error_handling' | 'max_retries' | 'backoff'>>;

const stepBase = (name: string, fields: StepFields) => ({
  name,
  error_handling: 'RETRY' as const,
  max_retries: 3,
  backoff: { base_ms: 1000, max_ms: 60_000 },
  ...fields,
});

export function fetchStep(config: Partial<FetchConfig> = {}, fields: StepFields = {}): StepDefinition {
  return {
    ...stepBase('fetch', fields),
    type: 'FETCH',
    config: { pagination: false, max_pages: 1, start_page: 1, headers: {}, respect_robots: true, ...config },
  };
}

export function parseStep(config: Partial<ParseConfig> = {}, fields: StepFields = {}): StepDefinition {
  return {
    ...stepBase('parse', fields),
    type: 'PARSE',
    config: { parser: 'html', fields: { title: { selector: 'h1', type: 'string', list: false } }, ...config },
  };
}

export function transformStep(operations: TransformOperation[], fields: StepFields = {}): StepDefinition {
  return { ...stepBase('transform', fields), type: 'TRANSFORM', config: { operations } };
}

export function validateStep(schema: Record<string, unknown>, fields: StepFields = {}): StepDefinition {
  return { ...stepBase('validate', fields), type: 'VALIDATE', config: { schema } };
}

export function storeStep(key = 'sku', fields: StepFields = {}): StepDefinition {
  return { ...stepBase('store', fields), type: 'STORE', config: { key } };
}

export const WORKFLOW_ID = '7';
export const WORKFLOW_VERSION = 3;

export function runtimeOf(...steps: StepDefinition[]): WorkflowRuntime {
  return {
    workflowId: WORKFLOW_ID,
    version: WORKFLOW_VERSION,
    workflowType: 'FULL_SCAN',
    definition: { steps },
    stepIds: steps.map((_, i) => String(100 + i)),
  };
}

export function scopesOf(fields: Partial<PlaceholderScopes> = {}): PlaceholderScopes {
  return { params: {}, target: {}, source: {}, ...fields };
}

/** A list page (paginated), its records' detail pages, their PARSE, then a STORE. */
export function listDetailStore(list: Partial<FetchConfig> = {}): WorkflowRuntime {
  return runtimeOf(
    fetchStep(
      { url_pattern: 'https://shop.test/list?page={page}', pagination: true, max_pages: 10, ...list },
      { name: 'fetch_list' },
    ),
    parseStep({ items: '.item' }, { name: 'parse_list' }),
    fetchStep({ url_field: 'detail_url' }, { name: 'fetch_detail' }),
    parseStep({}, { name: 'parse_detail' }),
    storeStep('sku', { name: 'store' }),
  );
}

const STAGE_OF: Record<StepDefinition['type'], Stage> = {
  FETCH: 'fetch',
  PARSE: 'parse',
  TRANSFORM: 'parse',
  VALIDATE: 'parse',
  STORE: 'store',
};

let sequence = 0;

/** A worker's result for a task of step `step` (ctx.step), succeeded unless `fields` say otherwise. */
export function taskResult(
  runtime: WorkflowRuntime,
  ctx: Record<string, unknown> & { step: number },
  fields: Partial<TaskResult> = {},
): TaskResult {
  sequence += 1;
  return {
    v: 1,
    queue_id: String(1000 + sequence),
    task_id: String(2000 + sequence),
    job_id: '42',
    stage: STAGE_OF[runtime.definition.steps[ctx.step]?.type ?? 'FETCH'],
    attempt: 1,
    outcome: 'SUCCESS',
    started_at: '2026-06-05T12:00:00.000Z',
    completed_at: '2026-06-05T12:00:00.250Z',
    response_time_ms: 250,
    ctx,
    ...fields,
  };
}

export function failedResult(
  runtime: WorkflowRuntime,
  ctx: Record<string, unknown> & { step: number },
  error: TaskError,
): TaskResult {
  return taskResult(runtime, ctx, { outcome: 'FAILED', error });
}

export function ledgerState(fields: Partial<LedgerTaskState> = {}): LedgerTaskState {
  return {
    queueId: '1',
    taskId: '2',
    jobId: '42',
    queueStatus: 'PROCESSING',
    attemptCount: 1,
    createdAt: '2026-06-05 12:00:00.000',
    retryCount: 0,
    ...fields,
  };
}

/** A result as the ledger applied it: `complete` unless another decision is given. */
export function applied(
  result: TaskResult,
  decision: ResultDecision = { action: 'complete' },
  state: Partial<LedgerTaskState> = {},
): AppliedResult {
  return { result, decision, state: ledgerState({ queueId: result.queue_id, ...state }) };
}

export const listPage = (page: number) => `https://shop.test/list?page=${page}`;

/** A record of a list page: the detail page to fetch, and the key a STORE writes it under. */
export const product = (n: number) => ({ sku: `sku-${n}`, detail_url: `https://shop.test/p/${n}` });

export const pageSource = (url: string, fields: Partial<PageSource> = {}): PageSource => ({
  url,
  fetched_at: '2026-06-05 12:00:00.000',
  ...fields,
});

/** The FETCH task the planner makes for `url` (FULL_SCAN unless `extra` says conditional). */
export const plannedFetch = (
  stepIndex: number,
  url: string,
  ctx: object,
  extra: object = {},
): PlannedTask => ({
  stepIndex,
  taskType: 'FETCH',
  targetUrl: url,
  payload: {
    ctx: { step: stepIndex, ...ctx },
    workflow_id: WORKFLOW_ID,
    workflow_version: WORKFLOW_VERSION,
    url,
    conditional: false,
    options: { respect_robots: true },
    ...extra,
  },
});

export const jobFacts = (fields: Partial<JobFacts> = {}): JobFacts => ({
  status: 'RUNNING',
  jobType: 'FULL_SCAN',
  totalItems: 10,
  processedItems: 0,
  failedCount: 0,
  ...fields,
});

/** A list job whose first window (pages 1–4 of 10) is in flight. */
export const listState = (fields: Partial<JobState> = {}): JobState => ({
  ...emptyState(),
  pagination: { next_page: 5, last_page: 10, stopped_at: null },
  in_flight: 4,
  ...fields,
});

export interface Reduce {
  job?: Partial<JobFacts>;
  state?: JobState;
  stepResults?: StepResults;
  /** What 304 pages yielded when last parsed, by requested URL. */
  kept?: Record<string, KeptPage>;
}

/** reduceResults over a running FULL_SCAN list job (listState) unless `given` says otherwise. */
export function reduce(runtime: WorkflowRuntime, results: AppliedResult[], given: Reduce = {}) {
  const context = { runtime, scopes: scopesOf(), kept: new Map(Object.entries(given.kept ?? {})) };
  return reduceResults(
    jobFacts(given.job),
    given.state ?? listState(),
    given.stepResults ?? {},
    context,
    results,
  );
}
