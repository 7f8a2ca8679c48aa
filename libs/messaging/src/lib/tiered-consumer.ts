import { Stage, taskQueueName, Tier, TIERS } from '@crawlflow/contracts';
import type { Channel } from 'amqplib';
import { AmqpClient } from './amqp-client';
import type { ConfirmPublisher } from './confirm-publisher';
import { DependencyGate } from './dependency-gate';
import { MessagingLogger, silentLogger } from './logger';
import { type Held, QueueConsumer } from './queue-consumer';

export interface Delivery extends Held {
  tier: Tier;
}

export interface TieredConsumerOptions {
  stage: Stage;
  /** Unacknowledged deliveries held per tier queue. */
  prefetch: number;
  /** Deliveries handled at once across all tiers. */
  concurrency: number;
  /** Declares the stage's queues on each new channel. */
  declare: (channel: Channel) => Promise<void>;
  handle: (delivery: Delivery) => Promise<void>;
  /** Each delivery as it arrives, before it waits for a slot (e.g. to start renewing its lease). */
  onReceived?: (delivery: Delivery) => void;
  /** A delivery that left without being handled (its channel closed, it was recycled). */
  onDropped?: (delivery: Delivery) => void;
  /** While closed (a dependency is down), buffered deliveries wait here, unacked. */
  gate?: DependencyGate;
  /**
   * While the gate stays closed, buffered deliveries older than this are put back as identical
   * copies (below the broker's consumer timeout); needs `publisher`.
   */
  holdLimitMs?: number;
  publisher?: ConfirmPublisher;
  logger?: MessagingLogger;
}

/**
 * Consumes the three tier queues of a stage (one QueueConsumer each, with its own prefetch), and
 * starts buffered deliveries strictly high → normal → low whenever a slot is free. A high task
 * therefore waits at most for one running task to finish, however many low ones are buffered; low
 * runs whenever high and normal have nothing buffered. A handler may ask to run alone (`alone()`).
 */
export class TieredConsumer {
  private readonly buffers = new Map<Tier, Delivery[]>(TIERS.map((tier) => [tier, []]));
  private readonly queues = new Map<Tier, QueueConsumer>();
  private inFlight = 0;
  private stopping = false;
  private waitingForGate = false;
  /** Handlers waiting to run alone, and whether one does. */
  private readonly aloneQueue: Array<() => void> = [];
  private alone = false;
  private drainedWaiters: Array<() => void> = [];
  private recycleTimer: NodeJS.Timeout | undefined;
  private readonly logger: MessagingLogger;

  constructor(
    client: AmqpClient,
    private readonly options: TieredConsumerOptions,
  ) {
    this.logger = options.logger ?? silentLogger;
    for (const tier of TIERS) {
      this.queues.set(
        tier,
        new QueueConsumer(client, {
          name: `${options.stage} ${tier}`,
          queue: taskQueueName(options.stage, tier),
          prefetch: options.prefetch,
          declare: options.declare,
          onMessage: (held) => {
            const delivery: Delivery = { ...held, tier };
            this.buffers.get(tier)?.push(delivery);
            this.options.onReceived?.(delivery);
            this.pump();
          },
          onChannelLost: (channel) => this.dropBuffered((d) => d.channel === channel),
          logger: this.logger,
        }),
      );
    }
  }

  async start(): Promise<void> {
    for (const queue of this.queues.values()) await queue.start();
    if (this.options.holdLimitMs !== undefined && this.options.publisher) {
      const every = Math.max(1000, Math.floor(this.options.holdLimitMs / 4));
      this.recycleTimer = setInterval(() => void this.recycleHeld(), every);
      this.recycleTimer.unref();
    }
  }

  /** Deliveries buffered, by tier (for metrics and tests). */
  buffered(): Record<Tier, number> {
    return Object.fromEntries(TIERS.map((tier) => [tier, this.buffers.get(tier)?.length ?? 0])) as Record<
      Tier,
      number
    >;
  }

  running(): number {
    return this.inFlight;
  }

