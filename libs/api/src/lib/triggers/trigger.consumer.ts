import { parseJson, SchemaError, TRIGGERS_DEAD_QUEUE, TRIGGERS_QUEUE } from '@crawlflow/contracts';
import { isDatabaseError, isDatabaseUnavailable, WorkflowsRepository } from '@crawlflow/db';
import { createJob, EngineError, notFound } from '@crawlflow/engine';
import {
  AmqpClient,
  ConfirmPublisher,
  declareTriggerQueues,
  DependencyGate,
  type Held,
  QueueConsumer,
} from '@crawlflow/messaging';
import { MetricsService } from '@crawlflow/observability';
import { databaseGate, deadLetter } from '@crawlflow/transport';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { ConsumeMessage } from 'amqplib';
import type { Counter } from 'prom-client';
import { DataSource, EntityManager } from 'typeorm';
import { JobRequest, parseJobRequest } from '../jobs/job-request';

export interface TriggerConsumerOptions {
  prefetch: number;
  /** Pause before trying an event again when the database is busy (lock contention). */
  retryPauseMs: number;
  /**
   * The longest an event is held while the database is down before it is put back at the end of
   * the queue as an identical copy (below RabbitMQ's consumer timeout, 30 min by default).
   */
  holdLimitMs: number;
}

export const TRIGGER_CONSUMER_OPTIONS = Symbol('TRIGGER_CONSUMER_OPTIONS');

/**
 * Trigger events from other services (`crawl.triggers`, routing key `job.trigger`): each valid event
 * creates one job (exactly one per idempotency key: the unique key decides). Invalid events (not
 * JSON, wrong shape, unknown workflow or target) are dead-lettered to `crawl.triggers.dead` with the
 * reason, confirmed, then acked; while the database is down, events wait unacked until it answers.
 * With `reply_to`, the sender gets `{"job_id", "created"}` or `{"error"}` with its correlation id.
 */
