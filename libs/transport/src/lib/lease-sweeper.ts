import { isRecord, isTerminalJobStatus, TASK_MESSAGE_VERSION, type TaskResult } from '@crawlflow/contracts';
import { ExpiredEntry, isSpilled, TaskData, TaskLedger, withDeadlockRetry } from '@crawlflow/db';
import { MessagingLogger, silentLogger } from '@crawlflow/messaging';
import type { DataSource } from 'typeorm';
import type { ResultApplier } from './result-applier';
import { noMetrics, TransportMetrics } from './transport-metrics';

const BATCH = 1000;

export interface LeaseSweeperOptions {
  leaseMs: number;
  /** Dispatches without a result after which the task fails instead (default 3). */
  maxDispatches?: number;
  /**
   * Fails exhausted entries through the result path, so the step's error_handling and the job's
   * counters see them; without one they are only marked FAILED (transport-only use).
   */
  applier?: ResultApplier;
  onRecovered?: () => void;
  logger?: MessagingLogger;
  metrics?: TransportMetrics;
}

/**
 * Finds entries whose lease ran out (their worker died or stopped renewing it, or the message was
 * lost with a broker that had not yet persisted it) and deals with each: dispatched again; failed
 * when its job has ended (nothing of a finished job runs again); or, after `maxDispatches`
 * dispatches without a result, failed through the result path with the reason, so a task that
 * kills or hangs its workers ends instead of looping. Safe on every replica: each move re-checks
 * the lease in the UPDATE that makes it.
 */
export class LeaseSweeper {
  private timer: NodeJS.Timeout | undefined;
  private sweeping = false;
  private readonly logger: MessagingLogger;
  private readonly metrics: TransportMetrics;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: LeaseSweeperOptions,
  ) {
    this.logger = options.logger ?? silentLogger;
    this.metrics = options.metrics ?? noMetrics;
  }

  /** How often a sweep runs: a recovered entry waits at most lease + this. */
  get intervalMs(): number {
    return Math.max(1000, Math.min(30_000, Math.floor(this.options.leaseMs / 2)));
  }

  start(): void {
    this.timer = setInterval(() => void this.sweep(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One sweep; returns how many entries it moved (0 when it failed: the next one tries again). */
  async sweep(): Promise<number> {
    if (this.sweeping) return 0;
    this.sweeping = true;
    try {
      let total = 0;
      for (;;) {
        const expired = await withDeadlockRetry(() => TaskLedger.expiredLeases(this.dataSource, BATCH));
        total += await this.settle(expired);
        if (expired.length < BATCH) break;
      }
      if (total > 0) this.options.onRecovered?.();
      return total;
    } catch (error) {
      this.metrics.roundFailed('sweep');
      this.logger.warn(`lease sweep failed: ${(error as Error).message}`, 'LeaseSweeper');
      return 0;
    } finally {
      this.sweeping = false;
    }
  }

  private async settle(expired: readonly ExpiredEntry[]): Promise<number> {
    const maxDispatches = this.options.maxDispatches ?? 3;
    const ended = expired.filter((e) => isTerminalJobStatus(e.jobStatus));
    // Exhausted: its lease ran out often enough since its last result, and it ran alone at least
    // once meanwhile (so it is not a bystander stuck behind another task on a wedged worker).
    const isExhausted = (e: ExpiredEntry): boolean =>
      e.leaseExpiries + 1 >= maxDispatches && e.quarantineStarts > 0;
    const live = expired.filter((e) => !isTerminalJobStatus(e.jobStatus));
    const exhausted = live.filter(isExhausted);
    const again = live.filter((e) => !isExhausted(e));
    let moved = 0;
    if (ended.length > 0) {
      moved += await withDeadlockRetry(() =>
        TaskLedger.releaseExpired(this.dataSource, ended, 'lease expired after its job ended: not run again'),
      );
    }
    if (again.length > 0) {
      const recovered = await withDeadlockRetry(() => TaskLedger.releaseExpired(this.dataSource, again));
      if (recovered > 0) {
        this.metrics.leasesRecovered(recovered);
        this.logger.warn(`${recovered} entries outlived their lease; dispatching them again`, 'LeaseSweeper');
      }
      moved += recovered;
    }
    if (exhausted.length > 0) moved += await this.fail(exhausted, maxDispatches);
    return moved;
  }

  private async fail(exhausted: readonly ExpiredEntry[], maxDispatches: number): Promise<number> {
    const reason = (e: ExpiredEntry): string =>
      `dispatched ${e.leaseExpiries + 1} times without a result (TASK_MAX_DISPATCHES ${maxDispatches}): ` +
      'the task kills or hangs its worker';
    // Re-checked one by one: a heartbeat or a result that came since the read wins.
    const entries: ExpiredEntry[] = [];
    for (const entry of exhausted)
      if (await TaskLedger.claimExhausted(this.dataSource, entry)) entries.push(entry);
    for (const entry of entries) this.logger.warn(`task ${entry.taskId}: ${reason(entry)}`, 'LeaseSweeper');
    if (!this.options.applier) {
      let moved = 0;
      for (const entry of entries)
        moved += await TaskLedger.releaseExpired(this.dataSource, [entry], reason(entry));
      return moved;
    }
    const contexts = await this.contexts(entries);
    const now = new Date().toISOString();
    const results: TaskResult[] = entries.map((e) => ({
      v: TASK_MESSAGE_VERSION,
      queue_id: e.id,
      task_id: e.taskId,
      job_id: e.jobId,
      stage: e.stage,
      attempt: e.attemptCount,
      outcome: 'FAILED',
      started_at: now,
      completed_at: now,
      response_time_ms: 0,
      error: { class: 'permanent', code: 'DISPATCH_LIMIT', message: reason(e) },
      queued_at: e.createdAt,
      ...(contexts.has(e.id) ? { ctx: contexts.get(e.id) } : {}),
    }));
    const outcome = await this.options.applier.apply(results);
    return outcome.applied.length;
  }

  /** The ctx each entry's payload carried: the engine needs it to know the step. */
  private async contexts(entries: readonly ExpiredEntry[]): Promise<Map<string, Record<string, unknown>>> {
    const payloads = await TaskLedger.payloads(this.dataSource, entries);
    const parsed = new Map<string, unknown>();
    for (const [id, text] of payloads) parsed.set(id, safeParse(text));
    const spilled = entries.filter((e) => isSpilled(parsed.get(e.id)));
    const whole = await TaskData.load(
      this.dataSource,
      spilled.map((e) => e.taskId),
      'PAYLOAD',
    );
    for (const e of spilled) parsed.set(e.id, safeParse(whole.get(e.taskId) ?? '{}'));
    const contexts = new Map<string, Record<string, unknown>>();
    for (const [id, payload] of parsed) {
      const ctx = isRecord(payload) ? payload.ctx : undefined;
      if (isRecord(ctx)) contexts.set(id, ctx);
    }
    return contexts;
  }
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
