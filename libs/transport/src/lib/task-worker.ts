import {
  deadQueueName,
  EXCHANGES,
  MAX_RESULTS_PER_MESSAGE,
  parseTaskMessage,
  permanent,
  RESULTS_ROUTING_KEY,
  SchemaError,
  Stage,
  TASK_MESSAGE_VERSION,
  TaskFailure,
  TaskMessage,
  TaskResult,
} from '@crawlflow/contracts';
import {
  isDatabaseUnavailable,
  isSpilled,
  isTransientDatabaseError,
  TaskLedger,
  type EntryRef,
  type EntryStatus,
} from '@crawlflow/db';
import {
  AmqpClient,
  ConfirmPublisher,
  declareResultsQueue,
  declareStageQueues,
  Delivery,
  DependencyGate,
  MessagingLogger,
  silentLogger,
  TieredConsumer,
} from '@crawlflow/messaging';
import type { ConsumeMessage } from 'amqplib';
import type { DataSource } from 'typeorm';
import { Coalescer } from './coalescer';
import { databaseGate } from './database-gate';
import { deadLetter } from './dead-letter';
import { LeaseKeeper } from './lease-keeper';
import { Abandoned, isSuspect, taskResult, withDeadline, withWholePayload } from './task-run';
import { noMetrics, TransportMetrics } from './transport-metrics';

/** What a step handler returns for a task (its stage's output); throwing reports a failure (see task-errors.ts). */
export interface TaskOutput {
  output?: object;
}

export type TaskHandler = (task: TaskMessage) => Promise<TaskOutput>;

export interface TaskWorkerOptions {
  stage: Stage;
  handler: TaskHandler;
  prefetch: number;
  concurrency: number;
  /** Shown in results, e.g. `fetch-worker@host:pid`. */
  workerName: string;
  /** TASK_LEASE_MS: held entries are renewed every quarter of it (default 300 s). */
  leaseMs?: number;
  /** Runs alone of a suspect message without a result after which its task fails (default 3). */
  maxDeliveries?: number;
  /** Pauses work while the database is unreachable (default: one per DataSource). */
  gate?: DependencyGate;
  /** PUBLISH_CONFIRM_TIMEOUT_MS for result publishes (default 15 s). */
  confirmTimeoutMs?: number;
  logger?: MessagingLogger;
  metrics?: TransportMetrics;
}

const FINISHED = new Set(['COMPLETED', 'FAILED']);
/** Deliveries held this long while the database is away go back to their queue as copies. */
const HOLD_LIMIT_MS = 15 * 60_000;

/**
 * The worker side of the transport: takes deliveries high tier first, renews their leases from
 * arrival, skips those the ledger shows finished or dispatched again since, runs the handler (alone
 * when the delivery is a suspect), publishes the result (confirmed, so durable) and only then acks.
 * Ledger look-ups and result publishes are coalesced into batches under load.
 */
export class TaskWorker {
  readonly consumer: TieredConsumer;
  private readonly publisher: ConfirmPublisher;
  private readonly statuses: Coalescer<EntryRef, EntryStatus | undefined>;
  private readonly results: Coalescer<TaskResult, undefined>;
  private readonly logger: MessagingLogger;
  private readonly metrics: TransportMetrics;
  /** Entries being handled here now, and whether that run's result was published. */
  private readonly handling = new Map<string, Promise<boolean>>();
  /** Each delivery's message parsed once, at arrival. */
  private readonly parsed = new WeakMap<ConsumeMessage, TaskMessage | SchemaError>();
  private readonly leases: LeaseKeeper;
  private readonly gate: DependencyGate;
  private readonly leaseMs: number;
  private stopping = false;

