import {
  DEAD_REASON_HEADER,
  deadQueueName,
  EXCHANGES,
  parseTaskResults,
  RESULTS_QUEUE,
  SchemaError,
  TASK_MESSAGE_VERSION,
  TaskResult,
} from '@crawlflow/contracts';
import { AppliedResult, isDatabaseUnavailable } from '@crawlflow/db';
import {
  AmqpClient,
  ConfirmPublisher,
  declareResultsQueue,
  DependencyGate,
  type Held,
  MessagingLogger,
  QueueConsumer,
  silentLogger,
} from '@crawlflow/messaging';
import type { DataSource } from 'typeorm';
import { databaseGate } from './database-gate';
import { deadLetter } from './dead-letter';
import { ApplyOutcome, ResultApplier, ResultApplierOptions } from './result-applier';
import { noMetrics, TransportMetrics } from './transport-metrics';

export interface ResultProcessorOptions extends ResultApplierOptions {
  prefetch: number;
  maxBatch: number;
  /** Batches applied at once. */
  concurrency: number;
  /** Called after the commit, e.g. to kick the relay for tasks the hook enqueued. */
  afterCommit?: (applied: readonly AppliedResult[]) => void;
  /** Pauses consumption while the database is unreachable (default: one per DataSource). */
  gate?: DependencyGate;
  logger?: MessagingLogger;
  metrics?: TransportMetrics;
}

/** Messages of one batch hold at most this much (a statement must stay under max_allowed_packet). */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;
/** Results held this long while the database is away go back to their queue as copies. */
const HOLD_LIMIT_MS = 15 * 60_000;

/**
 * Consumes worker results and hands them to the applier in batches; the messages are acked only
 * after the commit. Results that cannot be applied are dead-lettered on their own, with the reason;
 * while the database is unreachable, consumption pauses and nothing is handed back.
 */
export class ResultProcessor {
  private buffer: Held[] = [];
  private processing = 0;
  private stopping = false;
  private scheduled = false;
  private waitingForGate = false;
  private idleWaiters: Array<() => void> = [];
  private recycleTimer: NodeJS.Timeout | undefined;
  private readonly consumer: QueueConsumer;
  private readonly logger: MessagingLogger;
  private readonly metrics: TransportMetrics;
  private readonly applier: ResultApplier;
  private readonly gate: DependencyGate;

  constructor(
    client: AmqpClient,
    dataSource: DataSource,
    private readonly publisher: ConfirmPublisher,
    private readonly options: ResultProcessorOptions,
  ) {
    this.logger = options.logger ?? silentLogger;
    this.metrics = options.metrics ?? noMetrics;
    this.applier = new ResultApplier(dataSource, options);
    this.gate = options.gate ?? databaseGate(dataSource, this.logger);
    this.consumer = new QueueConsumer(client, {
      name: 'results',
      queue: RESULTS_QUEUE,
      prefetch: options.prefetch,
      declare: declareResultsQueue,
      onMessage: (held) => {
        this.buffer.push(held);
        this.pump();
      },
      // Unacked: the broker redelivers them.
      onChannelLost: (channel) => (this.buffer = this.buffer.filter((held) => held.channel !== channel)),
      logger: this.logger,
    });
  }

  async start(): Promise<void> {
    await this.consumer.start();
    this.recycleTimer = setInterval(() => void this.recycleHeld(), HOLD_LIMIT_MS / 4);
    this.recycleTimer.unref();
  }

  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    if (this.recycleTimer) clearInterval(this.recycleTimer);
    await this.consumer.cancel();
    if (this.processing > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.idleWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    await this.consumer.close();
  }

