import { Stage, STAGES } from './topology';
import {
  expectId,
  expectInt,
  expectIsoTimestamp,
  expectOneOf,
  expectRecord,
  expectString,
  optional,
  parseJson,
  SchemaError,
} from './validation';

/** Version of the task/result wire format; a consumer refuses what it does not know. */
export const TASK_MESSAGE_VERSION = 1;

/** What the relay publishes for one `crawling_queues` entry. */
export interface TaskMessage {
  v: typeof TASK_MESSAGE_VERSION;
  queue_id: string;
  task_id: string;
  job_id: string;
  stage: Stage;
  /** The entry's attempt_count at dispatch: tells a redelivery from a re-dispatch. */
  attempt: number;
  /** The entry's payload column, parsed: whatever the step handler needs. */
  payload: Record<string, unknown>;
  /** The entry's created_at (its ledger partition), echoed in the result. */
  queued_at?: string;
}

export const ERROR_CLASSES = ['transient', 'permanent'] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

export interface TaskError {
  class: ErrorClass;
  message: string;
  /** A server's Retry-After, when it gave one. */
  retry_after_ms?: number;
  /** e.g. an HTTP status, for the error summary. */
  code?: string;
}

export const TASK_OUTCOMES = ['SUCCESS', 'FAILED'] as const;
export type TaskOutcome = (typeof TASK_OUTCOMES)[number];

/** What a worker reports back to the orchestrator for one delivery. */
export interface TaskResult {
  v: typeof TASK_MESSAGE_VERSION;
  queue_id: string;
  task_id: string;
  job_id: string;
  stage: Stage;
  attempt: number;
  outcome: TaskOutcome;
  started_at: string;
  completed_at: string;
  response_time_ms: number;
  output?: Record<string, unknown>;
  error?: TaskError;
  worker?: string;
  /** The task payload's `ctx`, echoed so the orchestrator can judge the result without a read. */
  ctx?: Record<string, unknown>;
  /** The task message's queued_at, echoed. */
  queued_at?: string;
}

export function parseTaskMessage(body: Buffer | string): TaskMessage {
  const root = expectRecord(parseJson(body), '$');
  if (root.v !== TASK_MESSAGE_VERSION)
    throw new SchemaError('$.v', `unsupported message version ${String(root.v)}`);
  return {
    v: TASK_MESSAGE_VERSION,
    queue_id: expectId(root.queue_id, '$.queue_id'),
    task_id: expectId(root.task_id, '$.task_id'),
    job_id: expectId(root.job_id, '$.job_id'),
    stage: expectOneOf(root.stage, '$.stage', STAGES),
    attempt: expectInt(root.attempt, '$.attempt', 0, 1_000_000),
    payload: expectRecord(root.payload ?? {}, '$.payload'),
    queued_at: optional(root.queued_at, (v) => expectQueuedAt(v, '$.queued_at')),
  };
}

/**
 * Workers report results in batches: one message carries the results of every delivery that
 * finished while the previous batch was being confirmed (one broker message per many tasks).
 */
export interface TaskResultBatch {
  v: typeof TASK_MESSAGE_VERSION;
  results: TaskResult[];
}

export const MAX_RESULTS_PER_MESSAGE = 1000;

export function parseTaskResultBatch(body: Buffer | string): TaskResultBatch {
  const { results, refused } = parseTaskResults(body);
  if (refused.length > 0) throw new SchemaError(refused[0].path, refused[0].problem);
  return { v: TASK_MESSAGE_VERSION, results };
}

/** A result of a batch that breaks the schema: the value as sent, and what is wrong with it. */
export interface RefusedTaskResult {
  value: unknown;
  path: string;
  problem: string;
  reason: string;
}

/**
 * A result batch whose envelope is sound, each result judged on its own: one malformed result is
 * refused alone and the others go on. A broken envelope (not JSON, wrong version, no array) throws.
 */
export function parseTaskResults(body: Buffer | string): {
  results: TaskResult[];
  refused: RefusedTaskResult[];
} {
  const root = expectRecord(parseJson(body), '$');
  if (root.v !== TASK_MESSAGE_VERSION)
    throw new SchemaError('$.v', `unsupported message version ${String(root.v)}`);
  if (!Array.isArray(root.results)) throw new SchemaError('$.results', 'expected an array of results');
  if (root.results.length > MAX_RESULTS_PER_MESSAGE) {
    throw new SchemaError('$.results', `more than ${MAX_RESULTS_PER_MESSAGE} results`);
  }
  const results: TaskResult[] = [];
  const refused: RefusedTaskResult[] = [];
  root.results.forEach((value: unknown, i) => {
    try {
      results.push(parseTaskResult(value, `$.results[${i}]`));
    } catch (error) {
      if (!(error instanceof SchemaError)) throw error;
      refused.push({ value, path: error.path, problem: error.problem, reason: error.message });
    }
  });
  return { results, refused };
}

export function parseTaskResult(value: unknown, path = '$'): TaskResult {
  const root = expectRecord(value, path);
  if (root.v !== TASK_MESSAGE_VERSION)
    throw new SchemaError(`${path}.v`, `unsupported message version ${String(root.v)}`);
  const outcome = expectOneOf(root.outcome, `${path}.outcome`, TASK_OUTCOMES);
  const error = optional(root.error, (v) => parseTaskError(v, `${path}.error`));
  if (outcome === 'FAILED' && !error)
    throw new SchemaError(`${path}.error`, 'a FAILED result needs an error');
  return {
    v: TASK_MESSAGE_VERSION,
    queue_id: expectId(root.queue_id, `${path}.queue_id`),
    task_id: expectId(root.task_id, `${path}.task_id`),
    job_id: expectId(root.job_id, `${path}.job_id`),
    stage: expectOneOf(root.stage, `${path}.stage`, STAGES),
    attempt: expectInt(root.attempt, `${path}.attempt`, 0, 1_000_000),
    outcome,
    started_at: expectIsoTimestamp(root.started_at, `${path}.started_at`),
    completed_at: expectIsoTimestamp(root.completed_at, `${path}.completed_at`),
    response_time_ms: expectInt(root.response_time_ms, `${path}.response_time_ms`, 0, 2_147_483_647),
    output: optional(root.output, (v) => expectRecord(v, `${path}.output`)),
    error,
    worker: optional(root.worker, (v) => expectString(v, `${path}.worker`, 200)),
    ctx: optional(root.ctx, (v) => expectRecord(v, `${path}.ctx`)),
    queued_at: optional(root.queued_at, (v) => expectQueuedAt(v, `${path}.queued_at`)),
  };
}

/** The ledger's created_at as the relay writes it (`2026-11-29 02:03:11.000`, UTC). */
function expectQueuedAt(value: unknown, path: string): string {
  const text = expectString(value, path, 40);
  if (!/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?$/.test(text)) {
    throw new SchemaError(path, `expected a time like 2026-01-31 12:00:00.000, got "${text}"`);
  }
  return text;
}

function parseTaskError(value: unknown, path: string): TaskError {
  const error = expectRecord(value, path);
  return {
    class: expectOneOf(error.class, `${path}.class`, ['transient', 'permanent'] as const),
    message: expectString(error.message, `${path}.message`, 100_000),
    retry_after_ms: optional(error.retry_after_ms, (v) =>
      expectInt(v, `${path}.retry_after_ms`, 0, 86_400_000),
    ),
    code: optional(error.code, (v) => expectString(v, `${path}.code`, 100)),
  };
}
