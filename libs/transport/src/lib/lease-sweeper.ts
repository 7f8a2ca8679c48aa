import { TaskLedger } from '@crawlflow/db';
import { MessagingLogger, silentLogger } from '@crawlflow/messaging';
import type { DataSource } from 'typeorm';
import { noMetrics, TransportMetrics } from './transport-metrics';

/**
 * Finds entries whose lease ran out (their worker died, or the message was lost with a broker that
 * had not yet persisted it) and puts them back to WAITING for the relay. Safe on every replica:
 * each entry is moved by one atomic UPDATE.
 */
export class LeaseSweeper {
  private timer: NodeJS.Timeout | undefined;
  private readonly logger: MessagingLogger;
  private readonly metrics: TransportMetrics;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: {
      leaseMs: number;
      onRecovered?: () => void;
      logger?: MessagingLogger;
      metrics?: TransportMetrics;
    },
  ) {
    this.logger = options.logger ?? silentLogger;
    this.metrics = options.metrics ?? noMetrics;
  }

  start(): void {
    const every = Math.max(1000, Math.min(30_000, Math.floor(this.options.leaseMs / 2)));
    this.timer = setInterval(() => void this.sweep(), every);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async sweep(): Promise<number> {
    try {
      let total = 0;
      for (;;) {
        const moved = await TaskLedger.recoverExpiredLeases(this.dataSource, 1000);
        total += moved;
        if (moved < 1000) break;
      }
      if (total > 0) {
        this.metrics.leasesRecovered(total);
        this.logger.warn(`${total} entries outlived their lease; dispatching them again`, 'LeaseSweeper');
        this.options.onRecovered?.();
      }
      return total;
    } catch (error) {
      this.logger.warn(`lease sweep failed: ${(error as Error).message}`, 'LeaseSweeper');
      return 0;
    }
  }
}
