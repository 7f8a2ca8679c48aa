/**
 * The errors of the in-process bus, shaped like amqplib's so that callers that read `code` or match
 * a message keep working: a refused operation closes the channel with an AMQP reply code, and a call
 * on a closed channel throws `IllegalOperationError` synchronously.
 */

export const REPLY = {
  success: 200,
  noRoute: 312,
  connectionForced: 320,
  accessRefused: 403,
  notFound: 404,
  resourceLocked: 405,
  preconditionFailed: 406,
  notAllowed: 530,
  internalError: 541,
} as const;

const REPLY_NAMES: Record<number, string> = {
  200: 'REPLY-SUCCESS',
  312: 'NO-ROUTE',
  320: 'CONNECTION-FORCED',
  403: 'ACCESS-REFUSED',
  404: 'NOT-FOUND',
  405: 'RESOURCE-LOCKED',
  406: 'PRECONDITION-FAILED',
  530: 'NOT-ALLOWED',
  541: 'INTERNAL-ERROR',
};

/** AMQP class and method ids, as amqplib puts them on a channel error. */
const METHOD_IDS = {
  ExchangeDeclare: [40, 10],
  ExchangeDelete: [40, 20],
  QueueDeclare: [50, 10],
  QueueBind: [50, 20],
  QueuePurge: [50, 30],
  QueueDelete: [50, 40],
  QueueUnbind: [50, 50],
  BasicQos: [60, 10],
  BasicConsume: [60, 20],
  BasicCancel: [60, 30],
  BasicPublish: [60, 40],
  BasicGet: [60, 70],
  BasicAck: [60, 80],
  BasicReject: [60, 90],
  BasicRecover: [60, 110],
  BasicNack: [60, 120],
} as const;

export type AmqpMethod = keyof typeof METHOD_IDS;

/** The reply text RabbitMQ sends, e.g. `NOT_FOUND - no queue 'q' in vhost '/'`. */
export function replyText(code: number, detail: string): string {
  return `${(REPLY_NAMES[code] ?? String(code)).replace(/-/g, '_')} - ${detail}`;
}

/**
 * The broker refuses an operation: the channel it came on closes with this code and text. Thrown
 * inside the bus only; callers see `operationError()` and `closedError()`, as amqplib shows them.
 */
export class BrokerRefusal extends Error {
  constructor(
    readonly code: number,
    readonly text: string,
    readonly method: AmqpMethod,
  ) {
    super(text);
    this.name = 'BrokerRefusal';
  }

  static of(code: number, detail: string, method: AmqpMethod): BrokerRefusal {
    return new BrokerRefusal(code, replyText(code, detail), method);
  }

  private describe(): string {
    return `${this.code} (${REPLY_NAMES[this.code] ?? 'UNKNOWN'}) with message "${this.text}"`;
  }

  /** The rejection of the operation that caused the close (amqplib: "Operation failed: …"). */
  operationError(): AmqpChannelError {
    return new AmqpChannelError(`Operation failed: ${this.method}; ${this.describe()}`, this);
  }

  /** The channel's 'error' event, and the rejection of operations caught by the close. */
  closedError(): AmqpChannelError {
    return new AmqpChannelError(`Channel closed by server: ${this.describe()}`, this);
  }
}

export class AmqpChannelError extends Error {
  readonly code: number;
  readonly classId: number;
  readonly methodId: number;

  constructor(message: string, reason: BrokerRefusal) {
    super(message);
    this.code = reason.code;
    [this.classId, this.methodId] = METHOD_IDS[reason.method];
  }
}

/** Like amqplib's: an operation on a channel or connection that is closed (or closing). */
export class IllegalOperationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IllegalOperationError';
  }
}

/** A part of amqplib's API the bus does not implement: callers get told which, not a wrong answer. */
export function unsupported(what: string): Error {
  return new Error(`memory bus: ${what} is not supported`);
}
