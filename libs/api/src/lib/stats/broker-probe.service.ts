import {
  deadQueueName,
  RESULTS_QUEUE,
  STAGES,
  taskQueueName,
  TIERS,
  TRIGGERS_DEAD_QUEUE,
  TRIGGERS_QUEUE,
} from '@crawlflow/contracts';
import { AmqpClient } from '@crawlflow/messaging';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { Channel, ChannelModel } from 'amqplib';

export interface BrokerQueueCount {
  queue: string;
  /** Ready messages (not delivered to a consumer). */
  messages: number | null;
  consumers: number | null;
  error?: string;
}

/** Every queue the platform declares, in a stable order. */
export function platformQueues(): string[] {
  return [
    ...STAGES.flatMap((stage) => TIERS.map((tier) => taskQueueName(stage, tier))),
    RESULTS_QUEUE,
    TRIGGERS_QUEUE,
    ...STAGES.map((stage) => deadQueueName(stage)),
    deadQueueName('results'),
    TRIGGERS_DEAD_QUEUE,
  ];
}

/** The broker's own view of the queues (passive checks: nothing is declared here). */
@Injectable()
export class BrokerProbe implements OnModuleInit {
  private connection: ChannelModel | undefined;

  constructor(@Inject(AmqpClient) private readonly client: AmqpClient) {}

  async onModuleInit(): Promise<void> {
    this.client.onDisconnect(() => {
      this.connection = undefined;
    });
    await this.client.addSetup((connection) => {
      this.connection = connection;
      return Promise.resolve();
    });
  }

  async counts(
    queues: readonly string[] = platformQueues(),
  ): Promise<BrokerQueueCount[] | { error: string }> {
    const connection = this.connection;
    if (!connection) return { error: 'the broker is not connected' };
    const results: BrokerQueueCount[] = [];
    let channel: Channel | undefined;
    try {
      for (const queue of queues) {
        // A passive check of a missing queue closes the channel: the next queue gets a new one.
        channel ??= await openChannel(connection);
        try {
          const ok = await channel.checkQueue(queue);
          results.push({ queue, messages: ok.messageCount, consumers: ok.consumerCount });
        } catch (error) {
          channel = undefined;
          results.push({ queue, messages: null, consumers: null, error: (error as Error).message });
        }
      }
    } catch (error) {
      return { error: `cannot read queue counts: ${(error as Error).message}` };
    } finally {
      await channel?.close().catch(() => undefined);
    }
    return results;
  }
}

async function openChannel(connection: ChannelModel): Promise<Channel> {
  const channel = await connection.createChannel();
  channel.on('error', () => undefined); // a 404 on checkQueue; reported per queue
  return channel;
}
