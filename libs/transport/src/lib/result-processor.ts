import {
  DEAD_REASON_HEADER,
  deadQueueName,
  EXCHANGES,
  parseTaskResultBatch,
  RESULTS_QUEUE,
  SchemaError,
  TASK_MESSAGE_VERSION,
  TaskResult,
} from '@crawlflow/contracts';
import { AppliedResult, LedgerTaskState, TaskLedger } from '@crawlflow/db';
import {
  AmqpClient,
  ConfirmPublisher,
  declareResultsQueue,
  MessagingLogger,
  silentLogger,
} from '@crawlflow/messaging';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { DataSource, EntityManager } from 'typeorm';
import { deadLetter } from './dead-letter';
import { ResultPolicy } from './retry-policy';
import { noMetrics, TransportMetrics } from './transport-metrics';
import { withDeadlockRetry } from './with-deadlock-retry';

/** Runs inside the transaction that applied a batch: the engine advances jobs here. */
export type AppliedHook = (manager: EntityManager, applied: readonly AppliedResult[]) => Promise<void>;

export interface ResultProcessorOptions {
  prefetch: number;
  maxBatch: number;
  /** Batches applied at once. */
  concurrency: number;
  policy: ResultPolicy;
  /** Runs in the transaction before the policy decides (e.g. to load the jobs' definitions). */
  prepare?: (manager: EntityManager, results: readonly TaskResult[]) => Promise<void>;
  onApplied?: AppliedHook;
  /** Called after the commit, e.g. to kick the relay for tasks the hook enqueued. */
  afterCommit?: (applied: readonly AppliedResult[]) => void;
  logger?: MessagingLogger;
  metrics?: TransportMetrics;
}

interface Received {
  message: ConsumeMessage;
  channel: Channel;
}

/**
 * Consumes worker results and writes them to the ledger in batches: one transaction locks the
 * batch's entries, drops duplicates (an entry already COMPLETED or FAILED), applies each decision
 * and lets the engine react; the messages are acked only after the commit.
 */
export class ResultProcessor {
  private buffer: Received[] = [];
  private processing = 0;
  private stopping = false;
  private scheduled = false;
  private channel: { channel: Channel; consumerTag: string } | undefined;
  private idleWaiters: Array<() => void> = [];
  private readonly logger: MessagingLogger;
  private readonly metrics: TransportMetrics;

  constructor(
    private readonly client: AmqpClient,
    private readonly dataSource: DataSource,
    private readonly publisher: ConfirmPublisher,
    private readonly options: ResultProcessorOptions,
  ) {
    this.logger = options.logger ?? silentLogger;
    this.metrics = options.metrics ?? noMetrics;
  }

  async start(): Promise<void> {
    this.client.onDisconnect(() => {
      this.channel = undefined;
      this.buffer = []; // unacked: the broker redelivers them
    });
    await this.client.addSetup((connection) => this.consume(connection));
  }

  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    const current = this.channel;
    if (current) await current.channel.cancel(current.consumerTag).catch(() => undefined);
    if (this.processing > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.idleWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (current) await current.channel.close().catch(() => undefined);
  }

  private async consume(connection: ChannelModel): Promise<void> {
    if (this.stopping) return;
    const channel = await connection.createChannel();
    channel.on('error', (error: Error) =>
      this.logger.warn(`results channel error: ${error.message}`, 'ResultProcessor'),
    );
    await declareResultsQueue(channel);
    await channel.prefetch(this.options.prefetch);
    const { consumerTag } = await channel.consume(RESULTS_QUEUE, (message) => {
      if (!message) return;
      this.buffer.push({ message, channel });
      this.pump();
    });
    this.channel = { channel, consumerTag };
  }

