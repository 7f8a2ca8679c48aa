import type {
  ConsumeMessage,
  GetMessage,
  MessageProperties,
  MessagePropertyHeaders,
  Options,
  XDeath,
} from 'amqplib';
import { REPLY, unsupported } from './amqp-errors';

/** A message as a queue holds it: its own copy of the content, never handed out itself. */
export interface StoredMessage {
  readonly content: Buffer;
  /** Never mutated once stored: deliveries and dead letters copy it. */
  readonly properties: MessageProperties;
  readonly exchange: string;
  readonly routingKey: string;
  /** Deliveries that came back unsettled (what a quorum queue counts in `x-delivery-count`). */
  deliveryCount: number;
  redelivered: boolean;
}

/** What a channel's 'return' event carries for an unroutable mandatory message (amqplib's shape). */
export interface ReturnedMessage {
  fields: { replyCode: number; replyText: string; exchange: string; routingKey: string };
  properties: MessageProperties;
  content: Buffer;
}

export type DeathReason = 'rejected' | 'delivery_limit';

/** Header values are copied so that neither the publisher nor a consumer can change a stored message. */
function copyValue(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return Buffer.from(value);
  if (Array.isArray(value)) return value.map(copyValue);
  if (value instanceof Date) return new Date(value.getTime());
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, copyValue(inner)]));
  }
  return value;
}

function copyHeaders(headers: unknown): MessagePropertyHeaders {
  if (headers === null || typeof headers !== 'object') return {};
  return copyValue(headers) as MessagePropertyHeaders;
}

function asList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

/**
 * The properties a consumer will see, from amqplib's publish options (as `Args.publish` maps them),
 * and the extra routing keys of CC and BCC (BCC is routed on but never delivered).
 */
export function publishedProperties(options: Options.Publish = {}): {
  properties: MessageProperties;
  extraKeys: string[];
} {
  if (options.expiration !== undefined) throw unsupported('per-message expiration (TTL)');
  const headers = copyHeaders(options.headers);
  const cc = asList(options.CC);
  const bcc = asList(options.BCC);
  if (options.CC !== undefined) headers.CC = cc;
  delete headers.BCC;
  let deliveryMode: number | undefined;
  if (options.persistent !== undefined) deliveryMode = options.persistent ? 2 : 1;
  else if (typeof options.deliveryMode === 'number') deliveryMode = options.deliveryMode;
  else if (options.deliveryMode) deliveryMode = 2;
  return {
    properties: {
      contentType: options.contentType,
      contentEncoding: options.contentEncoding,
      headers,
      deliveryMode,
      priority: options.priority,
      correlationId: options.correlationId,
      replyTo: options.replyTo,
      expiration: undefined,
      messageId: options.messageId,
      timestamp: options.timestamp,
      type: options.type,
      userId: options.userId,
      appId: options.appId,
      clusterId: undefined,
    },
    extraKeys: [...cc, ...bcc],
  };
}

/** A fresh copy of the properties for one delivery; quorum queues add the delivery count. */
function deliveredProperties(message: StoredMessage, quorum: boolean): MessageProperties {
  const headers = copyHeaders(message.properties.headers);
  if (quorum && message.deliveryCount > 0) headers['x-delivery-count'] = message.deliveryCount;
  return { ...message.properties, headers };
}

export function consumeMessage(
  message: StoredMessage,
  deliveryTag: number,
  consumerTag: string,
  quorum: boolean,
): ConsumeMessage {
  return {
    content: Buffer.from(message.content),
    fields: {
      consumerTag,
      deliveryTag,
      redelivered: message.redelivered,
      exchange: message.exchange,
      routingKey: message.routingKey,
    },
    properties: deliveredProperties(message, quorum),
  };
}

export function getMessage(
  message: StoredMessage,
  deliveryTag: number,
  messageCount: number,
  quorum: boolean,
): GetMessage {
  return {
    content: Buffer.from(message.content),
    fields: {
      deliveryTag,
      redelivered: message.redelivered,
      exchange: message.exchange,
      routingKey: message.routingKey,
      messageCount,
    },
    properties: deliveredProperties(message, quorum),
  };
}

export function returnedMessage(
  exchange: string,
  routingKey: string,
  content: Buffer,
  properties: MessageProperties,
): ReturnedMessage {
  return {
    fields: { replyCode: REPLY.noRoute, replyText: 'NO_ROUTE', exchange, routingKey },
    properties: { ...properties, headers: copyHeaders(properties.headers) },
    content: Buffer.from(content),
  };
}

/**
 * The properties of a dead letter: RabbitMQ's `x-death` (one entry per queue and reason, counted,
 * the latest first) and the `x-first-death-*` headers, as 3.10 writes them.
 */
export function deadLetterProperties(
  message: StoredMessage,
  queue: string,
  reason: DeathReason,
): MessageProperties {
  const headers = copyHeaders(message.properties.headers);
  const deaths = Array.isArray(headers['x-death']) ? headers['x-death'] : [];
  const index = deaths.findIndex((death) => death.queue === queue && death.reason === reason);
  const previous = index >= 0 ? deaths.splice(index, 1)[0] : undefined;
  const routingKeys = [message.routingKey, ...asList(headers.CC as string[] | undefined)];
  // The header type lists the reasons of classic queues only; quorum queues add `delivery_limit`.
  const death = {
    count: (previous?.count ?? 0) + 1,
    reason,
    queue,
    time: { '!': 'timestamp', value: Math.floor(Date.now() / 1000) },
    exchange: message.exchange,
    'routing-keys': routingKeys,
  } as XDeath;
  headers['x-death'] = [death, ...deaths];
  headers['x-first-death-exchange'] ??= message.exchange;
  headers['x-first-death-queue'] ??= queue;
  headers['x-first-death-reason'] ??= reason;
  return { ...message.properties, headers };
}