@Injectable()
export class TriggerConsumer implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('TriggerConsumer');
  private readonly publisher: ConfirmPublisher;
  private readonly events: Counter<'outcome'>;
  private readonly consumer: QueueConsumer;
  private readonly inFlight = new Set<Promise<void>>();
  private stopping = false;
  private readonly gate: DependencyGate;

  constructor(
    @Inject(AmqpClient) private readonly client: AmqpClient,
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(MetricsService) metrics: MetricsService,
    @Inject(TRIGGER_CONSUMER_OPTIONS) private readonly options: TriggerConsumerOptions,
  ) {
    this.publisher = new ConfirmPublisher(client);
    this.gate = databaseGate(db);
    this.consumer = new QueueConsumer(client, {
      name: 'triggers',
      queue: TRIGGERS_QUEUE,
      prefetch: options.prefetch,
      declare: declareTriggerQueues,
      onMessage: (held) => {
        const work = this.handle(held).catch((error: unknown) =>
          this.logger.error(`trigger event not handled: ${(error as Error).message}`),
        );
        this.inFlight.add(work);
        void work.finally(() => this.inFlight.delete(work));
      },
    });
    this.events = metrics.counter({
      name: 'crawlflow_trigger_events_total',
      help: 'Trigger events by outcome: created, duplicate (idempotency key seen), dead (refused), held (database away), recycled',
      labelNames: ['outcome'],
    });
  }

  async onModuleInit(): Promise<void> {
    // The publisher's channel opens first on every connection: dead letters and replies need it.
    await this.publisher.start();
    await this.consumer.start();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    await this.consumer.cancel();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise((resolve) => (timer = setTimeout(resolve, 5000))),
    ]);
    clearTimeout(timer);
    await this.consumer.close();
  }

  private async handle(held: Held): Promise<void> {
    const { message } = held;
    let request: JobRequest;
    try {
      request = this.parse(message);
    } catch (error) {
      return this.refuse(held, (error as Error).message);
    }
    const heldSince = Date.now();
    let result: { id: string; created: boolean };
    for (;;) {
      try {
        result = await this.db.transaction((manager) => this.createJobFor(manager, request));
        break;
      } catch (error) {
        if (error instanceof SchemaError || error instanceof EngineError)
          return this.refuse(held, error.message);
        // Not the database's answer to a valid event: a bug met by this event. Refused with the
        // reason rather than held for ever (it would hold back nothing else, but never end).
        if (!isDatabaseError(error))
          return this.refuse(held, `cannot create a job: ${(error as Error).message}`);
        if (this.stopping) return; // unacked: the broker hands it to the next consumer
        // Not the event's fault: the database is down, busy or broken. The event waits here, unacked
        // (a nack would count towards the queue's delivery limit and dead-letter it).
        this.logger.warn(`cannot create a job now, holding the event: ${(error as Error).message}`);
        this.events.inc({ outcome: 'held' });
        if (isDatabaseUnavailable(error)) this.gate.report(error);
        else await sleep(this.options.retryPauseMs);
        await waitUntil(this.gate.waitOpen(), this.options.holdLimitMs - (Date.now() - heldSince));
        if (Date.now() - heldSince >= this.options.holdLimitMs) {
          // Held long enough for the broker's consumer timeout to take it back (and count it): an
          // identical copy goes to the end of the queue instead, and this one lets go.
          if (await this.consumer.recycle(held, this.publisher)) this.events.inc({ outcome: 'recycled' });
          return;
        }
      }
    }
    try {
      await this.reply(message, { job_id: result.id, created: result.created });
    } catch (error) {
      // The job exists; a redelivery finds it by its key (or makes a second one only without a key).
      this.logger.warn(`reply to ${message.properties.replyTo} failed: ${(error as Error).message}`);
    }
    this.events.inc({ outcome: result.created ? 'created' : 'duplicate' });
    this.consumer.ack(held);
  }

  private parse(message: ConsumeMessage): JobRequest {
    return parseJobRequest(parseJson(message.content), '$', 'event');
  }

  private async createJobFor(
    manager: EntityManager,
    request: JobRequest,
  ): Promise<{ id: string; created: boolean }> {
    let workflowId = request.workflowId;
    if (!workflowId) {
      // Names are not unique: the newest active workflow of that name is meant.
      workflowId =
        request.workflowName === undefined
          ? undefined
          : await WorkflowsRepository.newestActiveIdByName(manager, request.workflowName);
      if (!workflowId) throw notFound(`no active workflow named ${JSON.stringify(request.workflowName)}`);
    }
    return createJob(manager, {
      workflowId,
      targetId: request.targetId ?? null,
      params: request.params,
      priority: request.priority,
      jobType: request.jobType,
      idempotencyKey: request.idempotencyKey ?? null,
    });
  }

  private async refuse(held: Held, reason: string): Promise<void> {
    const { message } = held;
    try {
      await this.publisher.publishAll([deadLetter(message, TRIGGERS_DEAD_QUEUE, reason)]);
    } catch (error) {
      // Not confirmed: the event must not be dropped, so it goes back and is refused again later.
      this.logger.warn(`cannot dead-letter a trigger event: ${(error as Error).message}`);
      await sleep(this.options.retryPauseMs);
      return this.consumer.requeue(held);
    }
    this.events.inc({ outcome: 'dead' });
    await this.reply(message, { error: reason }).catch(() => undefined);
    this.consumer.ack(held);
  }

  private async reply(message: ConsumeMessage, body: Record<string, unknown>): Promise<void> {
    const replyTo = message.properties.replyTo as string | undefined;
    if (!replyTo) return;
    await this.publisher.publishAll([
      {
        exchange: '',
        routingKey: replyTo,
        content: Buffer.from(JSON.stringify(body)),
        options: { correlationId: message.properties.correlationId as string | undefined, persistent: false },
        mandatory: false,
      },
    ]);
  }
}

/** Resolves when `done` does, or after `ms` at the latest (a timer that keeps no process alive). */
async function waitUntil(done: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    done,
    new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, ms)).unref())),
  ]);
  clearTimeout(timer);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
