import { QUEUE_TYPES, STAGES, taskQueueName, tierForQueueType, TIERS } from '@crawlflow/contracts';
import { TaskLedger } from '@crawlflow/db';
import type { AmqpClient } from '@crawlflow/messaging';
import type { MetricsService } from '@crawlflow/observability';
import { Logger } from '@nestjs/common';
import type { Channel, ChannelModel } from 'amqplib';
import type { DataSource } from 'typeorm';

/**
 * Queue depth from both sides, every few seconds:
 * - `crawlflow_ledger_entries{stage,tier,status}`: WAITING and PROCESSING entries in the ledger;
 * - `crawlflow_backlog{stage,tier}`: work waiting for a worker — ready broker messages plus WAITING
 *   entries (retries scheduled ahead are invisible to the broker): what autoscaling should follow;
 * - `crawlflow_broker_ready_messages{queue}`;
 * - `crawlflow_ledger_broker_drift{stage,tier}`: entries in flight by the ledger minus messages the
 *   broker holds ready. It counts tasks being worked on plus any lost in transit; lost ones come
 *   back after their lease, so a drift that grows and never shrinks means trouble.
 */
export class QueueGauges {
  private timer: NodeJS.Timeout | undefined;
  private channel: Channel | undefined;
  private connection: ChannelModel | undefined;
  private readonly logger = new Logger('QueueGauges');
  private readonly ledger;
  private readonly backlog;
  private readonly ready;
  private readonly drift;

  constructor(
    private readonly dataSource: DataSource,
    private readonly client: AmqpClient,
    metrics: MetricsService,
  ) {
    this.ledger = metrics.gauge({
      name: 'crawlflow_ledger_entries',
      help: 'Ledger entries by stage, tier and status',
      labelNames: ['stage', 'tier', 'status'],
    });
    this.backlog = metrics.gauge({
      name: 'crawlflow_backlog',
      help: 'Tasks waiting for a worker (ready messages + waiting ledger entries)',
      labelNames: ['stage', 'tier'],
    });
    this.ready = metrics.gauge({
      name: 'crawlflow_broker_ready_messages',
      help: 'Ready messages per task queue, as the broker counts them',
      labelNames: ['queue'],
    });
    this.drift = metrics.gauge({
      name: 'crawlflow_ledger_broker_drift',
      help: 'Ledger in-flight entries minus ready broker messages',
      labelNames: ['stage', 'tier'],
    });
  }

  start(intervalMs = 5000): void {
    this.client.onDisconnect(() => {
      this.connection = undefined;
      this.channel = undefined;
    });
    void this.client.addSetup((connection) => {
      this.connection = connection;
      return Promise.resolve();
    });
    this.timer = setInterval(() => void this.refresh(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    void this.channel?.close().catch(() => undefined);
  }

  async refresh(): Promise<void> {
    try {
      const rows = await TaskLedger.depth(this.dataSource);
      const broker = await this.brokerReady();
      for (const stage of STAGES) {
        for (const queueType of QUEUE_TYPES) {
          const tier = tierForQueueType(queueType);
          const of = (status: string) =>
            rows.find((r) => r.stage === stage && r.queueType === queueType && r.status === status)?.count ??
            0;
          const waiting = of('WAITING');
          const processing = of('PROCESSING');
          const ready = broker.get(taskQueueName(stage, tier));
          this.ledger.set({ stage, tier, status: 'WAITING' }, waiting);
          this.ledger.set({ stage, tier, status: 'PROCESSING' }, processing);
          if (ready !== undefined) {
            this.ready.set({ queue: taskQueueName(stage, tier) }, ready);
            this.drift.set({ stage, tier }, processing - ready);
          }
          this.backlog.set({ stage, tier }, waiting + (ready ?? 0));
        }
      }
    } catch (error) {
      this.logger.warn(`queue gauges not refreshed: ${(error as Error).message}`);
    }
  }

  private async brokerReady(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    const channel = await this.openChannel();
    if (!channel) return counts;
    for (const stage of STAGES) {
      for (const tier of TIERS) {
        const queue = taskQueueName(stage, tier);
        const { messageCount } = await channel.checkQueue(queue);
        counts.set(queue, messageCount);
      }
    }
    return counts;
  }

  private async openChannel(): Promise<Channel | undefined> {
    if (this.channel || !this.connection) return this.channel;
    const channel = await this.connection.createChannel();
    channel.on('error', () => undefined); // a missing queue closes the channel: reopened next time
    channel.on('close', () => {
      if (this.channel === channel) this.channel = undefined;
    });
    this.channel = channel;
    return channel;
  }
}
