import { DEAD_REASON_HEADER, EXCHANGES } from '@crawlflow/contracts';
import type { OutgoingMessage } from '@crawlflow/messaging';
import type { ConsumeMessage } from 'amqplib';

/**
 * A copy of a refused message for its dead-letter queue, with the reason in a header. Publishing it
 * (confirmed) before acking the original means a refused message is never simply dropped.
 */
export function deadLetter(message: ConsumeMessage, deadQueue: string, reason: string): OutgoingMessage {
  return {
    exchange: EXCHANGES.dead,
    routingKey: deadQueue,
    content: message.content,
    options: {
      headers: {
        ...(message.properties.headers ?? {}),
        [DEAD_REASON_HEADER]: reason.slice(0, 1000),
        'x-crawlflow-original-queue': message.fields.routingKey,
        'x-crawlflow-dead-at': new Date().toISOString(),
      },
      contentType: shortString(message.properties.contentType),
      correlationId: shortString(message.properties.correlationId),
      messageId: shortString(message.properties.messageId),
    },
  };
}

/** amqplib types these properties `any`; the broker delivers them as strings when they are set. */
function shortString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
