import type { ChannelModel, ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import { AmqpClient } from './amqp-client';

export interface OutgoingMessage {
  exchange: string;
  routingKey: string;
  content: Buffer;
  options?: Options.Publish;
  /**
   * Whether a message no queue takes is an error (default true): the broker returns it instead of
   * confirming it into nowhere. Job events to a topic nobody listens to set false.
   */
  mandatory?: boolean;
}

export class BrokerUnavailableError extends Error {
  constructor(message = 'the broker is not connected') {
    super(message);
    this.name = 'BrokerUnavailableError';
  }
}

export interface ConfirmPublisherOptions {
  /** Declares what the publisher sends to, on every new channel (and again after a return). */
  setup?: (channel: ConfirmChannel) => Promise<void>;
  /**
   * The longest wait for a batch's confirms (PUBLISH_CONFIRM_TIMEOUT_MS): a broker that blocks
   * publishers (memory or disk alarm) must not hold the caller's transaction open for ever.
   */
  confirmTimeoutMs?: number;
}

/**
 * Publishes with publisher confirms on one confirm channel per connection. `publishAll` resolves
 * only when the broker has confirmed every message of the batch (persisted to a durable queue), and
 * rejects if any is nacked or returned unroutable, the channel dies, the broker blocks publishers,
 * or the confirms take longer than the deadline: the caller then keeps its outbox entries.
 */
export class ConfirmPublisher {
  private channel: ConfirmChannel | undefined;
  private connection: ChannelModel | undefined;
  private blocked: string | undefined;
  private sequence = 0;
  /** Message ids the broker returned (unroutable) whose confirm has not come yet. */
  private readonly returned = new Set<string>();
  private readonly options: ConfirmPublisherOptions;
  private readonly watched = new WeakSet<ChannelModel>();

  constructor(
    private readonly client: AmqpClient,
    setupOrOptions?: ConfirmPublisherOptions['setup'] | ConfirmPublisherOptions,
  ) {
    this.options = typeof setupOrOptions === 'function' ? { setup: setupOrOptions } : (setupOrOptions ?? {});
  }

  async start(): Promise<void> {
    this.client.onDisconnect(() => {
      this.channel = undefined;
      this.connection = undefined;
      this.blocked = undefined;
    });
    await this.client.addSetup((connection) => this.open(connection));
  }

  /** Connected, with a channel, and not blocked by a resource alarm. */
  isReady(): boolean {
    return this.channel !== undefined && this.blocked === undefined;
  }

  async publishAll(messages: readonly OutgoingMessage[]): Promise<void> {
    const channel = this.channel;
    if (!channel) throw new BrokerUnavailableError();
    if (this.blocked !== undefined)
      throw new BrokerUnavailableError(`the broker blocks publishers: ${this.blocked}`);
    if (messages.length === 0) return;
    const confirms: Array<Promise<void>> = [];
    for (const message of messages) {
      const mandatory = message.mandatory ?? true;
      const messageId = message.options?.messageId ?? `p${++this.sequence}`;
      confirms.push(
        new Promise<void>((resolve, reject) => {
          channel.publish(
            message.exchange,
            message.routingKey,
            message.content,
            { persistent: true, contentType: 'application/json', ...message.options, messageId, mandatory },
            (error) => {
              // A return comes before the confirm of the same message on its channel.
              const wasReturned = mandatory && this.returned.delete(messageId);
              if (error) reject(error instanceof Error ? error : new Error(String(error)));
              else if (wasReturned) {
                reject(
                  new Error(
                    `unroutable: no queue takes ${message.exchange || '(default)'} → ${message.routingKey}`,
                  ),
                );
                this.redeclare(channel);
              } else resolve();
            },
          );
        }),
      );
    }
    await withDeadline(Promise.all(confirms), this.options.confirmTimeoutMs ?? 15_000, messages.length);
  }

  private async open(connection: ChannelModel): Promise<void> {
    this.connection = connection;
    if (!this.watched.has(connection)) {
      this.watched.add(connection);
      connection.on('blocked', (reason: string) => {
        if (this.connection === connection) this.blocked = reason || 'resource alarm';
      });
      connection.on('unblocked', () => {
        if (this.connection === connection) this.blocked = undefined;
      });
    }
    const channel = await connection.createConfirmChannel();
    channel.on('error', () => undefined); // logged by the close handling below
    channel.on('return', (message: ConsumeMessage) => {
      const id = message.properties.messageId as string | undefined;
      if (id) this.returned.add(id);
    });
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
    if (this.options.setup) await this.options.setup(channel);
    this.channel = channel;
  }

  /** Something we publish to is gone (a queue deleted by hand): declare the topology again. */
  private redeclare(channel: ConfirmChannel): void {
    if (!this.options.setup || this.channel !== channel) return;
    void this.options.setup(channel).catch(() => undefined);
  }
}

async function withDeadline<T>(work: Promise<T>, ms: number, count: number): Promise<T> {
  work.catch(() => undefined); // a confirm failing after the deadline has no one left to tell
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(
          () => reject(new BrokerUnavailableError(`no confirm for ${count} message(s) within ${ms} ms`)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
