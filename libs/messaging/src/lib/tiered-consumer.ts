import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { Stage, taskQueueName, Tier, TIERS } from '@crawlflow/contracts';
import { AckBatcher } from './ack-batcher';
import { AmqpClient } from './amqp-client';
import { DependencyGate } from './dependency-gate';
import { MessagingLogger, silentLogger } from './logger';

export interface Delivery {
  tier: Tier;
  message: ConsumeMessage;
  /** The channel it came on: acks go there, and are dropped once it has closed. */
  channel: Channel;
}

export interface TieredConsumerOptions {
  stage: Stage;
  /** Unacknowledged deliveries held per tier queue. */
  prefetch: number;
  /** Deliveries handled at once across all tiers. */
  concurrency: number;
  handle: (delivery: Delivery) => Promise<void>;
  /**
   * Suspects (e.g. messages redelivered after their consumer died) run alone: none starts beside
   * them and they start only when nothing else runs, so a message that kills its worker takes no
   * bystanders with it and can be told apart from them.
   */
  isSuspect?: (delivery: Delivery) => boolean;
  /** While closed (a dependency is down), buffered deliveries wait here, unacked. */
  gate?: DependencyGate;
  logger?: MessagingLogger;
}

/**
 * Consumes the three tier queues of a stage, each on its own channel with its own prefetch, and
 * starts buffered deliveries strictly high → normal → low whenever a slot is free. A high task
 * therefore waits at most for one running task to finish, however many low ones are buffered; low
 * runs whenever high and normal have nothing buffered.
 */
export class TieredConsumer {
  private readonly buffers = new Map<Tier, Delivery[]>(TIERS.map((tier) => [tier, []]));
  private readonly channels = new Map<Tier, { channel: Channel; consumerTag: string }>();
  private readonly closedChannels = new WeakSet<Channel>();
  private readonly ackers = new WeakMap<Channel, AckBatcher>();
  private inFlight = 0;
  private stopping = false;
  private waitingForGate = false;
  /** A suspect runs: nothing else starts until it is done. */
  private alone = false;
  private drainedWaiters: Array<() => void> = [];
  private readonly logger: MessagingLogger;

  constructor(
    private readonly client: AmqpClient,
    private readonly options: TieredConsumerOptions,
  ) {
    this.logger = options.logger ?? silentLogger;
  }

  async start(): Promise<void> {
    this.client.onDisconnect(() => this.forgetChannels());
    await this.client.addSetup((connection) => this.consume(connection));
  }

  /** Deliveries buffered or running, by tier (for metrics and tests). */
  buffered(): Record<Tier, number> {
    return Object.fromEntries(TIERS.map((tier) => [tier, this.buffers.get(tier)?.length ?? 0])) as Record<
      Tier,
      number
    >;
  }

  running(): number {
    return this.inFlight;
  }

  /** Acks go out batched per channel at the end of the current turn (see AckBatcher). */
  ack(delivery: Delivery): void {
    if (this.closedChannels.has(delivery.channel)) return; // redelivered elsewhere; the ledger dedups
    this.ackers.get(delivery.channel)?.ack(delivery.message);
  }

  /** False once the delivery's channel closed: the broker hands the message out again. */
  stillHeld(delivery: Delivery): boolean {
    return !this.closedChannels.has(delivery.channel);
  }

  /** Back to the queue (a transient problem on our side, e.g. the database is down). */
  requeue(delivery: Delivery): void {
    if (this.closedChannels.has(delivery.channel)) return;
    this.ackers.get(delivery.channel)?.forget(delivery.message);
    try {
      delivery.channel.nack(delivery.message, false, true);
    } catch (error) {
      this.logger.warn(`nack failed: ${(error as Error).message}`, 'TieredConsumer');
    }
  }

  /** Stops taking deliveries, returns the buffered ones, waits for running ones (bounded). */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    for (const { channel, consumerTag } of this.channels.values()) {
      await channel.cancel(consumerTag).catch(() => undefined);
    }
    for (const tier of TIERS) {
      const buffer = this.buffers.get(tier) ?? [];
      for (const delivery of buffer.splice(0)) this.requeue(delivery);
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
    for (const { channel } of this.channels.values()) {
      try {
        this.ackers.get(channel)?.flush(); // the last acks, before the channel goes
      } catch {
        // closed already: the broker requeues, the ledger dedups
      }
      await channel.close().catch(() => undefined);
    }
    this.channels.clear();
  }

  private async consume(connection: ChannelModel): Promise<void> {
    if (this.stopping) return;
    for (const tier of TIERS) {
      const channel = await connection.createChannel();
      channel.on('error', (error: Error) =>
        this.logger.warn(`${tier} channel error: ${error.message}`, 'TieredConsumer'),
      );
      channel.on('close', () => this.closedChannels.add(channel));
      await channel.prefetch(this.options.prefetch);
      const acker = new AckBatcher(channel);
      this.ackers.set(channel, acker);
      const { consumerTag } = await channel.consume(
        taskQueueName(this.options.stage, tier),
        (message) => {
          if (!message) return; // cancelled by the broker (queue deleted)
          acker.received(message);
          this.buffers.get(tier)?.push({ tier, message, channel });
          this.pump();
        },
        { noAck: false },
      );
      this.channels.set(tier, { channel, consumerTag });
    }
  }

  private forgetChannels(): void {
    for (const { channel } of this.channels.values()) this.closedChannels.add(channel);
    this.channels.clear();
    // Unacked deliveries of a dead connection go back to the queue on the broker's side.
    for (const tier of TIERS) this.buffers.get(tier)?.splice(0);
  }

  private peek(): Delivery | undefined {
    for (const tier of TIERS) {
      const buffer = this.buffers.get(tier);
      if (buffer && buffer.length > 0) return buffer[0];
    }
    return undefined;
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
    while (!this.stopping && !this.alone && this.inFlight < this.options.concurrency) {
      const head = this.peek();
      if (!head) return;
      const suspect = this.options.isSuspect?.(head) ?? false;
      if (suspect && this.inFlight > 0) return; // it starts once the running ones are done
      const delivery = this.next();
      if (!delivery) return;
      this.alone = suspect;
      this.inFlight += 1;
      void this.options
        .handle(delivery)
        .catch((error: unknown) => {
          this.logger.error(`delivery handler failed: ${(error as Error).message}`, 'TieredConsumer');
          this.requeue(delivery);
        })
        .finally(() => {
          this.inFlight -= 1;
          if (suspect) this.alone = false;
          if (this.inFlight === 0) for (const waiter of this.drainedWaiters.splice(0)) waiter();
          this.pump();
        });
    }
  }
}
