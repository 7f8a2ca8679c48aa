import type { Channel, Message } from 'amqplib';

/**
 * Acks of one channel, sent together: acks asked for in the same turn of the event loop go out as
 * one frame with `multiple` for the longest run of settled deliveries from the oldest unacked one,
 * and one frame each for the rest. A worker that acks a whole result batch at once sends one frame
 * instead of hundreds (each frame is a socket write on our side and a command on the broker's).
 */
export class AckBatcher {
  /** Delivery tags not yet acked, oldest first (the broker numbers them upwards per channel). */
  private unacked: Message[] = [];
  private readonly settled = new Set<number>();
  private scheduled = false;

  constructor(private readonly channel: Channel) {}

  /** Every delivery of the channel passes here first, in arrival order. */
  received(message: Message): void {
    this.unacked.push(message);
  }

  /** The delivery is done with: ack it with the next flush. */
  ack(message: Message): void {
    this.settled.add(message.fields.deliveryTag);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      try {
        this.flush();
      } catch {
        // the channel closed meanwhile: the broker requeues what it held, the ledger dedups
      }
    });
  }

  /** The delivery leaves by another way (nacked, channel closed): stop tracking it. */
  forget(message: Message): void {
    const index = this.unacked.indexOf(message);
    if (index >= 0) this.unacked.splice(index, 1);
    this.settled.delete(message.fields.deliveryTag);
  }

  /** Sends what is settled now; throws if the channel has closed (the broker requeues it all). */
  flush(): void {
    this.scheduled = false;
    if (this.settled.size === 0) return;
    let prefix = 0;
    while (prefix < this.unacked.length && this.settled.has(this.unacked[prefix].fields.deliveryTag)) {
      this.settled.delete(this.unacked[prefix].fields.deliveryTag);
      prefix += 1;
    }
    const upTo = prefix > 0 ? this.unacked[prefix - 1] : undefined;
    this.unacked.splice(0, prefix);
    const rest: Message[] = [];
    if (this.settled.size > 0) {
      // Settled behind a delivery still running: single acks, and one pass to drop them.
      const waiting: Message[] = [];
      for (const message of this.unacked) {
        (this.settled.has(message.fields.deliveryTag) ? rest : waiting).push(message);
      }
      this.unacked = waiting;
      this.settled.clear();
    }
    if (upTo) this.channel.ack(upTo, prefix > 1);
    for (const message of rest) this.channel.ack(message);
  }
}
