import type { ConsumeMessage } from 'amqplib';
import { BrokerRefusal, REPLY } from './amqp-errors';
import type { DeathReason, StoredMessage } from './message';
import type { QueueSettings } from './queue-settings';

/** A FIFO with O(1) shift: a head index into an array, compacted now and then. */
class Fifo<T> {
  private items: Array<T | undefined> = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head += 1;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  clear(): number {
    const count = this.length;
    this.items = [];
    this.head = 0;
    return count;
  }
}

/** The channel side of a consumer, as the queue needs it. */
export interface Subscriber {
  /** May this consumer take one more delivery now (open channel, prefetch not reached)? */
  hasCapacity(subscription: Subscription): boolean;
  deliver(subscription: Subscription, queue: MemoryQueue, message: StoredMessage): void;
  /** The queue went away under the consumer (amqplib calls the callback with null). */
  cancelledByServer(subscription: Subscription): void;
}

export interface Subscription {
  readonly tag: string;
  readonly channel: Subscriber;
  readonly queue: MemoryQueue;
  readonly noAck: boolean;
  readonly exclusive: boolean;
  /** Per-consumer prefetch (0: no limit), fixed when the consumer started, as in RabbitMQ. */
  readonly prefetch: number;
  unacked: number;
  readonly callback: (message: ConsumeMessage | null) => void;
}

/** What a queue needs from its broker. */
export interface QueueHost {
  readonly vhost: string;
  /** Asks for a dispatch turn of this queue (never synchronously). */
  schedule(queue: MemoryQueue): void;
  deadLetter(queue: MemoryQueue, message: StoredMessage, reason: DeathReason): void;
  /** The last consumer left: an auto-delete queue goes. */
  consumersGone(queue: MemoryQueue): void;
}

/**
 * One queue: ready messages in FIFO order, returned (requeued) ones ahead of them in the order they
 * came back, as a quorum queue serves its returns first; consumers served round-robin, each up to
 * its prefetch.
 */
export class MemoryQueue {
  private readonly ready = new Fifo<StoredMessage>();
  private readonly returns = new Fifo<StoredMessage>();
  private consumers: Subscription[] = [];
  private cursor = 0;
  private everConsumed = false;
  deleted = false;

  constructor(
    readonly name: string,
    readonly settings: QueueSettings,
    /** The connection an exclusive queue belongs to. */
    readonly owner: object | undefined,
    private readonly host: QueueHost,
  ) {}

  get quorum(): boolean {
    return this.settings.type === 'quorum';
  }

  get messageCount(): number {
    return this.ready.length + this.returns.length;
  }

  get consumerCount(): number {
    return this.consumers.length;
  }

  enqueue(message: StoredMessage): void {
    if (this.deleted) return;
    this.ready.push(message);
    this.host.schedule(this);
  }

  take(): StoredMessage | undefined {
    return this.returns.shift() ?? this.ready.shift();
  }

  /**
   * A delivery came back unsettled (nack with requeue, its channel closed, recover). A quorum queue
   * counts it, and past `x-delivery-limit` dead-letters it instead of serving it again.
   */
  returnMessage(message: StoredMessage): void {
    if (this.deleted) return;
    if (this.quorum) {
      message.deliveryCount += 1;
      const limit = this.settings.deliveryLimit;
      if (limit !== undefined && message.deliveryCount > limit) {
        this.host.deadLetter(this, message, 'delivery_limit');
        return;
      }
    }
    message.redelivered = true;
    this.returns.push(message);
    this.host.schedule(this);
  }

  /** Refused without requeue: dead-lettered when the queue has a dead-letter exchange, else gone. */
  reject(message: StoredMessage): void {
    if (!this.deleted) this.host.deadLetter(this, message, 'rejected');
  }

  purge(): number {
    return this.ready.clear() + this.returns.clear();
  }

  subscribe(subscription: Subscription): void {
    const exclusive = subscription.exclusive || this.consumers.some((c) => c.exclusive);
    if (exclusive && this.consumers.length > 0) {
      throw BrokerRefusal.of(
        REPLY.accessRefused,
        `queue '${this.name}' in vhost '${this.host.vhost}' in exclusive use`,
        'BasicConsume',
      );
    }
    this.consumers.push(subscription);
    this.everConsumed = true;
    this.host.schedule(this);
  }

  unsubscribe(subscription: Subscription): void {
    const index = this.consumers.indexOf(subscription);
    if (index < 0) return;
    this.consumers.splice(index, 1);
    if (index < this.cursor) this.cursor -= 1;
    if (this.consumers.length === 0 && this.everConsumed) this.host.consumersGone(this);
  }

  /** Deleted: consumers are told (callback with null), messages dropped. */
  destroy(): number {
    this.deleted = true;
    const count = this.purge();
    const consumers = this.consumers;
    this.consumers = [];
    for (const subscription of consumers) subscription.channel.cancelledByServer(subscription);
    return count;
  }

  /**
   * Hands out up to `budget` messages, round-robin over the consumers with room. True when it stopped
   * for the budget with more to hand out (the broker gives it another turn).
   */
  dispatch(budget: number): boolean {
    let delivered = 0;
    while (!this.deleted && this.messageCount > 0) {
      const subscription = this.nextWithCapacity();
      if (!subscription) return false;
      if (delivered >= budget) return true;
      const message = this.take();
      if (!message) return false;
      delivered += 1;
      subscription.channel.deliver(subscription, this, message);
    }
    return false;
  }

  private nextWithCapacity(): Subscription | undefined {
    const count = this.consumers.length;
    for (let i = 0; i < count; i += 1) {
      const index = (this.cursor + i) % count;
      const subscription = this.consumers[index];
      if (subscription.channel.hasCapacity(subscription)) {
        this.cursor = (index + 1) % count;
        return subscription;
      }
    }
    return undefined;
  }
}
