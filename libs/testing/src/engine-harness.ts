import { loadConfig, type FetchSettings } from '@crawlflow/config';
import type { Stage } from '@crawlflow/contracts';
import { createFetcher } from '@crawlflow/crawl';
import { decideResult, JobProgress, JobStarter, RuntimeCache } from '@crawlflow/engine';
import { AmqpClient, ConfirmPublisher, declareTopology, silentLogger } from '@crawlflow/messaging';
import { fetchStep, parseStep, storeStep } from '@crawlflow/steps';
import {
  EventRelay,
  LeaseSweeper,
  OutboxRelay,
  ResultApplier,
  ResultApplierOptions,
  ResultProcessor,
  TaskHandler,
  TaskWorker,
} from '@crawlflow/transport';
import type { DataSource } from 'typeorm';

export interface EngineSide {
  starter: JobStarter;
  relay: OutboxRelay;
  sweeper: LeaseSweeper;
  stop(): Promise<void>;
}

/** The orchestrator's engine wired as EngineService wires it, without Nest, for in-process tests. */
export async function startEngineSide(
  dataSource: DataSource,
  amqpUrl: string,
  options: { leaseMs?: number; maxDispatches?: number } = {},
): Promise<EngineSide> {
  const client = new AmqpClient({ url: amqpUrl, name: 'test-engine', logger: silentLogger });
  const publisher = new ConfirmPublisher(client, declareTopology);
  await publisher.start();
  const runtimes = new RuntimeCache();
  const leaseMs = options.leaseMs ?? 60_000;
  const relay = new OutboxRelay(dataSource, publisher, { batchSize: 500, intervalMs: 50, leaseMs });
  const progress = new JobProgress(runtimes);
  const events = new EventRelay(dataSource, publisher, { intervalMs: 100, batchSize: 100 });
  const applying: ResultApplierOptions = {
    prepare: (manager, results) =>
      runtimes.load(
        manager,
        results.map((r) => r.job_id),
      ),
    policy: (result, state) => decideResult(runtimes.get(result.job_id), result, state),
    onApplied: (manager, applied) => progress.apply(manager, applied),
  };
  const processor = new ResultProcessor(client, dataSource, publisher, {
    ...applying,
    prefetch: 2000,
    maxBatch: 500,
    concurrency: 2,
    afterCommit: () => {
      relay.kick();
      void events.tick();
    },
  });
  await processor.start();
  const sweeper = new LeaseSweeper(dataSource, {
    leaseMs,
    maxDispatches: options.maxDispatches ?? 3,
    applier: new ResultApplier(dataSource, applying),
    onRecovered: () => {
      relay.kick();
      void events.tick();
    },
  });
  const starter = new JobStarter(dataSource, runtimes);
  client.start();
  await client.waitUntilConnected(15_000);
  relay.start();
  events.start();
  sweeper.start();
  let starting = false;
  const timer = setInterval(() => {
    if (starting) return;
    starting = true;
    starter
      .startDue()
      .then((ids) => ids.length > 0 && relay.kick())
      .catch(() => undefined)
      .finally(() => (starting = false));
  }, 50);
  return {
    starter,
    relay,
    sweeper,
    stop: async () => {
      clearInterval(timer);
      sweeper.stop();
      events.stop();
      await relay.stop();
      await processor.stop(5000);
      await client.close();
    },
  };
}

/** Fetch settings for tests: loopback allowed, fast timeouts, robots.txt obeyed. */
export function testFetchSettings(overrides: Partial<FetchSettings> = {}): FetchSettings {
  return { ...loadConfig('fetch-worker', { FETCH_ALLOW_HOSTS: '127.0.0.1,localhost' }).fetch, ...overrides };
}

export interface StepWorkers {
  stop(): Promise<void>;
}

/** One worker per stage with the real step primitives, in process. */
export async function startStepWorkers(
  dataSource: DataSource,
  amqpUrl: string,
  options: {
    fetch?: Partial<FetchSettings>;
    concurrency?: Partial<Record<Stage, number>>;
    leaseMs?: number;
    /** The stages to run here (default all three). */
    stages?: readonly Stage[];
  } = {},
): Promise<StepWorkers> {
  const fetcher = createFetcher(testFetchSettings(options.fetch));
  const handlers: Record<Stage, TaskHandler> = {
    fetch: fetchStep(dataSource, fetcher),
    parse: parseStep(dataSource),
    store: storeStep(dataSource),
  };
  const started: Array<{ client: AmqpClient; worker: TaskWorker }> = [];
  for (const stage of options.stages ?? (['fetch', 'parse', 'store'] as const)) {
    const client = new AmqpClient({ url: amqpUrl, name: `test-${stage}` });
    const concurrency = options.concurrency?.[stage] ?? (stage === 'fetch' ? 16 : 4);
    const worker = new TaskWorker(client, dataSource, {
      stage,
      handler: handlers[stage],
      prefetch: Math.max(concurrency, 16),
      concurrency,
      workerName: `test-${stage}`,
      leaseMs: options.leaseMs ?? 60_000,
    });
    await worker.start();
    client.start();
    await client.waitUntilConnected(15_000);
    started.push({ client, worker });
  }
  return {
    stop: async () => {
      for (const { client, worker } of started) {
        await worker.stop(5000);
        await client.close();
      }
      await fetcher.close();
    },
  };
}
