import { randomBytes } from 'node:crypto';
import type { Channel, Connection, ConsumeMessage, GetMessage, Message, Options, Replies } from 'amqplib';
import { type AmqpMethod, BrokerRefusal, REPLY, unsupported } from './amqp-errors';
import { ChannelLifecycle } from './channel-lifecycle';
import type { MemoryBroker } from './memory-broker';
import type { MemoryQueue, Subscriber, Subscription } from './memory-queue';
import {
  consumeMessage,
  getMessage,
  publishedProperties,
  returnedMessage,
  type StoredMessage,
} from './message';
import { type Unacked, UnackedDeliveries } from './unacked-deliveries';

/** What a channel needs from its connection. */
export interface ChannelHost {
  readonly broker: MemoryBroker;
  readonly connection: Connection;
  /** Whom exclusive queues declared on this channel belong to. */
  readonly owner: object;
  channelClosed(channel: MemoryChannel): void;
  /** An 'error' the channel has no listener for. */
  unhandledError(error: Error): void;
}

/**
 * amqplib's Channel over an in-process broker. As with RabbitMQ: delivery tags count per channel;
 * a refused operation (a missing queue, an unknown delivery tag) closes the channel with its AMQP
 * code, emitting 'error' then 'close'; closing requeues what the channel held unacked, as
 * redelivered. Work that reaches the client asynchronously from RabbitMQ (deliveries, confirms,
 * returns, a close caused by a publish) comes on a later turn here too, never inside the call.
 * There is no flow control: publish always returns true and 'drain' is never emitted.
 */
export class MemoryChannel extends ChannelLifecycle implements Channel, Subscriber {
  readonly connection: Connection;
  private readonly unacked = new UnackedDeliveries();
  private readonly subscriptions = new Map<string, Subscription>();
  private consumerPrefetch = 0;
  private channelPrefetch = 0;

  constructor(protected readonly host: ChannelHost) {
    super();
    this.connection = host.connection;
  }

  // ---- topology

  assertExchange(
    exchange: string,
    type: string,
    options?: Options.AssertExchange,
  ): Promise<Replies.AssertExchange> {
    return this.rpc(() => this.host.broker.assertExchange(exchange, type, options));
  }

  checkExchange(exchange: string): Promise<Replies.Empty> {
    return this.rpc(() => (this.host.broker.checkExchange(exchange), {}));
  }

  deleteExchange(exchange: string, options?: Options.DeleteExchange): Promise<Replies.Empty> {
    return this.rpc(() => (this.host.broker.deleteExchange(exchange, options), {}));
  }

  bindExchange(): Promise<Replies.Empty> {
    return Promise.reject(unsupported('bindExchange'));
  }

  unbindExchange(): Promise<Replies.Empty> {
    return Promise.reject(unsupported('unbindExchange'));
  }

  assertQueue(queue: string, options?: Options.AssertQueue): Promise<Replies.AssertQueue> {
    return this.rpc(() => this.host.broker.assertQueue(this.host.owner, queue, options));
  }

  /** A missing queue closes the channel with 404, as a passive declare does on RabbitMQ. */
  checkQueue(queue: string): Promise<Replies.AssertQueue> {
    return this.rpc(() => this.host.broker.checkQueue(this.host.owner, queue));
  }

  deleteQueue(queue: string, options?: Options.DeleteQueue): Promise<Replies.DeleteQueue> {
    return this.rpc(() => this.host.broker.deleteQueue(this.host.owner, queue, options));
  }

  purgeQueue(queue: string): Promise<Replies.PurgeQueue> {
    return this.rpc(() => this.host.broker.purgeQueue(this.host.owner, queue));
  }

  bindQueue(queue: string, source: string, pattern: string): Promise<Replies.Empty> {
    return this.rpc(() => (this.host.broker.bindQueue(this.host.owner, queue, source, pattern), {}));
  }

  unbindQueue(queue: string, source: string, pattern: string): Promise<Replies.Empty> {
    return this.rpc(() => (this.host.broker.bindQueue(this.host.owner, queue, source, pattern, true), {}));
  }

  // ---- publishing

  publish(exchange: string, routingKey: string, content: Buffer, options?: Options.Publish): boolean {
    this.publishMessage(exchange, routingKey, content, options);
    return true;
  }

  sendToQueue(queue: string, content: Buffer, options?: Options.Publish): boolean {
    return this.publish('', queue, content, options);
  }

  // ---- consuming

  /** `prefetch(n)` limits each consumer started after it; `prefetch(n, true)` the whole channel. */
  prefetch(count: number, global = false): Promise<Replies.Empty> {
    return this.rpc(() => {
      if (global) this.channelPrefetch = count;
      else this.consumerPrefetch = count;
      this.scheduleConsumedQueues();
      return {};
    });
  }

  consume(
    queue: string,
    onMessage: (message: ConsumeMessage | null) => void,
    options: Options.Consume = {},
  ): Promise<Replies.Consume> {
    return this.rpc(() => {
      const args: unknown = options.arguments;
      const priority = args !== null && typeof args === 'object' && 'x-priority' in args;
      if (options.priority !== undefined || priority) throw unsupported('consumer priority');
      const tag = options.consumerTag || `amq.ctag-${randomBytes(16).toString('base64url')}`;
      if (this.subscriptions.has(tag)) {
        throw BrokerRefusal.of(REPLY.notAllowed, `attempt to reuse consumer tag '${tag}'`, 'BasicConsume');
      }
      const target = this.host.broker.queueFor(this.host.owner, queue, 'BasicConsume');
      const subscription: Subscription = {
        tag,
        channel: this,
        queue: target,
        noAck: options.noAck ?? false,
        exclusive: options.exclusive ?? false,
        prefetch: this.consumerPrefetch,
        unacked: 0,
        callback: onMessage,
      };
      target.subscribe(subscription);
      this.subscriptions.set(tag, subscription);
      return { consumerTag: tag };
    });
  }

