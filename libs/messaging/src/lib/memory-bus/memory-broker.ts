import { AsyncResource } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import type { Options, Replies } from 'amqplib';
import { BrokerRefusal, REPLY, unsupported, type AmqpMethod } from './amqp-errors';
import { MemoryQueue, type QueueHost } from './memory-queue';
import { deadLetterProperties, publishedProperties, type DeathReason, type StoredMessage } from './message';
import { assertEquivalent, queueSettings } from './queue-settings';
import { Exchange, isExchangeType } from './routing';

/** Deliveries one queue makes per turn of the event loop: timers and I/O run between turns. */
const DELIVERIES_PER_TURN = 256;

/**
 * Deliveries run in the bus's own async context, made when this module loads, never in that of the
 * publish that caused them. As over a network, a consumer must not inherit what the publisher holds
 * in AsyncLocalStorage: the relay publishes inside its database transaction, and a worker's
 * statements would otherwise join that transaction on the single SQLite connection.
 */
const DELIVERY_CONTEXT = new AsyncResource('MemoryBusDelivery');

/** The connection side the broker needs: to close it when the broker is dropped. */
export interface BrokerConnection {
  forceClose(reason: string): void;
}

/**
 * One in-process broker, the counterpart of a RabbitMQ vhost: exchanges, queues, bindings and the
 * connections to it. It holds messages in memory only and never persists them: in standalone mode
 * the ledger in the database is the truth, and its lease sweeper dispatches again whatever a crash
 * of the process lost. Operations the broker refuses throw `BrokerRefusal`, which closes the
 * channel that asked (see MemoryChannel).
 */
export class MemoryBroker implements QueueHost {
  private readonly exchanges = new Map<string, Exchange>();
  private readonly queues = new Map<string, MemoryQueue>();
  private readonly connections = new Set<BrokerConnection>();
  private readonly dirty = new Set<MemoryQueue>();
  private scheduled = false;

  constructor(readonly name: string) {
    const builtIn = { durable: true, autoDelete: false, internal: false };
    this.exchanges.set('amq.direct', new Exchange('amq.direct', 'direct', builtIn));
    this.exchanges.set('amq.topic', new Exchange('amq.topic', 'topic', builtIn));
    this.exchanges.set('amq.fanout', new Exchange('amq.fanout', 'fanout', builtIn));
  }

  get vhost(): string {
    return this.name === '' ? '/' : this.name;
  }

  attach(connection: BrokerConnection): void {
    this.connections.add(connection);
  }

  /** A connection closed: the exclusive queues it declared go with it. */
  detach(connection: BrokerConnection): void {
    this.connections.delete(connection);
    for (const queue of [...this.queues.values()]) if (queue.owner === connection) this.removeQueue(queue);
  }

  /** The broker goes away (a test's vhost deleted): every connection to it is closed by the server. */
  drop(): void {
    for (const connection of [...this.connections]) connection.forceClose(`broker '${this.vhost}' dropped`);
    for (const queue of [...this.queues.values()]) this.removeQueue(queue);
  }

  // ---- exchanges

  assertExchange(name: string, type: string, options: Options.AssertExchange = {}): Replies.AssertExchange {
    if (!isExchangeType(type)) throw unsupported(`exchange type '${type}'`);
    if (options.alternateExchange !== undefined) throw unsupported('alternate exchanges');
    if (name === '')
      throw this.refuse(
        REPLY.accessRefused,
        'operation not permitted on the default exchange',
        'ExchangeDeclare',
      );
    const durable = options.durable ?? true;
    const existing = this.exchanges.get(name);
    if (existing) {
      const differs: Array<[string, unknown, unknown]> = [
        ['type', type, existing.type],
        ['durable', durable, existing.options.durable],
      ];
      for (const [argument, received, current] of differs) {
        if (received !== current) {
          throw this.refuse(
            REPLY.preconditionFailed,
            `inequivalent arg '${argument}' for exchange '${name}' in vhost '${this.vhost}': received '${String(received)}' but current is '${String(current)}'`,
            'ExchangeDeclare',
          );
        }
      }
      return { exchange: name };
    }
    if (name.startsWith('amq.')) {
      throw this.refuse(
        REPLY.accessRefused,
        `exchange name '${name}' contains reserved prefix 'amq.*'`,
        'ExchangeDeclare',
      );
    }
    this.exchanges.set(
      name,
      new Exchange(name, type, {
        durable,
        autoDelete: options.autoDelete ?? false,
        internal: options.internal ?? false,
      }),
    );
    return { exchange: name };
  }

