import {
  deadQueueName,
  EXCHANGES,
  expectRecord,
  isRecord,
  MAX_RESULTS_PER_MESSAGE,
  parseJson,
  parseTaskMessage,
  permanent,
  RESULTS_ROUTING_KEY,
  SchemaError,
  Stage,
  SUSPECT_HEADER,
  TASK_MESSAGE_VERSION,
  TaskMessage,
  TaskFailure,
  TaskResult,
} from '@crawlflow/contracts';
import {
  isDatabaseUnavailable,
  isSpilled,
  isTransientDatabaseError,
  TaskData,
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
import type { DataSource } from 'typeorm';
import { Coalescer } from './coalescer';
import { databaseGate } from './database-gate';
import { LeaseKeeper } from './lease-keeper';
import { deadLetter } from './dead-letter';
import { toTaskError } from '@crawlflow/contracts';
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

/**
 * The worker side of the transport: takes deliveries high tier first, skips those the ledger shows
 * finished, runs the handler, publishes the result (confirmed, so durable) and only then acks.
 * Ledger look-ups and result publishes are coalesced into batches under load.
 */
export class TaskWorker {
  readonly consumer: TieredConsumer;
  private readonly publisher: ConfirmPublisher;
  private readonly statuses: Coalescer<EntryRef, EntryStatus | undefined>;
  private readonly results: Coalescer<TaskResult, undefined>;
  private readonly logger: MessagingLogger;
  private readonly metrics: TransportMetrics;
  /** Ledger entries being handled here now: a second copy of one of them adds nothing. */
  private readonly handling = new Set<string>();
  private readonly leases: LeaseKeeper;
  private readonly gate: DependencyGate;
  private stopping = false;

  constructor(
    client: AmqpClient,
    private readonly dataSource: DataSource,
    private readonly options: TaskWorkerOptions,
  ) {
    this.logger = options.logger ?? silentLogger;
    this.metrics = options.metrics ?? noMetrics;
    this.gate = options.gate ?? databaseGate(dataSource, this.logger);
    this.leases = new LeaseKeeper(dataSource, { leaseMs: options.leaseMs ?? 300_000, logger: this.logger });
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
      handle: (delivery) => this.handle(delivery),
      isSuspect,
      gate: this.gate,
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

  private async handle(delivery: Delivery): Promise<void> {
    let task: TaskMessage;
    try {
      task = parseTaskMessage(delivery.message.content);
    } catch (error) {
      const reason = error instanceof SchemaError ? error.message : String(error);
      return this.refuse(delivery, reason);
    }
    if (task.stage !== this.options.stage) {
      return this.refuse(delivery, `a ${task.stage} task on a ${this.options.stage} queue`);
    }

    if (this.handling.has(task.queue_id)) {
      // The first copy is still unacked: if this process dies, that one comes back.
      this.metrics.taskHandled(task.stage, 'duplicate', 0);
      this.consumer.ack(delivery);
      return;
    }
    this.handling.add(task.queue_id);
    try {
      await this.run(delivery, task);
    } finally {
      this.handling.delete(task.queue_id);
    }
  }

  private async run(delivery: Delivery, task: TaskMessage): Promise<void> {
    const ref: EntryRef = { id: task.queue_id, ...(task.queued_at ? { createdAt: task.queued_at } : {}) };
    const entry = await this.untilDatabaseAnswers(() => this.statuses.submit(ref));
    if (entry === undefined) return this.refuse(delivery, `unknown ledger entry ${task.queue_id}`);
    if (FINISHED.has(entry.status) || (entry.status === 'PROCESSING' && entry.attemptCount > task.attempt)) {
      // A redelivery of finished work, or an older copy of an entry dispatched again since.
      this.metrics.taskHandled(task.stage, 'duplicate', 0);
      this.consumer.ack(delivery);
      return;
    }

    this.leases.hold(ref, task.queued_at ? Date.parse(`${task.queued_at.replace(' ', 'T')}Z`) : undefined);
    try {
      const result = await this.execute(delivery, task, ref);
      this.metrics.taskHandled(
        task.stage,
        result.outcome === 'SUCCESS' ? 'success' : 'failed',
        (Date.parse(result.completed_at) - Date.parse(result.started_at)) / 1000,
      );
      if (await this.publishResult(delivery, result)) this.consumer.ack(delivery);
    } finally {
      this.leases.release(task.queue_id);
    }
  }

  /**
   * Runs the handler once more unless the message keeps coming back without a result (each time its
   * worker died or hung): then the task fails with the reason and the step's error_handling decides.
   * A database outage inside the handler is waited out and the handler run again, never reported as
   * the task's failure.
   */
  private async execute(delivery: Delivery, task: TaskMessage, ref: EntryRef): Promise<TaskResult> {
    const started = Date.now();
    if (isSuspect(delivery)) {
      const runs = await this.untilDatabaseAnswers(() => TaskLedger.quarantineStart(this.dataSource, ref));
      const maxRuns = this.options.maxDeliveries ?? 3;
      if (runs > maxRuns) {
        return this.result(
          task,
          started,
          'FAILED',
          undefined,
          permanent(
            `its worker died or hung ${runs - 1} times running it alone (TASK_MAX_DELIVERIES ${maxRuns}): ` +
              'the task kills or hangs its worker',
            'DELIVERY_LIMIT',
          ),
        );
      }
    }
    for (;;) {
      const attemptStart = Date.now();
      try {
        const input = isSpilled(task.payload) ? { ...task, payload: await this.spilledPayload(task) } : task;
        const { output } = await this.options.handler(input);
        return this.result(input, attemptStart, 'SUCCESS', output);
      } catch (error) {
        if (
          this.stopping ||
          !(error instanceof Error) ||
          error instanceof TaskFailure ||
          !isDatabaseUnavailable(error)
        )
          return this.result(task, attemptStart, 'FAILED', undefined, error);
        this.gate.report(error);
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

  /** Ledger reads wait out a database outage (the delivery stays unacked, nothing is handed back). */
  private async untilDatabaseAnswers<T>(work: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await work();
      } catch (error) {
        if (this.stopping || !isTransientDatabaseError(error)) throw error;
        if (isDatabaseUnavailable(error)) this.gate.report(error);
        else await new Promise((resolve) => setTimeout(resolve, 50));
        await this.gate.waitOpen();
      }
    }
  }

  /** A payload too large for the ledger's TEXT column, kept whole in task_data. */
  private async spilledPayload(task: TaskMessage): Promise<Record<string, unknown>> {
    const json = (await TaskData.load(this.dataSource, [task.task_id], 'PAYLOAD')).get(task.task_id);
    if (json === undefined)
      throw permanent(`the input of task ${task.task_id} is no longer stored`, 'INPUT_GONE');
    return expectRecord(parseJson(json), '$.payload');
  }

  private result(
    task: TaskMessage,
    started: number,
    outcome: TaskResult['outcome'],
    output?: object,
    error?: unknown,
  ): TaskResult {
    const completed = Date.now();
    return {
      v: TASK_MESSAGE_VERSION,
      queue_id: task.queue_id,
      task_id: task.task_id,
      job_id: task.job_id,
      stage: task.stage,
      attempt: task.attempt,
      outcome,
      started_at: new Date(started).toISOString(),
      completed_at: new Date(completed).toISOString(),
      response_time_ms: completed - started,
      // Outputs are JSON documents of the stage's contract; the result carries them as such.
      ...(output ? { output: output as Record<string, unknown> } : {}),
      ...(error !== undefined ? { error: toTaskError(error) } : {}),
      worker: this.options.workerName,
      ...(task.queued_at ? { queued_at: task.queued_at } : {}),
      ...(isRecord(task.payload.ctx) ? { ctx: task.payload.ctx } : {}),
    };
  }

  private async refuse(delivery: Delivery, reason: string): Promise<void> {
    const queue = deadQueueName(this.options.stage);
    await this.publisher.publishAll([deadLetter(delivery.message, queue, reason)]);
    this.metrics.deadLettered(queue, 1);
    this.logger.warn(`task message dead-lettered: ${reason}`, 'TaskWorker');
    this.consumer.ack(delivery);
  }
}

/**
 * Quorum queues count earlier deliveries in `x-delivery-count`; every message a dying consumer held
 * comes back counted, so one redelivery says little. Twice, and it runs alone from then on: if its
 * worker dies again, that message did it.
 */
function isSuspect(delivery: Delivery): boolean {
  const headers = delivery.message.properties.headers ?? {};
  if (headers[SUSPECT_HEADER] !== undefined) return true; // its last dispatch ran out of lease
  const count = Number(headers['x-delivery-count'] ?? 0);
  return Number.isFinite(count) && count >= 2;
}
