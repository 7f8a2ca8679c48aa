import { EntryRef, TaskLedger } from '@crawlflow/db';
import { MessagingLogger, silentLogger } from '@crawlflow/messaging';
import type { DataSource } from 'typeorm';

type LeasedRef = EntryRef & { attempt: number };

interface Held {
  ref: LeasedRef;
  /** When the worker took the delivery: extensions stop `maxHoldMs` later. */
  since: number;
}

export interface LeaseKeeperOptions {
  leaseMs: number;
  /**
   * The longest a worker keeps renewing one entry: a task still running by then is taken for hung,
   * its lease runs out and the sweeper deals with it (default 3 leases).
   */
  maxHoldMs?: number;
  logger?: MessagingLogger;
}

/**
 * Heartbeats for the entries a worker holds, from their arrival (while they wait for a slot, too)
 * until their result is published: every
 * quarter lease one UPDATE renews all of them, so a task that waits behind politeness limits or
 * takes long is not dispatched a second time while its worker is alive. A worker that dies (or
 * whose event loop is stuck) stops renewing, and its entries come back after one lease.
 *
 * The lease began at dispatch, no earlier than the entry's created_at: a delivery whose entry is
 * younger than half a lease has at least half a lease left, more than the time to the next beat, so
 * only older ones (retries, long queues) are renewed at once.
 */
export class LeaseKeeper {
  private readonly held = new Map<string, Held>();
  private readonly urgent = new Map<string, LeasedRef>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private readonly logger: MessagingLogger;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: LeaseKeeperOptions,
  ) {
    this.logger = options.logger ?? silentLogger;
  }

  start(): void {
    this.timer = setInterval(() => void this.beat(), Math.max(250, Math.floor(this.options.leaseMs / 4)));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  hold(ref: LeasedRef, createdAtMs?: number): void {
    this.held.set(ref.id, { ref, since: Date.now() });
    const age = createdAtMs === undefined ? Infinity : Date.now() - createdAtMs;
    if (age >= this.options.leaseMs / 2) {
      this.urgent.set(ref.id, ref);
      if (!this.flushing) this.flushing = this.renewUrgent();
    }
  }

  release(id: string): void {
    this.held.delete(id);
    this.urgent.delete(id);
  }

  heldCount(): number {
    return this.held.size;
  }

  private async renewUrgent(): Promise<void> {
    await Promise.resolve(); // the rest of this turn's deliveries join the batch
    const refs = [...this.urgent.values()];
    this.urgent.clear();
    try {
      await TaskLedger.extendLeases(this.dataSource, refs, this.options.leaseMs);
    } catch (error) {
      this.logger.warn(`cannot renew leases: ${(error as Error).message}`, 'LeaseKeeper');
    } finally {
      this.flushing = undefined;
      if (this.urgent.size > 0) this.flushing = this.renewUrgent();
    }
  }

  private async beat(): Promise<void> {
    const maxHold = this.options.maxHoldMs ?? this.options.leaseMs * 3;
    const now = Date.now();
    const refs = [...this.held.values()].filter((h) => now - h.since < maxHold).map((h) => h.ref);
    if (refs.length === 0) return;
    try {
      for (let i = 0; i < refs.length; i += 1000)
        await TaskLedger.extendLeases(this.dataSource, refs.slice(i, i + 1000), this.options.leaseMs);
    } catch (error) {
      // The next beat tries again; a lease that runs out meanwhile is dispatched once more (dedup).
      this.logger.warn(`cannot renew leases: ${(error as Error).message}`, 'LeaseKeeper');
    }
  }
}
