import type { MemoryQueue, Subscription } from './memory-queue';
import type { StoredMessage } from './message';

export interface Unacked {
  queue: MemoryQueue;
  message: StoredMessage;
  /** Undefined for a message taken with get(). */
  subscription: Subscription | undefined;
}

/**
 * What one channel holds unacknowledged, by delivery tag. Tags count up from 1 per channel and only
 * grow, so the map's insertion order is tag order (what `multiple` settles).
 */
export class UnackedDeliveries {
  private readonly entries = new Map<number, Unacked>();
  private lastTag = 0;
  private heldByConsumers = 0;

  /** Unacked deliveries to consumers (what a channel-wide prefetch limits). */
  get consumerHeld(): number {
    return this.heldByConsumers;
  }

  nextTag(): number {
    this.lastTag += 1;
    return this.lastTag;
  }

  hold(tag: number, entry: Unacked): void {
    this.entries.set(tag, entry);
    if (entry.subscription) {
      entry.subscription.unacked += 1;
      this.heldByConsumers += 1;
    }
  }

  /**
   * The deliveries an ack or nack settles: the one tagged, or with `multiple` every one up to it
   * (tag 0 with `multiple`: all). Undefined when the tag is not held: RabbitMQ's "unknown delivery tag".
   */
  take(tag: number, multiple: boolean): Unacked[] | undefined {
    if (multiple && tag === 0) return this.takeAll();
    const single = this.entries.get(tag);
    if (!single) return undefined;
    if (!multiple) {
      this.entries.delete(tag);
      return [this.released(single)];
    }
    const taken: Unacked[] = [];
    for (const [held, entry] of this.entries) {
      if (held > tag) break;
      this.entries.delete(held);
      taken.push(this.released(entry));
    }
    return taken;
  }

  takeAll(): Unacked[] {
    const taken = [...this.entries.values()].map((entry) => this.released(entry));
    this.entries.clear();
    return taken;
  }

  private released(entry: Unacked): Unacked {
    if (entry.subscription) {
      entry.subscription.unacked -= 1;
      this.heldByConsumers -= 1;
    }
    return entry;
  }
}
