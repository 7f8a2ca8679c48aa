import { OutboxRepository } from '@crawlflow/db';
import { ConfirmPublisher, MessagingLogger, silentLogger } from '@crawlflow/messaging';
import type { DataSource } from 'typeorm';

/**
 * Publishes outbox_events rows (job events written in the transaction that changed the job) with
 * confirms, then marks them published. Replicas share the rows through SKIP LOCKED; a crash between
 * confirm and commit publishes an event twice, never zero times (consumers dedup by job and event).
 */
export class EventRelay {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly logger: MessagingLogger;

  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: ConfirmPublisher,
    private readonly options: { intervalMs: number; batchSize: number; logger?: MessagingLogger },
  ) {
    this.logger = options.logger ?? silentLogger;
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async tick(): Promise<number> {
    if (this.running || !this.publisher.isReady()) return 0;
    this.running = true;
    try {
      let total = 0;
      for (;;) {
        const published = await this.runOnce();
        total += published;
        if (published < this.options.batchSize) return total;
      }
    } catch (error) {
      this.logger.warn(
        `event relay round failed (events stay in the outbox): ${(error as Error).message}`,
        'EventRelay',
      );
      return 0;
    } finally {
      this.running = false;
    }
  }

  private runOnce(): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const events = await OutboxRepository.claimUnpublished(manager, this.options.batchSize);
      if (events.length === 0) return 0;
      await this.publisher.publishAll(
        events.map((event) => ({
          exchange: event.exchange,
          routingKey: event.routingKey,
          content: Buffer.from(event.body),
          options: { messageId: `event-${event.id}`, type: event.routingKey },
          // Job events are for whoever listens: none bound is not an error.
          mandatory: false,
        })),
      );
      await OutboxRepository.markPublished(
        manager,
        events.map((event) => event.id),
      );
      return events.length;
    });
  }
}
