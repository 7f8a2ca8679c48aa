import { EXCHANGES, SUSPECT_HEADER, taskRoutingKey, tierForQueueType } from '@crawlflow/contracts';
import { ClaimedEntry, isDatabaseContention, TaskLedger, withDeadlockRetry } from '@crawlflow/db';
import { ConfirmPublisher, MessagingLogger, OutgoingMessage, silentLogger } from '@crawlflow/messaging';
import type { DataSource } from 'typeorm';
import { noMetrics, TransportMetrics } from './transport-metrics';

export interface OutboxRelayOptions {
  batchSize: number;
  /**
   * Rounds in flight at once (default 2): while one waits for the broker's confirms and its
   * commit, the next claims and publishes. SKIP LOCKED keeps their batches disjoint.
   */
  concurrency?: number;
  intervalMs: number;
  leaseMs: number;
  logger?: MessagingLogger;
  metrics?: TransportMetrics;
}

/**
 * Publishes due WAITING ledger entries. Each round claims a batch with the original design's claim
 * query (docs/data-model.md#the-claim-query; FOR UPDATE SKIP LOCKED, so replicas and concurrent
 * rounds share the work), publishes it, waits for the broker's confirms and only then marks the
 * entries PROCESSING, in the same transaction. A crash before the commit leaves them WAITING: they
 * are published again (at-least-once; consumers dedup by ledger).
 */
export class OutboxRelay {
  private running = false;
  /** Bumped by every kick. */
  private kicks = 0;
  /**
   * The kick count when the latest claim of any loop began: a kick after it names entries no claim
   * has looked for yet, so some loop must claim again; kicks before it are covered already.
   */
  private claimedAfterKick = 0;
  /** Sleeping loops, and whether a kick may wake them (not while backing off after a failure). */
  private readonly sleepers = new Map<() => void, boolean>();
  /**
   * Entries a round of this process has published but not yet marked. Another replica could still
   * claim one in the moment between a dead transaction and its re-mark; a sibling round here won't.
   */
  private readonly unmarked = new Set<string>();
  private loops: Array<Promise<void>> = [];
  private readonly logger: MessagingLogger;
  private readonly metrics: TransportMetrics;

  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: ConfirmPublisher,
    private readonly options: OutboxRelayOptions,
  ) {
    this.logger = options.logger ?? silentLogger;
    this.metrics = options.metrics ?? noMetrics;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const loops = Math.max(1, this.options.concurrency ?? 2);
    this.loops = Array.from({ length: loops }, () => this.run());
  }

  /**
   * New entries were committed: look now instead of at the next interval. One sleeping loop wakes
   * (one claim finds them all; a second would find them locked and come back empty); when every
   * loop is in a round, the first to finish claims again.
   */
  kick(): void {
    this.kicks += 1;
    this.wakeOne();
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const wake of [...this.sleepers.keys()]) wake();
    await Promise.all(this.loops);
  }

  /** One round; returns how many entries were published. */
  async runOnce(): Promise<number> {
    if (!this.publisher.isReady()) return 0;
    let published: ClaimedEntry[] = [];
    let claimedHere: ClaimedEntry[] = [];
    try {
      return await this.dataSource.transaction(async (manager) => {
        published = [];
        const due = await TaskLedger.claimDue(manager, this.options.batchSize, this.unmarked);
        // Again after the claim: a sibling round may have added entries while it ran.
        const claimed = this.unmarked.size > 0 ? due.filter((e) => !this.unmarked.has(e.id)) : due;
        if (claimed.length === 0) return 0;
        for (const entry of claimed) this.unmarked.add(entry.id);
        claimedHere = claimed;
        await this.publisher.publishAll(claimed.map(toMessage));
        published = claimed;
        await TaskLedger.markDispatched(manager, claimed, this.options.leaseMs);
        for (const entry of claimed) this.metrics.published(entry.stage, 1);
        return claimed.length;
      });
    } catch (error) {
      if (published.length === 0) throw error;
      const entries = published;
      // The messages are out but the transaction that marks them died (a deadlock victim, a lost
      // connection): mark them now, or every one would be published a second time.
      await withDeadlockRetry(() =>
        this.dataSource.transaction((manager) =>
          TaskLedger.markDispatched(manager, entries, this.options.leaseMs),
        ),
      );
      for (const entry of entries) this.metrics.published(entry.stage, 1);
      return entries.length;
    } finally {
      for (const entry of claimedHere) this.unmarked.delete(entry.id);
    }
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      let published = 0;
      this.claimedAfterKick = this.kicks;
      try {
        published = await this.runOnce();
        failures = 0;
      } catch (error) {
        if (isDatabaseContention(error)) {
          // A deadlock victim before anything was published (runOnce marks what it published): the
          // entries are still WAITING, so the next round takes them after a moment, not a backoff.
          await this.sleep(5 + Math.random() * 20, false);
          continue;
        }
        failures += 1;
        this.metrics.roundFailed('relay');
        this.logger.warn(
          `relay round failed (entries stay WAITING): ${(error as Error).message}`,
          'OutboxRelay',
        );
      }
      if (failures > 0) {
        await this.sleep(Math.min(5000, this.options.intervalMs * 2 ** failures), false);
        continue;
      }
      if (published >= this.options.batchSize) {
        this.wakeOne(); // a full batch: more is due, and a second loop can claim it meanwhile
        continue;
      }
      if (this.kicks !== this.claimedAfterKick) continue; // committed since the last claim began
      const pause = published > 0 ? this.options.intervalMs : await this.idlePause();
      if (this.kicks === this.claimedAfterKick) await this.sleep(pause, true);
    }
  }

  /**
   * After an empty claim: until the next entry is due (a retry's backoff), at most one interval
   * (entries of other replicas, leases that run out). Entries due now that the claim did not get are
   * locked by another round, which publishes them: no reason to look again before the interval.
   */
  private async idlePause(): Promise<number> {
    try {
      const nextDue = await TaskLedger.nextDueInMs(this.dataSource);
      return nextDue === undefined || nextDue <= 0
        ? this.options.intervalMs
        : Math.min(this.options.intervalMs, nextDue + 5);
    } catch {
      return this.options.intervalMs;
    }
  }

  private wakeOne(): void {
    for (const [wake, byKick] of this.sleepers) {
      if (byKick) return wake();
    }
  }

  private sleep(ms: number, wakeOnKick: boolean): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.set(wake, wakeOnKick);
    });
  }
}

function toMessage(entry: ClaimedEntry): OutgoingMessage {
  // The payload column already holds JSON: splice it in rather than parse and re-serialise it.
  const content = Buffer.from(
    `{"v":1,"queue_id":"${entry.id}","task_id":"${entry.taskId}","job_id":"${entry.jobId}",` +
      `"stage":"${entry.stage}","attempt":${entry.attempt},"queued_at":"${entry.createdAt}","payload":${entry.payload}}`,
  );
  return {
    exchange: EXCHANGES.tasks,
    routingKey: taskRoutingKey(entry.stage, tierForQueueType(entry.queueType)),
    content,
    options: {
      messageId: `${entry.id}:${entry.attempt}`,
      persistent: true,
      ...(entry.suspect ? { headers: { [SUSPECT_HEADER]: 1 } } : {}),
    },
  };
}
