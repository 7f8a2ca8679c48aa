import type { TaskResult } from '@crawlflow/contracts';
import {
  AppliedResult,
  isDatabaseUnavailable,
  isTransientDatabaseError,
  LedgerTaskState,
  probeDatabase,
  TaskLedger,
  withDeadlockRetry,
} from '@crawlflow/db';
import type { DataSource, EntityManager } from 'typeorm';
import { ResultPolicy } from './retry-policy';
import { noMetrics, TransportMetrics } from './transport-metrics';

/** Runs inside the transaction that applied a batch: the engine advances jobs here. */
export type AppliedHook = (manager: EntityManager, applied: readonly AppliedResult[]) => Promise<unknown>;

export interface ResultApplierOptions {
  policy: ResultPolicy;
  /** Runs in the transaction before the policy decides (e.g. to load the jobs' definitions). */
  prepare?: (manager: EntityManager, results: readonly TaskResult[]) => Promise<void>;
  onApplied?: AppliedHook;
  metrics?: TransportMetrics;
}

/** A result that cannot be applied, and why (dead-lettered by the consumer). */
export interface RefusedResult {
  result: TaskResult;
  reason: string;
}

export interface ApplyOutcome {
  applied: AppliedResult[];
  /** Results naming no ledger entry, or another task's. */
  strays: RefusedResult[];
  /** Results that could not be applied even as a failure of their task. */
  unapplicable: RefusedResult[];
  /** Results whose success could not be stored, applied as a permanent failure of their task. */
  refused: RefusedResult[];
}

const EMPTY: ApplyOutcome = { applied: [], strays: [], unapplicable: [], refused: [] };

/**
 * Writes worker results to the ledger and lets the engine react, with no broker in sight. A batch is
 * one transaction; when the database refuses it for a reason that will not go away (a value no
 * column holds, a bug met by one result), the batch is split and the halves applied on their own,
 * down to the one result at fault: that result fails its task with the reason, every other one is
 * applied. Infrastructure errors (database unreachable, deadlocks past their retries) are thrown:
 * the same batch succeeds once the database answers.
 */
