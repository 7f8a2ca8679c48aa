import { EventEmitter } from 'node:events';
import { BrokerRefusal, IllegalOperationError } from './amqp-errors';

/** An exception from a user callback surfaces as uncaught, as it would from amqplib's socket handler. */
export function rethrowLater(error: unknown): void {
  setImmediate(() => {
    throw error;
  });
}

/**
 * How a channel of the bus opens, refuses and closes, as amqplib and RabbitMQ do it: an operation the
 * broker refuses closes the channel with its AMQP code ('error', then 'close'); an RPC's refusal is
 * seen before the caller resumes, a publish's or an ack's on a later turn (as the close frame would
 * come); replies the broker sent before the close (returns, confirms, cancels) arrive before it; a
 * call on a closed channel throws IllegalOperationError. Subclasses do the broker's side of a close.
 */
export abstract class ChannelLifecycle extends EventEmitter {
  /** 'closing': the broker has refused something; the close reaches the client on the next turn. */
  protected state: 'open' | 'closing' | 'closed' = 'open';
  private refusal: BrokerRefusal | undefined;
  /** Replies in the order the broker sends them. */
  private readonly outbox: Array<() => void> = [];
  private flushScheduled = false;

  /** The broker's side of a close: consumers cancelled, unacked deliveries back to their queues. */
  protected abstract releaseAll(): void;

  /** An 'error' no listener of the channel takes. */
  protected abstract unhandledError(error: Error): void;

  close(): Promise<void> {
    if (this.state === 'closed') return Promise.reject(new IllegalOperationError('Channel closed'));
    if (this.refusal) this.closeByServer(this.refusal);
    else this.closeNow(true);
    return Promise.resolve();
  }

  /** The connection closed: by the client (replies already due still arrive first) or forced. */
  connectionClosed(flush: boolean): void {
    if (this.state !== 'closed') this.closeNow(flush);
  }

  protected assertUsable(): void {
    if (this.state === 'closed') throw new IllegalOperationError('Channel closed');
  }

  /** A reply for the client, on a later turn, in order. */
  protected later(action: () => void): void {
    this.outbox.push(action);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flushOutbox();
    });
  }

  /** The client side of a close, after the broker's: confirm channels settle what is unconfirmed first. */
  protected finishClose(): void {
    this.emit('close');
  }

  /** Runs an RPC; a refusal closes the channel before the caller sees the rejection. */
  protected rpc<T>(work: () => T): Promise<T> {
    if (this.state === 'closed') return Promise.reject(new IllegalOperationError('Channel closed'));
    if (this.refusal) return Promise.reject(this.refusal.closedError());
    try {
      return Promise.resolve(work());
    } catch (error) {
      if (!(error instanceof BrokerRefusal)) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
      this.closeByServer(error);
      return Promise.reject(error.operationError());
    }
  }

  /** Something refused outside an RPC (a publish, an ack): the channel closes on the next turn. */
  protected refuseLater(refusal: BrokerRefusal): void {
    if (this.refusal) return;
    this.refusal = refusal;
    this.state = 'closing';
    this.later(() => this.closeByServer(refusal));
  }

  /** amqplib closes the channel when a consumer callback throws, and emits the error on it. */
  protected closeWithError(error: Error): void {
    if (this.state === 'closed') return;
    this.state = 'closing';
    this.flushOutbox();
    if (this.isClosed()) return;
    this.shutdown();
    this.reportError(error);
    this.finishClose();
  }

  private closeByServer(refusal: BrokerRefusal): void {
    if (this.state === 'closed') return;
    this.refusal = refusal;
    this.state = 'closing';
    this.flushOutbox();
    if (this.isClosed()) return;
    this.shutdown();
    this.reportError(refusal.closedError());
    this.finishClose();
  }

  private closeNow(flush: boolean): void {
    if (flush) this.flushOutbox();
    if (this.isClosed()) return;
    this.shutdown();
    this.finishClose();
  }

  private shutdown(): void {
    this.state = 'closed';
    this.outbox.length = 0;
    this.releaseAll();
  }

  /** Not narrowed by the compiler: a flushed reply (a user callback) may have closed the channel. */
  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private reportError(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else this.unhandledError(error);
  }

  /** Replies run in order; one that throws (a user callback) does not lose the rest. */
  private flushOutbox(): void {
    while (this.outbox.length > 0) {
      const action = this.outbox.shift();
      try {
        action?.();
      } catch (error) {
        rethrowLater(error);
      }
    }
  }
}
