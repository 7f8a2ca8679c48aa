import { DEFAULT_BACKOFF, type TaskError, type TaskResult } from '@crawlflow/contracts';
import type { LedgerTaskState } from '@crawlflow/db';
import {
  backoffDelay,
  DEFAULT_BACKOFF_OPTIONS,
  MAX_RETRY_AFTER_MS,
  defaultResultPolicy,
  type BackoffOptions,
} from './retry-policy';

const steady = (value: number) => () => value;
const options = (fields: Partial<BackoffOptions> = {}): BackoffOptions => ({
  ...DEFAULT_BACKOFF_OPTIONS,
  ...fields,
});

describe('DEFAULT_BACKOFF_OPTIONS', () => {
  it('is the workflow definition’s default backoff, with equal jitter', () => {
    expect(DEFAULT_BACKOFF_OPTIONS).toEqual({
      baseMs: DEFAULT_BACKOFF.base_ms,
      capMs: DEFAULT_BACKOFF.max_ms,
      jitter: 0.5,
    });
    expect(DEFAULT_BACKOFF).toEqual({ base_ms: 1000, max_ms: 60_000 });
  });
});

describe('backoffDelay', () => {
  it('doubles per retry from the base until the cap', () => {
    const delays = [0, 1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, options({ jitter: 0 })));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]);
  });

  it('stays at the cap however many retries were made', () => {
    expect(backoffDelay(1000, options({ jitter: 0 }))).toBe(60_000);
    expect(backoffDelay(Number.MAX_SAFE_INTEGER, options(), undefined, steady(1))).toBe(60_000);
  });

  it('equal jitter: the delay lies between half and all of the exponential step', () => {
    expect(backoffDelay(2, DEFAULT_BACKOFF_OPTIONS, undefined, steady(0))).toBe(2000);
    expect(backoffDelay(2, DEFAULT_BACKOFF_OPTIONS, undefined, steady(0.5))).toBe(3000);
    expect(backoffDelay(2, DEFAULT_BACKOFF_OPTIONS, undefined, steady(0.999_999))).toBe(4000);
    expect(backoffDelay(6, DEFAULT_BACKOFF_OPTIONS, undefined, steady(0))).toBe(30_000);
  });

  it('with the default random source every delay stays within those bounds', () => {
    const delays = Array.from({ length: 200 }, () => backoffDelay(3));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(4000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(8000);
    expect(new Set(delays).size).toBeGreaterThan(1);
  });

  it('the jitter share decides how much of the delay is random', () => {
    expect(backoffDelay(1, options({ jitter: 1 }), undefined, steady(0))).toBe(0);
    expect(backoffDelay(1, options({ jitter: 0.25 }), undefined, steady(0))).toBe(1500);
    expect(backoffDelay(1, options({ jitter: 0 }), undefined, steady(0.9))).toBe(2000);
  });

  it('rounds to whole milliseconds', () => {
    expect(backoffDelay(0, { baseMs: 3, capMs: 100, jitter: 0.5 }, undefined, steady(0.5))).toBe(2);
  });

  it('a longer Retry-After wins; a shorter one does not shorten the backoff', () => {
    expect(backoffDelay(0, DEFAULT_BACKOFF_OPTIONS, 45_000, steady(1))).toBe(45_000);
    expect(backoffDelay(3, DEFAULT_BACKOFF_OPTIONS, 100, steady(0))).toBe(4000);
  });

  it('lets a Retry-After beyond the step cap win, up to an hour', () => {
    expect(backoffDelay(0, DEFAULT_BACKOFF_OPTIONS, 120_000, steady(0))).toBe(120_000);
    expect(backoffDelay(0, DEFAULT_BACKOFF_OPTIONS, 3 * MAX_RETRY_AFTER_MS, steady(0))).toBe(
      MAX_RETRY_AFTER_MS,
    );
  });
});

describe('defaultResultPolicy', () => {
  const state = (retryCount: number): LedgerTaskState => ({
    queueId: '1',
    taskId: '2',
    jobId: '3',
    queueStatus: 'PROCESSING',
    attemptCount: retryCount + 1,
    createdAt: '2026-06-05 12:00:00.000',
    retryCount,
  });
  const result = (error?: TaskError): TaskResult => ({
    v: 1,
    queue_id: '1',
    task_id: '2',
    job_id: '3',
    stage: 'fetch',
    attempt: 1,
    outcome: error ? 'FAILED' : 'SUCCESS',
    started_at: '2026-06-05T12:00:00.000Z',
    completed_at: '2026-06-05T12:00:01.000Z',
    response_time_ms: 1000,
    ...(error ? { error } : {}),
  });
  const policy = defaultResultPolicy(2, { baseMs: 100, capMs: 1000, jitter: 0 });
  const transient: TaskError = { class: 'transient', message: 'reset' };

  it('completes a success', () => {
    expect(policy(result(), state(0))).toEqual({ action: 'complete' });
  });

  it('retries a transient error maxRetries times with the backoff, then fails', () => {
    expect(policy(result(transient), state(0))).toEqual({ action: 'retry', delayMs: 100, reason: 'reset' });
    expect(policy(result(transient), state(1))).toEqual({ action: 'retry', delayMs: 200, reason: 'reset' });
    expect(policy(result(transient), state(2))).toEqual({ action: 'fail', reason: 'reset' });
  });

  it('fails a permanent error at once', () => {
    expect(policy(result({ class: 'permanent', message: 'bad payload' }), state(0))).toEqual({
      action: 'fail',
      reason: 'bad payload',
    });
  });
});
