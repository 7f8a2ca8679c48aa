export const EXCHANGE_TYPES = ['direct', 'topic', 'fanout'] as const;
export type ExchangeType = (typeof EXCHANGE_TYPES)[number];

export function isExchangeType(type: string): type is ExchangeType {
  return (EXCHANGE_TYPES as readonly string[]).includes(type);
}

/** A routing key or binding pattern as topic words; the empty key has none (as in RabbitMQ). */
function words(key: string): string[] {
  return key === '' ? [] : key.split('.');
}

/** AMQP topic matching: `*` is exactly one word, `#` zero or more. */
export function topicMatches(pattern: string, routingKey: string): boolean {
  return matchWords(words(pattern), 0, words(routingKey), 0);
}

function matchWords(pattern: string[], p: number, key: string[], k: number): boolean {
  while (p < pattern.length) {
    const word = pattern[p];
    if (word === '#') {
      while (p + 1 < pattern.length && pattern[p + 1] === '#') p += 1;
      if (p === pattern.length - 1) return true;
      for (let skip = k; skip <= key.length; skip += 1) {
        if (matchWords(pattern, p + 1, key, skip)) return true;
      }
      return false;
    }
    if (k >= key.length || (word !== '*' && word !== key[k])) return false;
    p += 1;
    k += 1;
  }
  return k === key.length;
}

export interface ExchangeOptions {
  durable: boolean;
  autoDelete: boolean;
  internal: boolean;
}

/** An exchange and its bindings, by queue name: it says where a routing key goes, nothing more. */
export class Exchange {
  /** Binding pattern → names of the queues bound with it. */
  private readonly bindings = new Map<string, Set<string>>();

  constructor(
    readonly name: string,
    readonly type: ExchangeType,
    readonly options: ExchangeOptions,
  ) {}

  bind(queue: string, pattern: string): void {
    let queues = this.bindings.get(pattern);
    if (!queues) {
      queues = new Set();
      this.bindings.set(pattern, queues);
    }
    queues.add(queue);
  }

  unbind(queue: string, pattern: string): void {
    const queues = this.bindings.get(pattern);
    queues?.delete(queue);
    if (queues?.size === 0) this.bindings.delete(pattern);
  }

  /** Drops every binding of a deleted queue; true when it had any. */
  forget(queue: string): boolean {
    let had = false;
    for (const [pattern, queues] of [...this.bindings]) {
      if (!queues.has(queue)) continue;
      had = true;
      this.unbind(queue, pattern);
    }
    return had;
  }

  hasBindings(): boolean {
    return this.bindings.size > 0;
  }

  /** Names of the queues a message with this routing key goes to (each once). */
  route(routingKey: string): Set<string> {
    const targets = new Set<string>();
    for (const [pattern, queues] of this.bindings) {
      if (this.matches(pattern, routingKey)) for (const queue of queues) targets.add(queue);
    }
    return targets;
  }

  private matches(pattern: string, routingKey: string): boolean {
    switch (this.type) {
      case 'direct':
        return pattern === routingKey;
      case 'topic':
        return topicMatches(pattern, routingKey);
      case 'fanout':
        return true;
    }
  }
}
