import type { TaskError } from '@crawlflow/contracts';
import {
  failedResult,
  fetchStep,
  ledgerState,
  listDetailStore,
  parseStep,
  runtimeOf,
  storeStep,
  taskResult,
} from './execution.fixtures';
import { decideResult, isEndOfList, stepIndexOf } from './result-decision';

const shop = listDetailStore();
const DETAIL = { step: 2 };
const unavailable: TaskError = { class: 'transient', code: 'HTTP_503', message: 'unavailable' };
const notFound: TaskError = { class: 'permanent', code: 'HTTP_404', message: 'not found' };

/** Pins the backoff's jitter: 0 gives the shortest delay, 1 the longest. */
const withRandom = <T>(value: number, run: () => T): T => {
  const spy = jest.spyOn(Math, 'random').mockReturnValue(value);
  try {
    return run();
  } finally {
    spy.mockRestore();
  }
};

const decide = (
  error: TaskError,
  ctx: { step: number; page?: number } = DETAIL,
  retryCount = 0,
  runtime = shop,
) => decideResult(runtime, failedResult(runtime, ctx, error), ledgerState({ retryCount }));

describe('decideResult', () => {
  it('a success completes, whatever the step', () => {
    const fail = runtimeOf(fetchStep({}, { error_handling: 'FAIL' }), parseStep());
    expect(decideResult(fail, taskResult(fail, { step: 0 }), ledgerState())).toEqual({ action: 'complete' });
  });

  it('a failure of a job whose workflow is not loaded fails with the worker’s message', () => {
    const result = failedResult(shop, DETAIL, unavailable);
    expect(decideResult(undefined, result, ledgerState())).toEqual({ action: 'fail', reason: 'unavailable' });
    expect(decideResult(undefined, { ...result, error: undefined }, ledgerState())).toEqual({
      action: 'fail',
      reason: 'failed',
    });
  });

  describe('a RETRY step', () => {
    it('retries a transient error, naming the step and the code', () => {
      expect(withRandom(0, () => decide(unavailable))).toEqual({
        action: 'retry',
        delayMs: 500,
        reason: 'fetch_detail: HTTP_503 unavailable',
      });
    });

    it('waits its own backoff: doubling per retry up to its cap, up to half of it random', () => {
      expect(withRandom(0, () => decide(unavailable, DETAIL, 2))).toMatchObject({ delayMs: 2000 });
      expect(withRandom(1, () => decide(unavailable, DETAIL, 2))).toMatchObject({ delayMs: 4000 });
      const quick = runtimeOf(
        fetchStep({}, { max_retries: 10, backoff: { base_ms: 200, max_ms: 1000 } }),
        parseStep(),
      );
      expect(withRandom(1, () => decide(unavailable, { step: 0 }, 2, quick))).toMatchObject({ delayMs: 800 });
      expect(withRandom(1, () => decide(unavailable, { step: 0 }, 9, quick))).toMatchObject({
        delayMs: 1000,
      });
    });

    it('waits as long as a longer Retry-After asks', () => {
      const limited = { ...unavailable, code: 'HTTP_429', retry_after_ms: 30_000 };
      expect(withRandom(1, () => decide(limited))).toMatchObject({ action: 'retry', delayMs: 30_000 });
    });

    it('fails once max_retries retries are spent', () => {
      expect(decide(unavailable, DETAIL, 2)).toMatchObject({ action: 'retry' });
      expect(decide(unavailable, DETAIL, 3)).toEqual({
        action: 'fail',
        reason: 'fetch_detail: HTTP_503 unavailable',
      });
      const never = runtimeOf(fetchStep({}, { max_retries: 0 }), parseStep());
      expect(decide(unavailable, { step: 0 }, 0, never)).toMatchObject({ action: 'fail' });
    });

    it('never retries a permanent error', () => {
      const invalid: TaskError = { class: 'permanent', code: 'VALIDATION', message: 'price: required' };
      expect(decide(invalid)).toEqual({ action: 'fail', reason: 'fetch_detail: VALIDATION price: required' });
    });

    it('treats a failure without an error as transient', () => {
      const result = { ...failedResult(shop, DETAIL, unavailable), error: undefined };
      expect(withRandom(0, () => decideResult(shop, result, ledgerState()))).toEqual({
        action: 'retry',
        delayMs: 500,
        reason: 'fetch_detail: failed without an error',
      });
    });
  });

  it.each(['SKIP', 'FAIL'] as const)('a %s step fails on its first transient error', (handling) => {
    const runtime = runtimeOf(parseStep({}, { name: 'p', error_handling: handling }), storeStep());
    const timeout: TaskError = { class: 'transient', message: 'timed out' };
    expect(decide(timeout, { step: 0 }, 0, runtime)).toEqual({ action: 'fail', reason: 'p: timed out' });
  });

  describe('the end of a paginated list', () => {
    it.each(['HTTP_404', 'HTTP_410'])('a list page answering %s completes', (code) => {
      expect(decide({ ...notFound, code }, { step: 0, page: 7 })).toEqual({ action: 'complete' });
    });

    it('a missing detail page, or a list FETCH without a page number, fails', () => {
      expect(decide(notFound)).toEqual({ action: 'fail', reason: 'fetch_detail: HTTP_404 not found' });
      expect(decide(notFound, { step: 0 })).toMatchObject({ action: 'fail' });
    });

    it('a missing page of a list without pagination fails', () => {
      const single = listDetailStore({ pagination: false });
      expect(decide(notFound, { step: 0, page: 1 }, 0, single)).toMatchObject({ action: 'fail' });
      expect(isEndOfList(single, failedResult(single, { step: 0, page: 1 }, notFound))).toBe(false);
    });

    it('a list page failing otherwise is retried like any FETCH', () => {
      expect(decide(unavailable, { step: 0, page: 7 })).toMatchObject({ action: 'retry' });
    });
  });

  it('a result naming a step the definition lacks fails without a retry', () => {
    expect(decide(unavailable, { step: 9 })).toEqual({
      action: 'fail',
      reason: 'step: HTTP_503 unavailable',
    });
  });
});

describe('stepIndexOf', () => {
  it('reads ctx.step, and takes step 0 when it is missing or not a valid index', () => {
    const withCtx = (ctx: Record<string, unknown> | undefined) => ({ ...taskResult(shop, { step: 0 }), ctx });
    expect(stepIndexOf(withCtx({ step: 3 }))).toBe(3);
    expect(
      [undefined, {}, { step: -1 }, { step: 1.5 }, { step: '2' }].map((c) => stepIndexOf(withCtx(c))),
    ).toEqual([0, 0, 0, 0, 0]);
  });
});
