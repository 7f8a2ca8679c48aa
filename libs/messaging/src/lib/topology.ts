import {
  deadQueueName,
  EXCHANGES,
  RESULTS_QUEUE,
  RESULTS_ROUTING_KEY,
  Stage,
  STAGES,
  taskQueueName,
  taskRoutingKey,
  TIERS,
  TRIGGER_ROUTING_KEY,
  TRIGGERS_DEAD_QUEUE,
  TRIGGERS_QUEUE,
} from '@crawlflow/contracts';
import type { Channel, Options } from 'amqplib';

/**
 * Quorum queues (see docs/adr/0003-quorum-queues.md): replicated, and `x-delivery-limit` turns a
 * message that keeps killing its consumer into a dead letter instead of an endless crash loop.
 * Tiers are separate queues, so the missing per-message priority of 3.10 quorum queues costs nothing.
 */
export const DELIVERY_LIMIT = 20;

function quorum(deadQueue: string): Options.AssertQueue {
  return {
    durable: true,
    arguments: {
      'x-queue-type': 'quorum',
      'x-delivery-limit': DELIVERY_LIMIT,
      'x-dead-letter-exchange': EXCHANGES.dead,
      'x-dead-letter-routing-key': deadQueue,
    },
  };
}

const DEAD_QUEUE: Options.AssertQueue = { durable: true, arguments: { 'x-queue-type': 'quorum' } };

async function declareExchanges(channel: Channel): Promise<void> {
  await channel.assertExchange(EXCHANGES.tasks, 'direct', { durable: true });
  await channel.assertExchange(EXCHANGES.triggers, 'topic', { durable: true });
  await channel.assertExchange(EXCHANGES.events, 'topic', { durable: true });
  await channel.assertExchange(EXCHANGES.dead, 'direct', { durable: true });
}

async function declareDeadQueue(channel: Channel, name: string): Promise<void> {
  await channel.assertQueue(name, DEAD_QUEUE);
  await channel.bindQueue(name, EXCHANGES.dead, name);
}

/** The task queues of one stage (what a worker of that stage consumes), with their dead letters. */
export async function declareStageQueues(channel: Channel, stage: Stage): Promise<void> {
  await declareExchanges(channel);
  const dead = deadQueueName(stage);
  await declareDeadQueue(channel, dead);
  for (const tier of TIERS) {
    const queue = taskQueueName(stage, tier);
    await channel.assertQueue(queue, quorum(dead));
    await channel.bindQueue(queue, EXCHANGES.tasks, taskRoutingKey(stage, tier));
  }
}

/** The results path from the workers back to the orchestrator. */
export async function declareResultsQueue(channel: Channel): Promise<void> {
  await declareExchanges(channel);
  const dead = deadQueueName('results');
  await declareDeadQueue(channel, dead);
  await channel.assertQueue(RESULTS_QUEUE, quorum(dead));
  await channel.bindQueue(RESULTS_QUEUE, EXCHANGES.tasks, RESULTS_ROUTING_KEY);
}

/** The durable queue of trigger events from other services, and where the bad ones go. */
export async function declareTriggerQueues(channel: Channel): Promise<void> {
  await declareExchanges(channel);
  await declareDeadQueue(channel, TRIGGERS_DEAD_QUEUE);
  await channel.assertQueue(TRIGGERS_QUEUE, quorum(TRIGGERS_DEAD_QUEUE));
  await channel.bindQueue(TRIGGERS_QUEUE, EXCHANGES.triggers, TRIGGER_ROUTING_KEY);
}

/** Everything, idempotently: what the orchestrator declares at start (it publishes to all of it). */
export async function declareTopology(channel: Channel): Promise<void> {
  for (const stage of STAGES) await declareStageQueues(channel, stage);
  await declareResultsQueue(channel);
  await declareTriggerQueues(channel);
}
