import type { ConfirmChannel, Options } from 'amqplib';
import { rethrowLater } from './channel-lifecycle';
import { MemoryChannel } from './memory-channel';

type ConfirmCallback = NonNullable<Parameters<ConfirmChannel['publish']>[4]>;

interface Unconfirmed {
  callback: ConfirmCallback | undefined;
  waiters: Array<(error: Error | null) => void>;
}

/**
 * A channel in confirm mode: each publish is confirmed (callback with null) on a later turn, once the
 * message is in every queue it routes to; an unroutable mandatory message is returned ('return')
 * before its confirm, as RabbitMQ orders them. When the channel closes first, the callbacks still
 * waiting get `Error('channel closed')`, as amqplib gives them.
 */
export class MemoryConfirmChannel extends MemoryChannel implements ConfirmChannel {
  private sequence = 0;
  private readonly unconfirmed = new Map<number, Unconfirmed>();

  override publish(
    exchange: string,
    routingKey: string,
    content: Buffer,
    options?: Options.Publish,
    callback?: ConfirmCallback,
  ): boolean {
    const accepted = this.publishMessage(exchange, routingKey, content, options);
    const sequence = ++this.sequence;
    this.unconfirmed.set(sequence, { callback, waiters: [] });
    if (accepted) this.later(() => this.confirm(sequence, null));
    return true;
  }

  override sendToQueue(
    queue: string,
    content: Buffer,
    options?: Options.Publish,
    callback?: ConfirmCallback,
  ): boolean {
    return this.publish('', queue, content, options, callback);
  }

  /** Resolves once every publish so far is confirmed; rejects if one of them fails. */
  waitForConfirms(): Promise<void> {
    const waits = [...this.unconfirmed.values()].map(
      (entry) =>
        new Promise<void>((resolve, reject) =>
          entry.waiters.push((error) => (error ? reject(error) : resolve())),
        ),
    );
    return Promise.all(waits).then(() => undefined);
  }

  protected override finishClose(): void {
    for (const sequence of [...this.unconfirmed.keys()]) this.confirm(sequence, new Error('channel closed'));
    super.finishClose();
  }

  private confirm(sequence: number, error: Error | null): void {
    const entry = this.unconfirmed.get(sequence);
    if (!entry) return;
    this.unconfirmed.delete(sequence);
    try {
      entry.callback?.(error, {});
    } catch (thrown) {
      rethrowLater(thrown);
    } finally {
      for (const waiter of entry.waiters) waiter(error);
    }
  }
}
