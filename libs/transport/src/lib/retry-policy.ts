import { DEFAULT_BACKOFF, type TaskResult } from '@crawlflow/contracts';
import type { LedgerTaskState, ResultDecision } from '@crawlflow/db';

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  /** 0..1: share of the delay that is randomised ("equal jitter"). */
  jitter: number;
}

/** A step's default backoff (defined once, with the workflow definition), with equal jitter. */
export const DEFAULT_BACKOFF_OPTIONS: BackoffOptions = {
  baseMs: DEFAULT_BACKOFF.base_ms,
  capMs: DEFAULT_BACKOFF.max_ms,
  jitter: 0.5,
};

/** The longest a server's Retry-After may hold a retry back (a longer ask is taken as this). */
export const MAX_RETRY_AFTER_MS = 60 * 60_000;

/**
 * Capped exponential backoff with jitter; a server's Retry-After wins when it is longer, beyond the
 * step's cap too (retrying before the server asked spends a retry on another 429), up to an hour.
 */
export function backoffDelay(
  retryCount: number,
  options: BackoffOptions = DEFAULT_BACKOFF_OPTIONS,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(options.capMs, options.baseMs * 2 ** Math.min(retryCount, 30));
  const jittered = exponential * (1 - options.jitter) + exponential * options.jitter * random();
  return Math.round(Math.max(jittered, Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS)));
}

/**
 * Decides what a finished delivery does to its ledger entry. It must be a pure judgement: the
 * processor may ask twice for one result (a batch retried after a deadlock, or moved from the
 * quick path to the careful one).
 */
export type ResultPolicy = (result: TaskResult, state: LedgerTaskState) => ResultDecision;

/** Transport default: transient errors are retried `maxRetries` times, permanent ones fail at once. */
export function defaultResultPolicy(
  maxRetries = 3,
  backoff: BackoffOptions = DEFAULT_BACKOFF_OPTIONS,
): ResultPolicy {
  return (result, state) => {
    if (result.outcome === 'SUCCESS') return { action: 'complete' };
    const error = result.error ?? { class: 'transient' as const, message: 'failed without an error' };
    if (error.class === 'transient' && state.retryCount < maxRetries) {
      return {
        action: 'retry',
        delayMs: backoffDelay(state.retryCount, backoff, error.retry_after_ms),
        reason: error.message,
      };
    }
    return { action: 'fail', reason: error.message };
  };
}
