import { AsyncLocalStorage } from 'node:async_hooks';

/** A turn on the one SQLite connection: a transaction from BEGIN to its end, or one statement. */
export interface Lease {
  readonly queue: WriteQueue;
  readonly id: number;
  readonly label: string;
  since: number;
  /** Where the holder took it (transactions only: single statements never wait on anything). */
  readonly stack?: string;
  active: boolean;
  reported: boolean;
}

/** Whose transaction the running code belongs to (one store for every queue: leases name theirs). */
const transactionContext = new AsyncLocalStorage<Lease>();

/**
 * Runs `work` outside any transaction's async context: what it starts (and what that schedules)
 * queues like any other caller. For code that hands work to another party from inside a
 * transaction, e.g. an in-process bus delivering a message its publisher sent mid-transaction:
 * the consumer's statements must not join the publisher's transaction.
 */
export function outsideTransactions<T>(work: () => T): T {
  return transactionContext.exit(work);
}

interface Waiter {
  lease: Lease;
  grant: () => void;
  /** Where the waiter asked, kept for the stall report. */
  stack?: string;
}

export interface WriteQueueOptions {
  /** A holder that keeps the connection longer than this is reported (once). */
  stallMs?: number;
  /** Where stall reports go. */
  report?: (message: string) => void;
}

/**
 * better-sqlite3 is one synchronous connection: two transactions on it would interleave their
 * statements into one. Every transaction, and every statement outside one, takes its turn here
 * (FIFO). Code that runs inside a transaction's async context (AsyncLocalStorage) is part of that
 * transaction and runs at once, as its statements would run on its connection in MySQL.
 *
 * The trap: a transaction whose callback awaits work that issues a statement *outside* its context
 * (a cache filled by another caller, a broker round trip that waits on a consumer writing to the
 * database) waits for itself. The watchdog names such a holder with its stack, and the stacks of
 * the statements waiting behind it, once it keeps the connection past `stallMs`.
 */
export class WriteQueue {
  private holder: Lease | undefined;
  private readonly waiters: Waiter[] = [];
  private nextId = 1;
  private watchdog: NodeJS.Timeout | undefined;
  private readonly stallMs: number;
  private readonly report: (message: string) => void;

  constructor(options: WriteQueueOptions = {}) {
    this.stallMs = options.stallMs ?? 5000;
    this.report = options.report ?? ((message) => console.warn(message));
  }

  /** The transaction whose async context the caller runs in, while it still holds the connection. */
  contextLease(): Lease | undefined {
    const lease = transactionContext.getStore();
    return lease?.active && lease.queue === this ? lease : undefined;
  }

  /** Runs `work` as part of `lease` (statements it issues join the transaction). */
  runAs<T>(lease: Lease, work: () => T): T {
    return transactionContext.run(lease, work);
  }

  /** Waits for the connection. Synchronous when it is free (resolved promise, no queueing). */
  acquire(label: string, withStack: boolean): Promise<Lease> {
    const lease = this.newLease(label, withStack ? new Error().stack : undefined);
    if (!this.holder) {
      this.grant(lease);
      return Promise.resolve(lease);
    }
    return new Promise((resolve) => {
      this.waiters.push({
        lease,
        grant: () => resolve(lease),
        stack: withStack ? lease.stack : new Error().stack,
      });
      this.arm();
    });
  }

  /** Takes the connection for a synchronous step if it is free; undefined if it is not. */
  tryAcquire(label: string): Lease | undefined {
    if (this.holder) return undefined;
    const lease = this.newLease(label);
    this.grant(lease);
    return lease;
  }

  private newLease(label: string, stack?: string): Lease {
    return {
      queue: this,
      id: this.nextId++,
      label,
      since: Date.now(),
      active: false,
      reported: false,
      ...(stack !== undefined ? { stack } : {}),
    };
  }

  release(lease: Lease): void {
    if (!lease.active) return;
    lease.active = false;
    if (this.holder !== lease) return;
    this.holder = undefined;
    const next = this.waiters.shift();
    if (next) {
      this.grant(next.lease);
      next.grant();
    } else this.disarm();
  }

  /** Statements and transactions waiting now (for tests and diagnostics). */
  get waiting(): number {
    return this.waiters.length;
  }

  get busy(): boolean {
    return this.holder !== undefined;
  }

  private grant(lease: Lease): void {
    lease.since = Date.now();
    lease.active = true;
    this.holder = lease;
  }

  private arm(): void {
    if (this.watchdog) return;
    this.watchdog = setInterval(() => this.check(), Math.max(100, Math.floor(this.stallMs / 5)));
    this.watchdog.unref();
  }

  private disarm(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = undefined;
  }

  private check(): void {
    const holder = this.holder;
    if (!holder || holder.reported || Date.now() - holder.since < this.stallMs) return;
    holder.reported = true;
    const waiting = this.waiters
      .slice(0, 3)
      .map((waiter, i) => `  waiter ${i + 1} (${waiter.lease.label}):\n${indent(waiter.stack)}`)
      .join('\n');
    this.report(
      `SQLite write queue: ${holder.label} #${holder.id} has held the connection for ${Date.now() - holder.since} ms ` +
        `with ${this.waiters.length} waiting. If it awaits work that queues a statement outside its ` +
        `transaction, it waits for itself.\n  holder:\n${indent(holder.stack)}\n${waiting}`,
    );
  }
}

function indent(stack: string | undefined): string {
  return (stack ?? '(no stack)')
    .split('\n')
    .slice(1, 16)
    .map((line) => `    ${line.trim()}`)
    .join('\n');
}
