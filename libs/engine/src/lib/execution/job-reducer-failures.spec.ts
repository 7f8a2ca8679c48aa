import { MAX_ERRORS_KEPT, type StepResults } from './execution-state';
import {
  applied,
  failedResult,
  fetchStep,
  listDetailStore,
  listState,
  parseStep,
  product,
  reduce,
  runtimeOf,
  scopesOf,
  taskResult,
} from './execution.fixtures';

const shop = listDetailStore();

describe('reduceResults', () => {
  describe('failures and retries', () => {
    const transient = { class: 'transient' as const, message: 'socket hang up' };

    it('a retry counts as retried, not processed, and stays in flight', () => {
      const result = failedResult(shop, { step: 2 }, transient);
      const delta = reduce(shop, [applied(result, { action: 'retry', delayMs: 1000, reason: 'x' })]);
      expect([delta.processed, delta.succeeded, delta.failed]).toEqual([0, 0, 0]);
      expect(delta.state.retries).toBe(1);
      expect(delta.stepResults.fetch_detail).toMatchObject({ tasks: 0, retried: 1 });
      expect(delta.state.in_flight).toBe(4);
      expect(delta.withdrawn).toEqual([]);
    });

    it('a retry of a job that ended is withdrawn instead', () => {
      const result = failedResult(shop, { step: 2 }, transient);
      const decision = { action: 'retry' as const, delayMs: 1000, reason: 'x' };
      const delta = reduce(shop, [applied(result, decision, { createdAt: '2026-06-05 11:59:00.000' })], {
        job: { status: 'CANCELLED' },
      });
      expect(delta.withdrawn).toEqual([{ id: result.queue_id, createdAt: '2026-06-05 11:59:00.000' }]);
    });

    it('a failed RETRY step is a hard failure with its reason noted, and does not end the job', () => {
      const result = failedResult(shop, { step: 2 }, transient);
      const delta = reduce(shop, [
        applied(result, { action: 'fail', reason: 'fetch_detail: socket hang up' }),
      ]);
      expect([delta.processed, delta.succeeded, delta.failed]).toEqual([1, 0, 1]);
      expect(delta.state.hard_failures).toBe(1);
      expect(delta.state.skipped_failures).toBe(0);
      expect(delta.state.errors).toEqual(['fetch_detail: socket hang up']);
      expect(delta.failReason).toBeUndefined();
      expect(delta.stepResults.fetch_detail).toMatchObject({ tasks: 1, failed: 1, total_ms: 250 });
    });

    it('a failed SKIP step is a skipped failure', () => {
      const runtime = runtimeOf(fetchStep({}, { error_handling: 'SKIP' }), parseStep());
      const result = failedResult(runtime, { step: 0 }, transient);
      const delta = reduce(runtime, [applied(result, { action: 'fail', reason: 'r' })]);
      expect(delta.state.skipped_failures).toBe(1);
      expect(delta.state.hard_failures).toBe(0);
      expect(delta.failReason).toBeUndefined();
    });

    it('a failed FAIL step ends the job with the first such reason of the batch', () => {
      const runtime = runtimeOf(fetchStep({}, { error_handling: 'FAIL' }), parseStep());
      const delta = reduce(runtime, [
        applied(failedResult(runtime, { step: 0 }, transient), { action: 'fail', reason: 'first' }),
        applied(failedResult(runtime, { step: 0 }, transient), { action: 'fail', reason: 'second' }),
      ]);
      expect(delta.failReason).toBe('first');
      expect(delta.state.hard_failures).toBe(2);
    });

    it(`keeps only the first ${MAX_ERRORS_KEPT} reasons`, () => {
      const failures = Array.from({ length: MAX_ERRORS_KEPT + 2 }, (_, i) =>
        applied(failedResult(shop, { step: 2 }, transient), { action: 'fail', reason: `reason ${i}` }),
      );
      const delta = reduce(shop, failures);
      expect(delta.state.errors).toHaveLength(MAX_ERRORS_KEPT);
      expect(delta.state.errors.at(-1)).toBe(`reason ${MAX_ERRORS_KEPT - 1}`);
      expect(delta.state.hard_failures).toBe(MAX_ERRORS_KEPT + 2);
    });

    it('a list page that is not there (404) succeeds and closes the list', () => {
      const missing = failedResult(
        shop,
        { step: 0, page: 4 },
        { class: 'permanent', code: 'HTTP_404', message: 'not found' },
      );
      const delta = reduce(shop, [applied(missing)]);
      expect([delta.processed, delta.succeeded, delta.failed]).toEqual([1, 1, 0]);
      expect(delta.state.pagination).toEqual({ next_page: 5, last_page: 10, stopped_at: 4 });
      expect(delta.planned).toEqual([]);
    });
  });

  describe('bookkeeping', () => {
    it('returns a new state and leaves its inputs untouched', () => {
      const state = listState();
      const stepResults: StepResults = {};
      const before = structuredClone(state);
      reduce(
        shop,
        [
          applied(
            taskResult(shop, { step: 1, page: 2 }, { output: { page_id: '5', records: [product(1)] } }),
          ),
        ],
        {
          state,
          stepResults,
        },
      );
      expect(state).toEqual(before);
      expect(stepResults).toEqual({});
    });

    it('drops the scopes that older jobs kept in their state', () => {
      const state = listState({ scopes: scopesOf({ params: { q: 'x' } }) });
      expect(reduce(shop, [], { state }).state).not.toHaveProperty('scopes');
    });

    it('processed results leave the in-flight count, which never goes below zero', () => {
      const done = () => applied(taskResult(shop, { step: 4 }, { output: { inserted: 1 } }));
      expect(reduce(shop, [done(), done()], { state: listState({ in_flight: 5 }) }).state.in_flight).toBe(3);
      expect(reduce(shop, [done(), done()], { state: listState({ in_flight: 1 }) }).state.in_flight).toBe(0);
    });

    it('the current step is the step of the last result; results of unknown steps are ignored', () => {
      const delta = reduce(shop, [
        applied(taskResult(shop, { step: 4 }, { output: { inserted: 1 } })),
        applied(taskResult(shop, { step: 9 }, { output: {} })),
      ]);
      expect(delta.currentStep).toBe('store');
      expect(delta.processed).toBe(1);
    });
  });
});