  checkExchange(name: string): void {
    if (name !== '' && !this.exchanges.has(name)) throw this.noExchange(name, 'ExchangeDeclare');
  }

  deleteExchange(name: string, options: Options.DeleteExchange = {}): void {
    if (name === '' || name.startsWith('amq.')) {
      throw this.refuse(
        REPLY.accessRefused,
        `operation not permitted on exchange '${name || '(default)'}'`,
        'ExchangeDelete',
      );
    }
    const exchange = this.exchanges.get(name);
    if (!exchange) return; // idempotent, as in RabbitMQ
    if (options.ifUnused && exchange.hasBindings()) {
      throw this.refuse(
        REPLY.preconditionFailed,
        `exchange '${name}' in vhost '${this.vhost}' in use`,
        'ExchangeDelete',
      );
    }
    this.exchanges.delete(name);
  }

  // ---- queues

  assertQueue(owner: object, requested: string, options: Options.AssertQueue = {}): Replies.AssertQueue {
    const name = requested === '' ? `amq.gen-${randomBytes(16).toString('base64url')}` : requested;
    const settings = queueSettings(name, this.vhost, options);
    const existing = this.queues.get(name);
    if (existing) {
      this.checkOwner(owner, existing, 'QueueDeclare');
      assertEquivalent(name, this.vhost, existing.settings, settings);
      return this.countsOf(existing);
    }
    if (name.startsWith('amq.') && requested !== '') {
      throw this.refuse(
        REPLY.accessRefused,
        `queue name '${name}' contains reserved prefix 'amq.*'`,
        'QueueDeclare',
      );
    }
    const queue = new MemoryQueue(name, settings, settings.exclusive ? owner : undefined, this);
    this.queues.set(name, queue);
    return this.countsOf(queue);
  }

  checkQueue(owner: object, name: string): Replies.AssertQueue {
    return this.countsOf(this.queueFor(owner, name, 'QueueDeclare'));
  }

  deleteQueue(owner: object, name: string, options: Options.DeleteQueue = {}): Replies.DeleteQueue {
    const queue = this.queues.get(name);
    if (!queue) return { messageCount: 0 }; // idempotent, as in RabbitMQ
    this.checkOwner(owner, queue, 'QueueDelete');
    if (options.ifUnused && queue.consumerCount > 0) {
      throw this.refuse(
        REPLY.preconditionFailed,
        `queue '${name}' in vhost '${this.vhost}' in use`,
        'QueueDelete',
      );
    }
    if (options.ifEmpty && queue.messageCount > 0) {
      throw this.refuse(
        REPLY.preconditionFailed,
        `queue '${name}' in vhost '${this.vhost}' is not empty`,
        'QueueDelete',
      );
    }
    return { messageCount: this.removeQueue(queue) };
  }

  purgeQueue(owner: object, name: string): Replies.PurgeQueue {
    return { messageCount: this.queueFor(owner, name, 'QueuePurge').purge() };
  }

  bindQueue(owner: object, queue: string, exchange: string, pattern: string, unbind = false): void {
    const method = unbind ? 'QueueUnbind' : 'QueueBind';
    if (exchange === '')
      throw this.refuse(REPLY.accessRefused, 'operation not permitted on the default exchange', method);
    const target = this.queueFor(owner, queue, method);
    const source = this.exchanges.get(exchange);
    if (!source) throw this.noExchange(exchange, method);
    if (!unbind) source.bind(target.name, pattern);
    else {
      source.unbind(target.name, pattern);
      if (source.options.autoDelete && !source.hasBindings()) this.exchanges.delete(exchange);
    }
  }

