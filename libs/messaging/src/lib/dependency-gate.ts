import { MessagingLogger, silentLogger } from './logger';

export interface DependencyGateOptions {
  /** What the gate waits for, e.g. `database`; shown in logs. */
  name: string;
  /** Resolves when the dependency answers (e.g. `SELECT 1`), rejects while it does not. */
  probe: () => Promise<unknown>;
  /** First pause between probes; it doubles up to `maxDelayMs`. */
  minDelayMs?: number;
  maxDelayMs?: number;
  logger?: MessagingLogger;
  /** Told when the gate closes and opens again (metrics). */
  onChange?: (open: boolean) => void;
}

/**
 * Consumers pause on it while a dependency is unreachable instead of handing their deliveries back:
 * a nack counts towards a quorum queue's delivery limit, so a few seconds of database outage would
 * dead-letter valid messages. Whoever meets an infrastructure error reports it; the gate closes and
 * probes with backoff until the dependency answers, and everyone waiting resumes.
 */
export class DependencyGate {
  private closedSince: number | undefined;
  private waiters: Array<() => void> = [];
  private probing = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly logger: MessagingLogger;

  constructor(private readonly options: DependencyGateOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  isOpen(): boolean {
    return this.closedSince === undefined;
  }

  /** How long the gate has been closed (0 while open). */
  closedForMs(): number {
    return this.closedSince === undefined ? 0 : Date.now() - this.closedSince;
  }

  /** An infrastructure error was met: close (if open) and probe until the dependency answers. */
  report(error: unknown): void {
    if (this.stopped) return;
    if (this.closedSince === undefined) {
      this.closedSince = Date.now();
      this.logger.warn(
        `${this.options.name} unavailable (${errorText(error)}): pausing until it answers`,
        'DependencyGate',
      );
      this.options.onChange?.(false);
    }
    if (!this.probing) this.schedule(this.options.minDelayMs ?? 100);
  }

  /** Resolves at once while open; otherwise when the gate opens (or is stopped). */
  waitOpen(): Promise<void> {
    if (this.isOpen() || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Releases every waiter (shutdown): they find the dependency still down and give up. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const wake of this.waiters.splice(0)) wake();
  }

  private schedule(delayMs: number): void {
    this.probing = true;
    this.timer = setTimeout(() => void this.probe(delayMs), delayMs);
    this.timer.unref();
  }

  private async probe(delayMs: number): Promise<void> {
    if (this.stopped) return;
    try {
      await this.options.probe();
    } catch {
      this.schedule(Math.min(this.options.maxDelayMs ?? 5000, delayMs * 2));
      return;
    }
    this.probing = false;
    const closedFor = this.closedForMs();
    this.closedSince = undefined;
    this.logger.warn(`${this.options.name} answers again after ${closedFor} ms: resuming`, 'DependencyGate');
    this.options.onChange?.(true);
    for (const wake of this.waiters.splice(0)) wake();
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