  /**
   * Up to `concurrency` batches at once: they touch disjoint entries (a delivery is in one batch
   * only), and READ COMMITTED keeps InnoDB from taking gap locks between them.
   */
  private pump(): void {
    if (this.scheduled || this.processing >= this.options.concurrency || this.buffer.length === 0) return;
    if (!this.gate.isOpen()) {
      // The batch in hand waits for the database; the rest waits here, unacked.
      if (!this.waitingForGate) {
        this.waitingForGate = true;
        void this.gate.waitOpen().then(() => {
          this.waitingForGate = false;
          this.pump();
        });
      }
      return;
    }
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const batch = this.takeBatch();
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

  /** Up to maxBatch messages and MAX_BATCH_BYTES of them (one message at least). */
  private takeBatch(): Held[] {
    let bytes = 0;
    let count = 0;
    while (count < this.buffer.length && count < this.options.maxBatch) {
      const size = this.buffer[count].message.content.length;
      if (count > 0 && bytes + size > MAX_BATCH_BYTES) break;
      bytes += size;
      count += 1;
    }
    return this.buffer.splice(0, count);
  }

  /** The database has been away long: buffered results past the hold limit go back as copies. */
  private async recycleHeld(): Promise<void> {
    if (this.gate.isOpen()) return;
    const now = Date.now();
    for (const held of [...this.buffer]) {
      if (now - held.receivedAt < HOLD_LIMIT_MS) continue;
      if (await this.consumer.recycle(held, this.publisher))
        this.buffer = this.buffer.filter((h) => h !== held);
    }
  }

  private async process(batch: Held[]): Promise<void> {
    const valid: TaskResult[] = [];
    const refused: Array<{ received: Held; reason: string }> = [];
    const malformed: Array<{ result: unknown; reason: string }> = [];
    for (const received of batch) {
      try {
        const parsed = parseTaskResults(received.message.content);
        valid.push(...parsed.results);
        malformed.push(...parsed.refused.map(({ value, reason }) => ({ result: value, reason })));
      } catch (error) {
        refused.push({ received, reason: error instanceof SchemaError ? error.message : String(error) });
      }
    }

    const outcome = await this.applyUntilDone(valid);
    if (!outcome) {
      // Stopping while the database is away: unacked, the broker hands them to the next consumer.
      return;
    }
    const deadResults = [...malformed, ...outcome.strays, ...outcome.unapplicable];
    for (const { reason } of outcome.refused)
      this.logger.warn(`result refused: ${reason}`, 'ResultProcessor');

    if (refused.length > 0 || deadResults.length > 0) {
      const dead = deadQueueName('results');
      try {
        await this.publisher.publishAll([
          ...refused.map(({ received, reason }) => deadLetter(received.message, dead, reason)),
          // Results that cannot be applied are cut out of their batch into a message of their own.
          ...deadResults.map(({ result, reason }) => ({
            exchange: EXCHANGES.dead,
            routingKey: dead,
            content: Buffer.from(JSON.stringify({ v: TASK_MESSAGE_VERSION, results: [result] })),
            options: { headers: { [DEAD_REASON_HEADER]: reason }, contentType: 'application/json' },
          })),
        ]);
        this.metrics.deadLettered(dead, refused.length + deadResults.length);
        for (const { reason } of [...refused, ...deadResults])
          this.logger.warn(`result dead-lettered: ${reason}`, 'ResultProcessor');
      } catch (error) {
        // Nothing may be dropped unrecorded: the whole batch comes back; what was applied is then a
        // duplicate, what was refused is refused again.
        this.logger.warn(`cannot dead-letter results now: ${(error as Error).message}`, 'ResultProcessor');
        // Not at once: a broker that refuses publishes would get the same batch back in a loop.
        await pause(2000);
        for (const held of batch) this.consumer.requeue(held);
        this.options.afterCommit?.(outcome.applied);
        return;
      }
    }
    for (const a of outcome.applied) {
      const action = a.decision.action;
      this.metrics.resultApplied(
        a.result.stage,
        action === 'complete' ? 'completed' : action === 'fail' ? 'failed' : 'retried',
        1,
      );
    }
    for (const held of batch) this.consumer.ack(held);
    this.options.afterCommit?.(outcome.applied);
  }

  /**
   * Applies the batch, waiting out infrastructure failures: the messages stay unacked (a nack would
   * count towards the queue's delivery limit) while the gate probes the database; then the same
   * batch runs again. Undefined when stopped meanwhile.
   */
  private async applyUntilDone(results: readonly TaskResult[]): Promise<ApplyOutcome | undefined> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.applier.apply(results);
      } catch (error) {
        if (this.stopping) return undefined;
        this.logger.warn(
          `cannot apply results now, holding them: ${(error as Error).message}`,
          'ResultProcessor',
        );
        if (isDatabaseUnavailable(error)) this.gate.report(error);
        else await pause(Math.min(5000, 100 * 2 ** attempt)); // contention: back off, then again
        await this.gate.waitOpen();
        if (this.stopping) return undefined;
      }
    }
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