  /** The queue an operation names, if it exists and this connection may use it. */
  queueFor(owner: object, name: string, method: AmqpMethod): MemoryQueue {
    const queue = this.queues.get(name);
    if (!queue) throw this.refuse(REPLY.notFound, `no queue '${name}' in vhost '${this.vhost}'`, method);
    this.checkOwner(owner, queue, method);
    return queue;
  }

  consumersGone(queue: MemoryQueue): void {
    if (queue.settings.autoDelete && this.queues.get(queue.name) === queue) this.removeQueue(queue);
  }

  // ---- messages

  /** Routes a copy of the message to every queue it matches; returns how many took it. */
  publish(exchange: string, routingKey: string, content: Buffer, options: Options.Publish = {}): number {
    const { properties, extraKeys } = publishedProperties(options);
    const targets = this.route(exchange, [routingKey, ...extraKeys], 'BasicPublish');
    if (targets.length === 0) return 0;
    const copy = Buffer.from(content);
    for (const queue of targets) {
      queue.enqueue({
        content: copy,
        properties,
        exchange,
        routingKey,
        deliveryCount: 0,
        redelivered: false,
      });
    }
    return targets.length;
  }

  deadLetter(queue: MemoryQueue, message: StoredMessage, reason: DeathReason): void {
    const exchange = queue.settings.deadLetterExchange;
    if (exchange === undefined) return;
    const routingKey = queue.settings.deadLetterRoutingKey ?? message.routingKey;
    let targets: MemoryQueue[];
    try {
      targets = this.route(exchange, [routingKey], 'BasicPublish');
    } catch {
      return; // a dead-letter exchange that does not exist: RabbitMQ drops the message too
    }
    const properties = deadLetterProperties(message, queue.name, reason);
    for (const target of targets) {
      target.enqueue({
        content: message.content,
        properties,
        exchange,
        routingKey,
        deliveryCount: 0,
        redelivered: false,
      });
    }
  }

  schedule(queue: MemoryQueue): void {
    this.dirty.add(queue);
    if (this.scheduled) return;
    this.scheduled = true;
    DELIVERY_CONTEXT.runInAsyncScope(() => setImmediate(() => this.dispatch()));
  }

  private dispatch(): void {
    this.scheduled = false;
    const queues = [...this.dirty];
    this.dirty.clear();
    for (const queue of queues) {
      if (queue.dispatch(DELIVERIES_PER_TURN)) this.schedule(queue);
    }
  }

  private route(exchange: string, routingKeys: string[], method: AmqpMethod): MemoryQueue[] {
    if (exchange === '') {
      const names = new Set(routingKeys);
      return [...names].map((name) => this.queues.get(name)).filter((q): q is MemoryQueue => q !== undefined);
    }
    const source = this.exchanges.get(exchange);
    if (!source) throw this.noExchange(exchange, method);
    const names = new Set<string>();
    for (const key of routingKeys) for (const name of source.route(key)) names.add(name);
    return [...names].map((name) => this.queues.get(name)).filter((q): q is MemoryQueue => q !== undefined);
  }

  private removeQueue(queue: MemoryQueue): number {
    this.queues.delete(queue.name);
    for (const exchange of [...this.exchanges.values()]) {
      if (exchange.forget(queue.name) && exchange.options.autoDelete && !exchange.hasBindings())
        this.exchanges.delete(exchange.name);
    }
    this.dirty.delete(queue);
    return queue.destroy();
  }

  private countsOf(queue: MemoryQueue): Replies.AssertQueue {
    return { queue: queue.name, messageCount: queue.messageCount, consumerCount: queue.consumerCount };
  }

  private checkOwner(owner: object, queue: MemoryQueue, method: AmqpMethod): void {
    if (queue.owner !== undefined && queue.owner !== owner) {
      throw this.refuse(
        REPLY.resourceLocked,
        `cannot obtain exclusive access to locked queue '${queue.name}' in vhost '${this.vhost}'`,
        method,
      );
    }
  }

  private noExchange(name: string, method: AmqpMethod): BrokerRefusal {
    return this.refuse(REPLY.notFound, `no exchange '${name}' in vhost '${this.vhost}'`, method);
  }

  private refuse(code: number, detail: string, method: AmqpMethod): BrokerRefusal {
    return BrokerRefusal.of(code, detail, method);
  }
}