  /**
   * Up to `concurrency` batches at once: they touch disjoint entries (a delivery is in one batch
   * only), and READ COMMITTED keeps InnoDB from taking gap locks between them.
   */
  private pump(): void {
    if (this.scheduled || this.processing >= this.options.concurrency || this.buffer.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const batch = this.buffer.splice(0, this.options.maxBatch);
      if (batch.length === 0) return;
      this.processing += 1;
      this.process(batch)
        .catch((error: unknown) =>
          this.logger.error(`result batch failed: ${(error as Error).message}`, 'ResultProcessor'),
        )
        .finally(() => {
          this.processing -= 1;
          if (this.processing === 0 && this.buffer.length === 0)
            for (const waiter of this.idleWaiters.splice(0)) waiter();
          this.pump();
        });
      this.pump();
    });
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
    if (results.length === 0) return undefined;
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
    await manager.query('SAVEPOINT complete_all');
    const changed = await TaskLedger.completeOpen(
      manager,
      results.map((r) => ({
        id: r.queue_id,
        taskId: r.task_id,
        jobId: r.job_id,
        ...(r.queued_at ? { createdAt: r.queued_at } : {}),
      })),
    );
    if (changed !== results.length) {
      await manager.query('ROLLBACK TO SAVEPOINT complete_all');
      return undefined;
    }
    await TaskLedger.applyResults(manager, applied, true);
    await this.afterApply(manager, applied);
    return applied;
  }

  private async afterApply(manager: EntityManager, applied: AppliedResult[]): Promise<void> {
    if (this.options.onApplied && applied.length > 0) await this.options.onApplied(manager, applied);
  }

  private async process(batch: Received[]): Promise<void> {
    const valid: Array<{ received: Received; result: TaskResult }> = [];
    const refused: Array<{ received: Received; reason: string }> = [];
    for (const received of batch) {
      try {
        for (const result of parseTaskResultBatch(received.message.content).results)
          valid.push({ received, result });
      } catch (error) {
        refused.push({ received, reason: error instanceof SchemaError ? error.message : String(error) });
      }
    }

    let applied: AppliedResult[] = [];
    let strays: Array<{ result: TaskResult; reason: string }> = [];
    try {
      let unknown: Array<{ result: TaskResult; reason: string }> = [];
      applied = await withDeadlockRetry(() =>
        this.dataSource.transaction('READ COMMITTED', async (manager) => {
          unknown = [];
          const results = valid.map((v) => v.result);
          if (this.options.prepare && results.length > 0) await this.options.prepare(manager, results);
          const completed = await this.completeAll(manager, results);
          if (completed) return completed;
          const entries = new Map(valid.map((v) => [v.result.queue_id, v.result.queued_at]));
          const states = await TaskLedger.lockStates(
            manager,
            [...entries].map(([id, createdAt]) => ({ id, ...(createdAt ? { createdAt } : {}) })),
            new Set(valid.filter((v) => v.result.outcome === 'FAILED').map((v) => v.result.queue_id)),
          );
          const seen = new Set<string>();
          const decided: AppliedResult[] = [];
          for (const { result } of valid) {
            const state = states.get(result.queue_id);
            if (!state || state.taskId !== result.task_id) {
              unknown.push({
                result,
                reason: `unknown ledger entry ${result.queue_id} for task ${result.task_id}`,
              });
              continue;
            }
            if (
              seen.has(result.queue_id) ||
              state.queueStatus === 'COMPLETED' ||
              state.queueStatus === 'FAILED'
            ) {
              this.metrics.resultApplied(result.stage, 'duplicate', 1);
              continue; // a redelivery or a second worker's copy: the first result counted
            }
            seen.add(result.queue_id);
            decided.push({ result, state, decision: this.options.policy(result, state) });
          }
          await TaskLedger.applyResults(manager, decided);
          await this.afterApply(manager, decided);
          return decided;
        }),
      );
      strays = unknown;
    } catch (error) {
      // The database is unreachable or refused the batch: nothing was applied. Hand the messages
      // back after a pause rather than spinning on them.
      this.logger.warn(
        `cannot apply results, returning them: ${(error as Error).message}`,
        'ResultProcessor',
      );
      await new Promise((resolve) => setTimeout(resolve, 1000));
      for (const received of batch) safe(() => received.channel.nack(received.message, false, true));
      return;
    }

    if (refused.length > 0 || strays.length > 0) {
      const dead = deadQueueName('results');
      try {
        await this.publisher.publishAll([
          ...refused.map(({ received, reason }) => deadLetter(received.message, dead, reason)),
          // Results naming no ledger entry are cut out of their batch into a message of their own.
          ...strays.map(({ result, reason }) => ({
            exchange: EXCHANGES.dead,
            routingKey: dead,
            content: Buffer.from(JSON.stringify({ v: TASK_MESSAGE_VERSION, results: [result] })),
            options: { headers: { [DEAD_REASON_HEADER]: reason }, contentType: 'application/json' },
          })),
        ]);
        this.metrics.deadLettered(dead, refused.length + strays.length);
        for (const { reason } of [...refused, ...strays])
          this.logger.warn(`result dead-lettered: ${reason}`, 'ResultProcessor');
      } catch (error) {
        this.logger.warn(`cannot dead-letter results now: ${(error as Error).message}`, 'ResultProcessor');
        for (const { received } of refused) safe(() => received.channel.nack(received.message, false, true));
        const refusedSet = new Set(refused.map((r) => r.received));
        batch = batch.filter((item) => !refusedSet.has(item));
      }
    }
    for (const a of applied) {
      const action = a.decision.action;
      this.metrics.resultApplied(
        a.result.stage,
        action === 'complete' ? 'completed' : action === 'fail' ? 'failed' : 'retried',
        1,
      );
    }
    for (const { message, channel } of batch) safe(() => channel.ack(message));
    this.options.afterCommit?.(applied);
  }
}

function safe(action: () => void): void {
  try {
    action();
  } catch {
    // the channel closed meanwhile: the broker redelivers, the ledger dedups
  }
}
