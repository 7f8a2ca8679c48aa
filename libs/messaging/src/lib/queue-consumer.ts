import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { AckBatcher } from './ack-batcher';
import { AmqpClient } from './amqp-client';
import type { ConfirmPublisher } from './confirm-publisher';
import { MessagingLogger, silentLogger } from './logger';

/** One message as a consumer holds it: the channel it came on is where its ack goes. */
export interface Held {
  message: ConsumeMessage;
  channel: Channel;
  /** When this process got it (ms since the epoch). */
  receivedAt: number;
}

export interface QueueConsumerOptions {
  /** Name in logs, e.g. `results` or `fetch high`. */
  name: string;
  queue: string;
  /** Unacknowledged deliveries held at once. */
  prefetch: number;
  /** Declares the queue (and what it needs) on each new channel. */
  declare: (channel: Channel) => Promise<void>;
  /** Each delivery, in arrival order; the owner settles it with ack/requeue/recycle. */
  onMessage: (held: Held) => void;
  /** The channel went (connection lost, the broker closed it): what it held comes back elsewhere. */
  onChannelLost?: (channel: Channel) => void;
  logger?: MessagingLogger;
}

/**
 * The one consume lifecycle every consumer here shares: a channel per queue with its prefetch,
 * batched acks, a new channel whenever the broker closes one while the connection lives (a consumer
 * timeout, a channel error: without it a consumer would silently stop), and a stop that cancels
 * first and closes the channel after the owner's work is done. Owners keep the business: what to do
 * with a delivery, and when.
 */
export class QueueConsumer {
  private current: { channel: Channel; consumerTag: string } | undefined;
  private readonly closed = new WeakSet<Channel>();
  private readonly ackers = new WeakMap<Channel, AckBatcher>();
  private stopping = false;
  private readonly logger: MessagingLogger;

  constructor(
    private readonly client: AmqpClient,
    private readonly options: QueueConsumerOptions,
  ) {
    this.logger = options.logger ?? silentLogger;
  }

  async start(): Promise<void> {
    this.client.onDisconnect(() => {
      if (this.current) this.lose(this.current.channel);
      this.current = undefined;
    });
    await this.client.addSetup((connection) => this.open(connection));
  }

  /** False once the delivery's channel closed: the broker hands the message out again. */
  holds(held: Held): boolean {
    return !this.closed.has(held.channel);
  }

  /** Acks go out batched per channel at the end of the current turn (see AckBatcher). */
  ack(held: Held): void {
    if (this.closed.has(held.channel)) return;
    this.ackers.get(held.channel)?.ack(held.message);
  }

  /** Back to the queue (this counts towards a quorum queue's delivery limit: for a real refusal only). */
  requeue(held: Held): void {
    if (this.closed.has(held.channel)) return;
    this.ackers.get(held.channel)?.forget(held.message);
    try {
      held.channel.nack(held.message, false, true);
    } catch (error) {
      this.logger.warn(`${this.options.name}: nack failed: ${(error as Error).message}`, 'QueueConsumer');
    }
  }

  /**
   * Puts an identical copy at the end of the queue, confirmed, then acks this one: a delivery held
   * long (a dependency away) goes back without counting as a redelivery, and before the broker's
   * consumer timeout takes it. False when the copy could not be published (it stays held).
   */
  async recycle(held: Held, publisher: ConfirmPublisher): Promise<boolean> {
    if (this.closed.has(held.channel)) return false;
    try {
      await publisher.publishAll([
        {
          exchange: '',
          routingKey: this.options.queue,
          content: held.message.content,
          options: { ...held.message.properties, headers: held.message.properties.headers ?? {} },
        },
      ]);
    } catch (error) {
      this.logger.warn(
        `${this.options.name}: cannot put a held message back: ${(error as Error).message}`,
        'QueueConsumer',
      );
      return false;
    }
    this.ack(held);
    return true;
  }

  /** No new deliveries (the ones held stay with the owner until it settles them). */
  async cancel(): Promise<void> {
    this.stopping = true;
    const current = this.current;
    if (current) await current.channel.cancel(current.consumerTag).catch(() => undefined);
  }

  /** After cancel() and the owner's last settlements: sends the last acks and closes the channel. */
  async close(): Promise<void> {
    this.stopping = true;
    const current = this.current;
    this.current = undefined;
    if (!current) return;
    try {
      this.ackers.get(current.channel)?.flush();
    } catch {
      // closed already: the broker requeues, the ledger dedups
    }
    this.closed.add(current.channel);
    await current.channel.close().catch(() => undefined);
  }

  private async open(connection: ChannelModel): Promise<void> {
    if (this.stopping) return;
    const channel = await connection.createChannel();
    channel.on('error', (error: Error) =>
      this.logger.warn(`${this.options.name} channel error: ${error.message}`, 'QueueConsumer'),
    );
    channel.on('close', () => {
      this.lose(channel);
      if (this.current?.channel !== channel) return;
      this.current = undefined;
      // The broker closed this channel alone (a consumer timeout, a channel error) while the
      // connection lives: consume again on a new one.
      if (!this.stopping && this.client.isConnected()) {
        setTimeout(() => {
          if (!this.stopping && !this.current) void this.open(connection).catch(() => undefined);
        }, 500).unref();
      }
    });
    await this.options.declare(channel);
    await channel.prefetch(this.options.prefetch);
    const acker = new AckBatcher(channel);
    this.ackers.set(channel, acker);
    const { consumerTag } = await channel.consume(
      this.options.queue,
      (message) => {
        if (!message) {
          // Cancelled by the broker (the queue was deleted): a new channel declares it again.
          void channel.close().catch(() => undefined);
          return;
        }
        acker.received(message);
        this.options.onMessage({ message, channel, receivedAt: Date.now() });
      },
      { noAck: false },
    );
    this.current = { channel, consumerTag };
  }

  private lose(channel: Channel): void {
    if (this.closed.has(channel)) return;
    this.closed.add(channel);
    this.options.onChannelLost?.(channel);
  }
}