export class ResultApplier {
  private readonly metrics: TransportMetrics;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: ResultApplierOptions,
  ) {
    this.metrics = options.metrics ?? noMetrics;
  }

  async apply(results: readonly TaskResult[]): Promise<ApplyOutcome> {
    if (results.length === 0) return EMPTY;
    try {
      return await this.applyBatch(results);
    } catch (error) {
      if (isTransientDatabaseError(error) && !(await this.batchBrokeTheConnection(error))) throw error;
      if (results.length === 1) return this.applyAsFailure(results[0], error);
      const half = Math.ceil(results.length / 2);
      const first = await this.apply(results.slice(0, half));
      const second = await this.apply(results.slice(half));
      return {
        applied: [...first.applied, ...second.applied],
        strays: [...first.strays, ...second.strays],
        unapplicable: [...first.unapplicable, ...second.unapplicable],
        refused: [...first.refused, ...second.refused],
      };
    }
  }

  /**
   * A lost connection with the database answering at once means the batch itself broke it (a
   * statement over max_allowed_packet drops the connection): split it rather than try it again
   * for ever. A real outage does not answer, and the batch waits.
   */
  private async batchBrokeTheConnection(error: unknown): Promise<boolean> {
    if (!isDatabaseUnavailable(error)) return false;
    try {
      await probeDatabase(this.dataSource);
      return true;
    } catch {
      return false;
    }
  }

  /** The one result the database refused: its task fails with the reason, permanently. */
  private async applyAsFailure(result: TaskResult, error: unknown): Promise<ApplyOutcome> {
    const reason = `the result could not be applied: ${(error as Error)?.message ?? String(error)}`;
    const failed: TaskResult = {
      ...result,
      outcome: 'FAILED',
      error: { class: 'permanent', code: 'RESULT_REFUSED', message: reason.slice(0, 2000) },
    };
    delete failed.output;
    try {
      const outcome = await this.applyBatch([failed]);
      return { ...outcome, refused: [{ result, reason }] };
    } catch (second) {
      if (isTransientDatabaseError(second)) throw second;
      return { ...EMPTY, unapplicable: [{ result, reason }] };
    }
  }

  private async applyBatch(results: readonly TaskResult[]): Promise<ApplyOutcome> {
    let strays: RefusedResult[] = [];
    const applied = await withDeadlockRetry(() =>
      this.dataSource.transaction(async (manager) => {
        strays = [];
        if (this.options.prepare) await this.options.prepare(manager, results);
        const completed = await this.completeAll(manager, results);
        if (completed) return completed;
        const states = await TaskLedger.lockStates(
          manager,
          results.map((r) => ({ id: r.queue_id, ...(r.queued_at ? { createdAt: r.queued_at } : {}) })),
          new Set(results.filter((r) => r.outcome === 'FAILED').map((r) => r.queue_id)),
        );
        const seen = new Set<string>();
        const decided: AppliedResult[] = [];
        for (const result of results) {
          const state = states.get(result.queue_id);
          if (!state || state.taskId !== result.task_id) {
            strays.push({
              result,
              reason: `unknown ledger entry ${result.queue_id} for task ${result.task_id}`,
            });
            continue;
          }
          if (seen.has(result.queue_id) || isSettled(result, state)) {
            this.metrics.resultApplied(result.stage, 'duplicate', 1);
            continue;
          }
          seen.add(result.queue_id);
          decided.push({ result, state, decision: this.options.policy(result, state) });
        }
        await TaskLedger.applyResults(manager, decided);
        await this.afterApply(manager, decided);
        return decided;
      }),
    );
    return { ...EMPTY, applied, strays };
  }

  /**
   * The common batch, all successes of open entries, in one UPDATE without reading the entries
   * first. When the batch holds anything else (a failure, a duplicate, an entry already finished or
   * unknown) the UPDATE is undone and undefined returned: the caller takes the careful path.
   */
  private async completeAll(
    manager: EntityManager,
    results: readonly TaskResult[],
  ): Promise<AppliedResult[] | undefined> {
    const ids = new Set(results.map((r) => r.queue_id));
    if (ids.size !== results.length || results.some((r) => r.outcome !== 'SUCCESS')) return undefined;
    const applied: AppliedResult[] = [];
    for (const result of results) {
      const state: LedgerTaskState = {
        queueId: result.queue_id,
        taskId: result.task_id,
        jobId: result.job_id,
        queueStatus: 'PROCESSING',
        attemptCount: result.attempt,
        createdAt: result.queued_at ?? '',
        retryCount: 0,
      };
      const decision = this.options.policy(result, state);
      if (decision.action !== 'complete') return undefined;
      applied.push({ result, state, decision });
    }
    const completed = await TaskLedger.completeAllOpen(
      manager,
      results.map((r) => ({
        id: r.queue_id,
        taskId: r.task_id,
        jobId: r.job_id,
        ...(r.queued_at ? { createdAt: r.queued_at } : {}),
      })),
    );
    if (!completed) return undefined;
    await TaskLedger.applyResults(manager, applied, true);
    await this.afterApply(manager, applied);
    return applied;
  }

  private async afterApply(manager: EntityManager, applied: AppliedResult[]): Promise<void> {
    if (this.options.onApplied && applied.length > 0) await this.options.onApplied(manager, applied);
  }
}

/**
 * Already judged: the entry finished, or — for a failure — the attempt it reports is not the one
 * the entry is waiting for (a redelivered or stale failure must not count a retry twice or fail a
 * task whose newer attempt may still succeed). A success of any attempt completes an open entry.
 */
function isSettled(result: TaskResult, state: LedgerTaskState): boolean {
  if (state.queueStatus === 'COMPLETED' || state.queueStatus === 'FAILED') return true;
  if (result.outcome === 'SUCCESS') return false;
  return state.queueStatus !== 'PROCESSING' || result.attempt !== state.attemptCount;
}
