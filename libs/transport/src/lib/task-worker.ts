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
  TASK_MESSAGE_VERSION,
  TaskMessage,
  TaskResult,
} from '@crawlflow/contracts';
import { isSpilled, TaskData, TaskLedger, type EntryRef } from '@crawlflow/db';
import {
  AmqpClient,
  ConfirmPublisher,
  declareResultsQueue,
  declareStageQueues,
  Delivery,
  MessagingLogger,
  silentLogger,
  TieredConsumer,
} from '@crawlflow/messaging';
import type { DataSource } from 'typeorm';
import { Coalescer } from './coalescer';
import { deadLetter } from './dead-letter';
import { toTaskError } from '@crawlflow/contracts';
import { noMetrics, TransportMetrics } from './transport-metrics';

/** What a step handler returns for a task; throwing reports a failure (see task-errors.ts). */
export interface TaskOutput {
  output?: Record<string, unknown>;
}

export type TaskHandler = (task: TaskMessage) => Promise<TaskOutput>;

export interface TaskWorkerOptions {
  stage: Stage;
  handler: TaskHandler;
  prefetch: number;
  concurrency: number;
  /** Shown in results, e.g. `fetch-worker@host:pid`. */
  workerName: string;
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
  private readonly statuses: Coalescer<EntryRef, string | undefined>;
  private readonly results: Coalescer<TaskResult, undefined>;
  private readonly logger: MessagingLogger;
  private readonly metrics: TransportMetrics;
  /** Ledger entries being handled here now: a second copy of one of them adds nothing. */
  private readonly handling = new Set<string>();

  constructor(
    client: AmqpClient,
    private readonly dataSource: DataSource,
    private readonly options: TaskWorkerOptions,
  ) {
    this.logger = options.logger ?? silentLogger;
    this.metrics = options.metrics ?? noMetrics;
    this.publisher = new ConfirmPublisher(client, async (channel) => {
      await declareStageQueues(channel, options.stage);
      await declareResultsQueue(channel);
    });
    this.consumer = new TieredConsumer(client, {
      stage: options.stage,
      prefetch: options.prefetch,
      concurrency: options.concurrency,
      handle: (delivery) => this.handle(delivery),
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
  }

  async stop(timeoutMs: number): Promise<void> {
    await this.consumer.stop(timeoutMs);
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
    const status = await this.statuses.submit({
      id: task.queue_id,
      ...(task.queued_at ? { createdAt: task.queued_at } : {}),
    });
    if (status === undefined) return this.refuse(delivery, `unknown ledger entry ${task.queue_id}`);
    if (FINISHED.has(status)) {
      this.metrics.taskHandled(task.stage, 'duplicate', 0);
      this.consumer.ack(delivery); // a redelivery of finished work
      return;
    }

    const started = Date.now();
    let result: TaskResult;
    try {
      if (isSpilled(task.payload)) task = { ...task, payload: await this.spilledPayload(task) };
      const { output } = await this.options.handler(task);
      result = this.result(task, started, 'SUCCESS', output);
    } catch (error) {
      result = this.result(task, started, 'FAILED', undefined, error);
    }
    this.metrics.taskHandled(
      task.stage,
      result.outcome === 'SUCCESS' ? 'success' : 'failed',
      (Date.now() - started) / 1000,
    );
    await this.results.submit(result);
    this.consumer.ack(delivery);
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
    output?: Record<string, unknown>,
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
      ...(output ? { output } : {}),
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
