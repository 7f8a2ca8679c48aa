import type { ChannelModel, ConfirmChannel, Options } from 'amqplib';
import { AmqpClient } from './amqp-client';

export interface OutgoingMessage {
  exchange: string;
  routingKey: string;
  content: Buffer;
  options?: Options.Publish;
}

export class BrokerUnavailableError extends Error {
  constructor(message = 'the broker is not connected') {
    super(message);
    this.name = 'BrokerUnavailableError';
  }
}

/**
 * Publishes with publisher confirms on one confirm channel per connection. `publishAll` resolves
 * only when the broker has confirmed every message of the batch (persisted to a durable queue), and
 * rejects if any is nacked or the channel dies first: the caller then keeps its outbox entries.
 */
export class ConfirmPublisher {
  private channel: ConfirmChannel | undefined;
  private connection: ChannelModel | undefined;

  constructor(
    private readonly client: AmqpClient,
    private readonly setup?: (channel: ConfirmChannel) => Promise<void>,
  ) {}

  async start(): Promise<void> {
    this.client.onDisconnect(() => {
      this.channel = undefined;
      this.connection = undefined;
    });
    await this.client.addSetup((connection) => this.open(connection));
  }

  isReady(): boolean {
    return this.channel !== undefined;
  }

  async publishAll(messages: readonly OutgoingMessage[]): Promise<void> {
    const channel = this.channel;
    if (!channel) throw new BrokerUnavailableError();
    if (messages.length === 0) return;
    const confirms: Array<Promise<void>> = [];
    for (const message of messages) {
      confirms.push(
        new Promise<void>((resolve, reject) => {
          const writable = channel.publish(
            message.exchange,
            message.routingKey,
            message.content,
            { persistent: true, contentType: 'application/json', ...message.options },
            (error) =>
              error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(),
          );
          // Past the socket's high-water mark amqplib still buffers; the confirms bound the batch.
          void writable;
        }),
      );
    }
    await Promise.all(confirms);
  }

  private async open(connection: ChannelModel): Promise<void> {
    this.connection = connection;
    const channel = await connection.createConfirmChannel();
    channel.on('error', () => undefined); // logged by the close handling below
    channel.on('close', () => {
      if (this.channel !== channel) return;
      this.channel = undefined;
      // A channel-level error (not a lost connection) closes only this channel: open another.
      if (this.connection === connection) {
        setTimeout(() => {
          if (this.connection === connection && !this.channel)
            void this.open(connection).catch(() => undefined);
        }, 200).unref();
      }
    });
    if (this.setup) await this.setup(channel);
    this.channel = channel;
  }
}