  constructor(
    client: AmqpClient,
    private readonly dataSource: DataSource,
    private readonly options: TaskWorkerOptions,
  ) {
    this.logger = options.logger ?? silentLogger;
    this.metrics = options.metrics ?? noMetrics;
    this.gate = options.gate ?? databaseGate(dataSource, this.logger);
    this.leaseMs = options.leaseMs ?? 300_000;
    this.leases = new LeaseKeeper(dataSource, { leaseMs: this.leaseMs, logger: this.logger });
    this.publisher = new ConfirmPublisher(client, {
      setup: async (channel) => {
        await declareStageQueues(channel, options.stage);
        await declareResultsQueue(channel);
      },
      ...(options.confirmTimeoutMs !== undefined ? { confirmTimeoutMs: options.confirmTimeoutMs } : {}),
    });
    this.consumer = new TieredConsumer(client, {
      stage: options.stage,
      prefetch: options.prefetch,
      concurrency: options.concurrency,
      declare: (channel) => declareStageQueues(channel, options.stage),
      handle: (delivery) => this.handle(delivery),
      onReceived: (delivery) => this.received(delivery),
      onDropped: (delivery) => this.dropped(delivery),
      gate: this.gate,
      holdLimitMs: HOLD_LIMIT_MS,
      publisher: this.publisher,
      logger: this.logger,
    });
    this.statuses = new Coalescer(async (entries) => {
      const unique = new Map(entries.map((entry) => [entry.id, entry]));
      const found = await TaskLedger.statuses(this.dataSource, [...unique.values()]);
      return entries.map((entry) => found.get(entry.id));
    }, 500);
    // All results that finished while the previous batch was being confirmed go out as one message.
    this.results = new Coalescer(async (results) => {
      await this.publisher.publishAll([
        {
          exchange: EXCHANGES.tasks,
          routingKey: RESULTS_ROUTING_KEY,
          content: Buffer.from(JSON.stringify({ v: TASK_MESSAGE_VERSION, results })),
        },
      ]);
      return results.map(() => undefined);
    }, MAX_RESULTS_PER_MESSAGE);
  }

