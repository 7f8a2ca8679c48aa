import type { TaskResult } from '@crawlflow/contracts';
import type { LedgerTaskState, ResultDecision } from '@crawlflow/db';
import { backoffDelay } from '@crawlflow/transport';
import type { WorkflowRuntime } from './workflow-runtime';

/** Codes that end a paginated list instead of failing the job. */
const END_OF_LIST = new Set(['HTTP_404', 'HTTP_410']);

export function stepIndexOf(result: TaskResult): number {
  const step = result.ctx?.step;
  return typeof step === 'number' && Number.isInteger(step) && step >= 0 ? step : 0;
}

/** A paginated list FETCH that found no such page: the list ended there. */
export function isEndOfList(runtime: WorkflowRuntime, result: TaskResult): boolean {
  const step = runtime.definition.steps[stepIndexOf(result)];
  return (
    result.outcome === 'FAILED' &&
    step?.type === 'FETCH' &&
    step.config.pagination &&
    typeof result.ctx?.page === 'number' &&
    END_OF_LIST.has(result.error?.code ?? '')
  );
}

/**
 * The error taxonomy meets the step's error_handling: only RETRY retries, and only transient errors
 * (timeouts, connection errors, 5xx, 429), with the step's capped exponential backoff and jitter,
 * honouring Retry-After, up to max_retries. Permanent errors (other 4xx, parse and validation
 * errors) never retry. SKIP and FAIL act on the first failure.
 */
export function decideResult(
  runtime: WorkflowRuntime | undefined,
  result: TaskResult,
  state: LedgerTaskState,
): ResultDecision {
  if (result.outcome === 'SUCCESS') return { action: 'complete' };
  if (!runtime) return { action: 'fail', reason: result.error?.message ?? 'failed' };
  if (isEndOfList(runtime, result)) return { action: 'complete' };
  const step = runtime.definition.steps[stepIndexOf(result)];
  const error = result.error ?? { class: 'transient' as const, message: 'failed without an error' };
  const reason = `${step?.name ?? 'step'}: ${error.code ? `${error.code} ` : ''}${error.message}`;
  if (
    step?.error_handling === 'RETRY' &&
    error.class === 'transient' &&
    state.retryCount < step.max_retries
  ) {
    return {
      action: 'retry',
      delayMs: backoffDelay(
        state.retryCount,
        { baseMs: step.backoff.base_ms, capMs: step.backoff.max_ms, jitter: 0.5 },
        error.retry_after_ms,
      ),
      reason,
    };
  }
  return { action: 'fail', reason };
}
