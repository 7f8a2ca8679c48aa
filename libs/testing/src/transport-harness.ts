import type { Stage } from '@crawlflow/contracts';
import { NewTask, TaskLedger } from '@crawlflow/db';
import {
  MessagingLogger,
  silentLogger,
  AmqpClient,
  ConfirmPublisher,
  declareTopology,
} from '@crawlflow/messaging';
import {
  defaultResultPolicy,
  LeaseSweeper,
  OutboxRelay,
  ResultPolicy,
  ResultProcessor,
  ResultProcessorOptions,
  TaskHandler,
  TaskWorker,
  AppliedHook,
} from '@crawlflow/transport';
import type { DataSource } from 'typeorm';

export interface OrchestratorSide {
  client: AmqpClient;
  relay: OutboxRelay;
  processor: ResultProcessor;
  sweeper: LeaseSweeper;
  /** Results applied so far (counted in process: polling the ledger would load the database). */
  applied(): number;
  enqueue(tasks: NewTask[]): Promise<void>;
  stop(): Promise<void>;
}

/** The orchestrator half of the transport, wired as the app wires it, for in-process tests. */
export async function startOrchestratorSide(
  dataSource: DataSource,
  amqpUrl: string,
  options: {
    batchSize?: number;
    intervalMs?: number;
    leaseMs?: number;
    policy?: ResultPolicy;
    prepare?: ResultProcessorOptions['prepare'];
    onApplied?: AppliedHook;
    relay?: boolean;
    logger?: MessagingLogger;
  } = {},
): Promise<OrchestratorSide> {
  const logger = options.logger ?? (process.env.TRANSPORT_DEBUG ? consoleLogger : silentLogger);
  const client = new AmqpClient({ url: amqpUrl, name: 'test-orchestrator', logger });
  const publisher = new ConfirmPublisher(client, declareTopology);
  await publisher.start();
  const leaseMs = options.leaseMs ?? 60_000;
  let applied = 0;
  const relay = new OutboxRelay(dataSource, publisher, {
    batchSize: options.batchSize ?? 500,
    intervalMs: options.intervalMs ?? 100,
    leaseMs,
    logger,
  });
  const processor = new ResultProcessor(client, dataSource, publisher, {
    prefetch: 2000,
    maxBatch: 500,
    concurrency: 3,
    policy: options.policy ?? defaultResultPolicy(3, { baseMs: 100, capMs: 1000, jitter: 0 }),
    prepare: options.prepare,
    onApplied: options.onApplied,
    afterCommit: (batch) => {
      applied += batch.length;
      relay.kick();
    },
    logger,
  });
  await processor.start();
  const sweeper = new LeaseSweeper(dataSource, { leaseMs, onRecovered: () => relay.kick(), logger });
  client.start();
  await client.waitUntilConnected(15_000);
  if (options.relay !== false) relay.start();
  return {
    client,
    relay,
    processor,
    sweeper,
    applied: () => applied,
    enqueue: async (tasks) => {
      await dataSource.transaction((manager) => TaskLedger.enqueue(manager, tasks));
      relay.kick();
    },
    stop: async () => {
      sweeper.stop();
      await relay.stop();
      await processor.stop(5000);
      await client.close();
    },
  };
}

export interface WorkerSide {
  client: AmqpClient;
  worker: TaskWorker;
  stop(): Promise<void>;
}

export async function startWorkerSide(
  dataSource: DataSource,
  amqpUrl: string,
  stage: Stage,
  handler: TaskHandler,
  options: {
    prefetch?: number;
    concurrency?: number;
    name?: string;
    leaseMs?: number;
    maxDeliveries?: number;
    logger?: MessagingLogger;
  } = {},
): Promise<WorkerSide> {
  const client = new AmqpClient({
    url: amqpUrl,
    name: options.name ?? `test-${stage}-worker`,
    logger: options.logger,
  });
  const worker = new TaskWorker(client, dataSource, {
    stage,
    handler,
    prefetch: options.prefetch ?? 50,
    concurrency: options.concurrency ?? 20,
    workerName: options.name ?? `test-${stage}-worker`,
    ...(options.leaseMs !== undefined ? { leaseMs: options.leaseMs } : {}),
    ...(options.maxDeliveries !== undefined ? { maxDeliveries: options.maxDeliveries } : {}),
    logger: options.logger,
  });
  await worker.start();
  client.start();
  await client.waitUntilConnected(15_000);
  return {
    client,
    worker,
    stop: async () => {
      await worker.stop(5000);
      await client.close();
    },
  };
}

/** `count` tasks of one job, sequence numbers from `firstSequence`. */
export function taskBatch(
  jobId: string,
  count: number,
  fields: Partial<NewTask> & { firstSequence?: number } = {},
): NewTask[] {
  const { firstSequence = 1, ...rest } = fields;
  return Array.from({ length: count }, (_, i) => ({
    jobId,
    taskType: 'FETCH' as const,
    priority: 5,
    payload: { n: firstSequence + i },
    ...rest,
    sequenceNumber: firstSequence + i,
  }));
}

const consoleLogger: MessagingLogger = {
  log: (message, context) => console.log(`[${context}] ${message}`),
  warn: (message, context) => console.warn(`[${context}] ${message}`),
  error: (message, context) => console.error(`[${context}] ${message}`),
};