  async start(): Promise<void> {
    // The publisher first: its setup declares the queues the consumer then subscribes to.
    await this.publisher.start();
    await this.consumer.start();
    this.leases.start();
  }

  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    await this.consumer.stop(timeoutMs);
    this.leases.stop();
  }

  /** At arrival: parsed once, and its lease renewed from now on while it waits for a slot. */
  private received(delivery: Delivery): void {
    let task: TaskMessage | SchemaError;
    try {
      task = parseTaskMessage(delivery.message.content);
    } catch (error) {
      task = error instanceof SchemaError ? error : new SchemaError('$', String(error));
    }
    this.parsed.set(delivery.message, task);
    if (task instanceof SchemaError) return;
    const createdAt = task.queued_at ? Date.parse(`${task.queued_at.replace(' ', 'T')}Z`) : undefined;
    this.leases.hold(leased(task), createdAt);
  }

  private dropped(delivery: Delivery): void {
    const task = this.parsed.get(delivery.message);
    if (task && !(task instanceof SchemaError) && !this.handling.has(task.queue_id))
      this.leases.release(task.queue_id);
  }

  private async handle(delivery: Delivery): Promise<void> {
    const task = this.parsed.get(delivery.message) ?? new SchemaError('$', 'not parsed at arrival');
    if (task instanceof SchemaError) return this.refuse(delivery, task.message);
    if (task.stage !== this.options.stage) {
      return this.refuse(delivery, `a ${task.stage} task on a ${this.options.stage} queue`);
    }
    const first = this.handling.get(task.queue_id);
    if (first) {
      // Another copy runs here: this one is done once that one's result is out. If it could not
      // publish (its channel went), this copy runs instead.
      if (await first) {
        this.metrics.taskHandled(task.stage, 'duplicate', 0);
        this.consumer.ack(delivery);
        return;
      }
    }
    const run = this.run(delivery, task);
    const published = run.then(
      (done) => done,
      () => false,
    );
    this.handling.set(task.queue_id, published);
    try {
      await run;
    } catch (error) {
      if (!(error instanceof Abandoned)) throw error;
    } finally {
      if (this.handling.get(task.queue_id) === published) {
        this.handling.delete(task.queue_id);
        this.leases.release(task.queue_id);
      }
    }
  }

  /** Runs the task and publishes its result; true when the result is out (or was not needed). */
  private async run(delivery: Delivery, task: TaskMessage): Promise<boolean> {
    const ref: EntryRef = { id: task.queue_id, ...(task.queued_at ? { createdAt: task.queued_at } : {}) };
    const entry = await this.untilDatabaseAnswers(() => this.statuses.submit(ref));
    if (entry === undefined) {
      await this.refuse(delivery, `unknown ledger entry ${task.queue_id}`);
      return true;
    }
    if (FINISHED.has(entry.status) || (entry.status === 'PROCESSING' && entry.attemptCount > task.attempt)) {
      // A redelivery of finished work, or an older copy of an entry dispatched again since.
      this.metrics.taskHandled(task.stage, 'duplicate', 0);
      this.consumer.ack(delivery);
      return true;
    }
    const release = isSuspect(delivery) ? await this.consumer.runAlone() : undefined;
    try {
      const result = await this.execute(task, ref, release !== undefined);
      this.metrics.taskHandled(
        task.stage,
        result.outcome === 'SUCCESS' ? 'success' : 'failed',
        result.response_time_ms / 1000,
      );
      if (!(await this.publishResult(delivery, result))) return false;
      this.consumer.ack(delivery);
      return true;
    } finally {
      release?.();
    }
  }

  /**
   * The handler's result. A suspect that has run alone too often without a result fails instead; a
   * database outage inside the handler is waited out and the handler run again, never reported as
   * the task's failure; a handler that does not settle within three leases is taken for hung.
   */
  private async execute(task: TaskMessage, ref: EntryRef, alone: boolean): Promise<TaskResult> {
    const name = this.options.workerName;
    let input = task;
    const started = Date.now();
    try {
      if (isSpilled(task.payload))
        input = await this.untilDatabaseAnswers(() => withWholePayload(this.dataSource, task));
    } catch (error) {
      if (error instanceof Abandoned) throw error;
      return taskResult(task, name, started, 'FAILED', undefined, error);
    }
    if (alone) {
      const runs = await this.untilDatabaseAnswers(() => TaskLedger.quarantineStart(this.dataSource, ref));
      const maxRuns = this.options.maxDeliveries ?? 3;
      if (runs > maxRuns) {
        const reason =
          `its worker died or hung ${runs - 1} times running it alone (TASK_MAX_DELIVERIES ${maxRuns}): ` +
          'the task kills or hangs its worker';
        return taskResult(input, name, started, 'FAILED', undefined, permanent(reason, 'DELIVERY_LIMIT'));
      }
    }
    for (;;) {
      const attemptStart = Date.now();
      try {
        const { output } = await withDeadline(this.options.handler(input), this.leaseMs * 3);
        return taskResult(input, name, attemptStart, 'SUCCESS', output);
      } catch (error) {
        const outage =
          error instanceof Error && !(error instanceof TaskFailure) && isDatabaseUnavailable(error);
        if (!outage) return taskResult(input, name, attemptStart, 'FAILED', undefined, error);
        if (this.stopping) throw new Abandoned();
        this.gate.report(error);
        await this.gate.waitOpen();
      }
    }
  }

  /** Ledger reads wait out a database outage (the delivery stays unacked, nothing is handed back). */
  private async untilDatabaseAnswers<T>(work: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await work();
      } catch (error) {
        if (!isTransientDatabaseError(error)) throw error;
        if (this.stopping) throw new Abandoned();
        if (isDatabaseUnavailable(error)) this.gate.report(error);
        else await new Promise((resolve) => setTimeout(resolve, 50));
        await this.gate.waitOpen();
      }
    }
  }

  /**
   * The result must reach the broker before the ack. While the broker refuses it (blocked, a lost
   * confirm) it is tried again with backoff rather than handed back: a nack would count towards the
   * delivery limit. False when the delivery's channel closed meanwhile (the broker redelivers it).
   */
  private async publishResult(delivery: Delivery, result: TaskResult): Promise<boolean> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.results.submit(result);
        return true;
      } catch (error) {
        if (this.stopping || !this.consumer.stillHeld(delivery)) return false;
        this.logger.warn(`cannot publish a result now: ${(error as Error).message}`, 'TaskWorker');
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 100 * 2 ** attempt)));
      }
    }
  }

  private async refuse(delivery: Delivery, reason: string): Promise<void> {
    const queue = deadQueueName(this.options.stage);
    await this.publisher.publishAll([deadLetter(delivery.message, queue, reason)]);
    this.metrics.deadLettered(queue, 1);
    this.logger.warn(`task message dead-lettered: ${reason}`, 'TaskWorker');
    this.consumer.ack(delivery);
  }
}

function leased(task: TaskMessage): EntryRef & { attempt: number } {
  return {
    id: task.queue_id,
    attempt: task.attempt,
    ...(task.queued_at ? { createdAt: task.queued_at } : {}),
  };
}