  /** Stops deliveries to the consumer; what it holds unacked stays held until settled or closed. */
  cancel(consumerTag: string): Promise<Replies.Empty> {
    return this.rpc(() => {
      const subscription = this.subscriptions.get(consumerTag);
      if (subscription) {
        this.subscriptions.delete(consumerTag);
        subscription.queue.unsubscribe(subscription);
      }
      return {};
    });
  }

  get(queue: string, options: Options.Get = {}): Promise<GetMessage | false> {
    return this.rpc(() => {
      const source = this.host.broker.queueFor(this.host.owner, queue, 'BasicGet');
      const message = source.take();
      if (!message) return false as const;
      const tag = this.unacked.nextTag();
      if (!options.noAck) this.unacked.hold(tag, { queue: source, message, subscription: undefined });
      return getMessage(message, tag, source.messageCount, source.quorum);
    });
  }

  ack(message: Message, allUpTo = false): void {
    this.settle('BasicAck', message.fields.deliveryTag, allUpTo, () => undefined);
  }

  ackAll(): void {
    this.settle('BasicAck', 0, true, () => undefined);
  }

  nack(message: Message, allUpTo = false, requeue = true): void {
    this.settle('BasicNack', message.fields.deliveryTag, allUpTo, (entry) => release(entry, requeue));
  }

  nackAll(requeue = true): void {
    this.settle('BasicNack', 0, true, (entry) => release(entry, requeue));
  }

  reject(message: Message, requeue = true): void {
    this.settle('BasicReject', message.fields.deliveryTag, false, (entry) => release(entry, requeue));
  }

  /** Everything the channel holds unacked goes back to its queue, redelivered. */
  recover(): Promise<Replies.Empty> {
    return this.rpc(() => {
      for (const entry of this.unacked.takeAll()) {
        release(entry, true);
        this.host.broker.schedule(entry.queue);
      }
      return {};
    });
  }

  // ---- the broker's side (Subscriber)

  hasCapacity(subscription: Subscription): boolean {
    return (
      this.state === 'open' &&
      this.subscriptions.get(subscription.tag) === subscription &&
      (subscription.noAck || subscription.prefetch === 0 || subscription.unacked < subscription.prefetch) &&
      (this.channelPrefetch === 0 || this.unacked.consumerHeld < this.channelPrefetch)
    );
  }

  deliver(subscription: Subscription, queue: MemoryQueue, message: StoredMessage): void {
    const tag = this.unacked.nextTag();
    if (!subscription.noAck) this.unacked.hold(tag, { queue, message, subscription });
    try {
      subscription.callback(consumeMessage(message, tag, subscription.tag, queue.quorum));
    } catch (error) {
      this.closeWithError(error instanceof Error ? error : new Error(String(error)));
    }
  }

  cancelledByServer(subscription: Subscription): void {
    if (this.subscriptions.get(subscription.tag) !== subscription) return;
    this.subscriptions.delete(subscription.tag);
    this.later(() => subscription.callback(null));
  }

  // ---- for the confirm channel

  /** Throws like amqplib on a closed channel; false when a closing channel discards the message. */
  protected publishMessage(
    exchange: string,
    routingKey: string,
    content: Buffer,
    options: Options.Publish = {},
  ): boolean {
    this.assertUsable();
    if (this.state === 'closing') return false;
    let routed: number;
    try {
      routed = this.host.broker.publish(exchange, routingKey, content, options);
    } catch (error) {
      if (!(error instanceof BrokerRefusal)) throw error;
      this.refuseLater(error);
      return false;
    }
    if (routed === 0 && options.mandatory) {
      const returned = returnedMessage(
        exchange,
        routingKey,
        content,
        publishedProperties(options).properties,
      );
      this.later(() => this.emit('return', returned));
    }
    return true;
  }

  // ---- internals

  private settle(
    method: AmqpMethod,
    tag: number,
    multiple: boolean,
    outcome: (entry: Unacked) => void,
  ): void {
    this.assertUsable();
    if (this.state !== 'open') return; // the broker ignores what comes on a channel it is closing
    const taken = this.unacked.take(tag, multiple);
    if (!taken) {
      this.refuseLater(BrokerRefusal.of(REPLY.preconditionFailed, `unknown delivery tag ${tag}`, method));
      return;
    }
    for (const entry of taken) {
      outcome(entry);
      this.host.broker.schedule(entry.queue);
    }
    if (this.channelPrefetch > 0) this.scheduleConsumedQueues();
  }

  private scheduleConsumedQueues(): void {
    for (const subscription of this.subscriptions.values()) this.host.broker.schedule(subscription.queue);
  }

  protected releaseAll(): void {
    const subscriptions = [...this.subscriptions.values()];
    this.subscriptions.clear();
    for (const subscription of subscriptions) subscription.queue.unsubscribe(subscription);
    for (const entry of this.unacked.takeAll()) entry.queue.returnMessage(entry.message);
    this.host.channelClosed(this);
  }

  protected unhandledError(error: Error): void {
    this.host.unhandledError(error);
  }
}

function release(entry: Unacked, requeue: boolean): void {
  if (requeue) entry.queue.returnMessage(entry.message);
  else entry.queue.reject(entry.message);
}
