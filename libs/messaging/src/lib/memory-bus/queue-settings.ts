import type { Options } from 'amqplib';
import { BrokerRefusal, REPLY, unsupported } from './amqp-errors';

export type QueueType = 'classic' | 'quorum';

/** A queue's declared properties: what a redeclaration must match. */
export interface QueueSettings {
  durable: boolean;
  exclusive: boolean;
  autoDelete: boolean;
  type: QueueType;
  /** Quorum queues only: returns of a message beyond this dead-letter it. */
  deliveryLimit: number | undefined;
  /** '' is valid (the default exchange); undefined means none. */
  deadLetterExchange: string | undefined;
  deadLetterRoutingKey: string | undefined;
}

const SUPPORTED_ARGUMENTS = new Set([
  'x-queue-type',
  'x-delivery-limit',
  'x-dead-letter-exchange',
  'x-dead-letter-routing-key',
  // Where a classic queue keeps its messages: nothing to honour in memory.
  'x-queue-mode',
]);

/** Options amqplib promotes to arguments that the bus does not implement. */
const UNSUPPORTED_OPTIONS: Array<[keyof Options.AssertQueue, string]> = [
  ['messageTtl', 'x-message-ttl'],
  ['expires', 'x-expires'],
  ['maxLength', 'x-max-length'],
  ['maxPriority', 'x-max-priority'],
];

function argumentsOf(options: Options.AssertQueue): Record<string, unknown> {
  const raw: unknown = options.arguments;
  const args: Record<string, unknown> = raw !== null && typeof raw === 'object' ? { ...raw } : {};
  if (options.deadLetterExchange !== undefined) args['x-dead-letter-exchange'] = options.deadLetterExchange;
  if (options.deadLetterRoutingKey !== undefined)
    args['x-dead-letter-routing-key'] = options.deadLetterRoutingKey;
  return args;
}

/** An argument as RabbitMQ would compare it: a scalar's text (a table or array as JSON). */
function text(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

function optionalString(value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : text(value);
}

/**
 * Reads a declaration as amqplib sends it (durable unless said otherwise). Arguments the bus cannot
 * honour (TTLs, length limits, priorities, streams) are refused with an error naming them rather
 * than silently ignored.
 */
export function queueSettings(name: string, vhost: string, options: Options.AssertQueue = {}): QueueSettings {
  for (const [option, argument] of UNSUPPORTED_OPTIONS) {
    if (options[option] !== undefined) throw unsupported(`queue argument ${argument}`);
  }
  const args = argumentsOf(options);
  for (const key of Object.keys(args)) {
    if (key.startsWith('x-') && !SUPPORTED_ARGUMENTS.has(key)) throw unsupported(`queue argument ${key}`);
  }
  const requestedType = optionalString(args['x-queue-type']) ?? 'classic';
  if (requestedType === 'stream') throw unsupported('stream queues');
  if (requestedType !== 'classic' && requestedType !== 'quorum') {
    throw BrokerRefusal.of(
      REPLY.preconditionFailed,
      `invalid arg 'x-queue-type' for queue '${name}'`,
      'QueueDeclare',
    );
  }
  const type: QueueType = requestedType;
  const settings: QueueSettings = {
    durable: options.durable ?? true,
    exclusive: options.exclusive ?? false,
    autoDelete: options.autoDelete ?? false,
    type,
    deliveryLimit: undefined,
    deadLetterExchange: optionalString(args['x-dead-letter-exchange']),
    deadLetterRoutingKey: optionalString(args['x-dead-letter-routing-key']),
  };
  if (type === 'quorum') {
    const limit = args['x-delivery-limit'];
    if (limit !== undefined) {
      const value = Number(limit);
      if (!Number.isInteger(value) || value < 0) {
        throw BrokerRefusal.of(
          REPLY.preconditionFailed,
          `invalid arg 'x-delivery-limit' for queue '${name}' in vhost '${vhost}'`,
          'QueueDeclare',
        );
      }
      settings.deliveryLimit = value;
    }
    const invalid = !settings.durable
      ? 'non-durable'
      : settings.exclusive
        ? 'exclusive'
        : settings.autoDelete
          ? 'auto-delete'
          : undefined;
    if (invalid) {
      throw BrokerRefusal.of(
        REPLY.preconditionFailed,
        `invalid property '${invalid}' for queue '${name}' in vhost '${vhost}'`,
        'QueueDeclare',
      );
    }
  }
  return settings;
}

const COMPARED: Array<[keyof QueueSettings, string]> = [
  ['durable', 'durable'],
  ['autoDelete', 'auto_delete'],
  ['type', 'x-queue-type'],
  ['deliveryLimit', 'x-delivery-limit'],
  ['deadLetterExchange', 'x-dead-letter-exchange'],
  ['deadLetterRoutingKey', 'x-dead-letter-routing-key'],
];

/** A redeclaration that differs from the queue closes the channel with 406, as RabbitMQ does. */
export function assertEquivalent(
  name: string,
  vhost: string,
  current: QueueSettings,
  requested: QueueSettings,
): void {
  for (const [key, argument] of COMPARED) {
    if (current[key] === requested[key]) continue;
    const shown = (value: unknown) => (value === undefined ? 'none' : `'${text(value)}'`);
    throw BrokerRefusal.of(
      REPLY.preconditionFailed,
      `inequivalent arg '${argument}' for queue '${name}' in vhost '${vhost}': received ${shown(requested[key])} but current is ${shown(current[key])}`,
      'QueueDeclare',
    );
  }
}