  ack(delivery: Delivery): void {
    this.queueOf(delivery).ack(delivery);
  }

  requeue(delivery: Delivery): void {
    this.queueOf(delivery).requeue(delivery);
  }

  /** False once the delivery's channel closed: the broker hands the message out again. */
  stillHeld(delivery: Delivery): boolean {
    return this.queueOf(delivery).holds(delivery);
  }

  /**
   * For a handler that must run alone (a suspect that may kill its worker): resolves once every
   * other running handler has finished, and starts no other until the returned release is called.
   */
  async runAlone(): Promise<() => void> {
    await new Promise<void>((resolve) => {
      this.aloneQueue.push(resolve);
      this.grantAlone();
    });
    return () => {
      this.alone = false;
      this.grantAlone();
      this.pump();
    };
  }

  /** Stops taking deliveries, returns the buffered ones, waits for running ones (bounded). */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    if (this.recycleTimer) clearInterval(this.recycleTimer);
    for (const queue of this.queues.values()) await queue.cancel();
    for (const tier of TIERS) {
      for (const delivery of (this.buffers.get(tier) ?? []).splice(0)) this.requeue(delivery);
    }
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.drainedWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    for (const queue of this.queues.values()) await queue.close();
  }

  private queueOf(delivery: Delivery): QueueConsumer {
    const queue = this.queues.get(delivery.tier);
    if (!queue) throw new Error(`no consumer for tier ${delivery.tier}`);
    return queue;
  }

  /** A waiting runAlone() may go once every handler still running is one that waits to run alone. */
  private grantAlone(): void {
    if (this.alone || this.aloneQueue.length === 0 || this.inFlight > this.aloneQueue.length) return;
    this.alone = true;
    this.aloneQueue.shift()?.();
  }

  private dropBuffered(match: (delivery: Delivery) => boolean): void {
    for (const tier of TIERS) {
      const buffer = this.buffers.get(tier) ?? [];
      const kept = buffer.filter((delivery) => !match(delivery));
      for (const delivery of buffer) if (match(delivery)) this.options.onDropped?.(delivery);
      this.buffers.set(tier, kept);
    }
  }

  /** The gate has been closed for long: buffered deliveries past the hold limit go back as copies. */
  private async recycleHeld(): Promise<void> {
    const { gate, holdLimitMs, publisher } = this.options;
    if (!gate || gate.isOpen() || holdLimitMs === undefined || !publisher) return;
    const now = Date.now();
    for (const tier of TIERS) {
      for (const delivery of [...(this.buffers.get(tier) ?? [])]) {
        if (now - delivery.receivedAt < holdLimitMs) continue;
        if (await this.queueOf(delivery).recycle(delivery, publisher)) {
          this.dropBuffered((d) => d === delivery);
        }
      }
    }
  }

  private next(): Delivery | undefined {
    for (const tier of TIERS) {
      const buffer = this.buffers.get(tier);
      if (buffer && buffer.length > 0) return buffer.shift();
    }
    return undefined;
  }

  private pump(): void {
    const gate = this.options.gate;
    if (gate && !gate.isOpen()) {
      if (!this.waitingForGate) {
        this.waitingForGate = true;
        void gate.waitOpen().then(() => {
          this.waitingForGate = false;
          this.pump();
        });
      }
      return;
    }
    while (
      !this.stopping &&
      !this.alone &&
      this.aloneQueue.length === 0 &&
      this.inFlight < this.options.concurrency
    ) {
      const delivery = this.next();
      if (!delivery) return;
      this.inFlight += 1;
      void this.options
        .handle(delivery)
        .catch((error: unknown) => {
          this.logger.error(`delivery handler failed: ${(error as Error).message}`, 'TieredConsumer');
          this.requeue(delivery);
        })
        .finally(() => {
          this.inFlight -= 1;
          if (this.inFlight === 0) for (const waiter of this.drainedWaiters.splice(0)) waiter();
          this.grantAlone();
          this.pump();
        });
    }
  }
}
