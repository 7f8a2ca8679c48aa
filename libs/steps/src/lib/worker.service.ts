import { hostname } from 'node:os';
import type { AppConfig } from '@crawlflow/config';
import type { Stage } from '@crawlflow/contracts';
import { createFetcher, type Fetcher } from '@crawlflow/crawl';
import type { AmqpClient } from '@crawlflow/messaging';
import type { MetricsService } from '@crawlflow/observability';
import { prometheusTransportMetrics, TaskHandler, TaskWorker } from '@crawlflow/transport';
import { Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { fetchStep } from './fetch-step';
import { parseStep } from './parse-step';
import { storeStep } from './store-step';

/** Deliveries handled at once per stage: fetching waits on the network, parsing on the CPU. */
const CONCURRENCY: Record<Stage, number> = { fetch: 64, parse: 4, store: 8 };

/**
 * A worker app's one job: consume its stage's tier queues and run the step primitive on each task.
 * Stops taking deliveries first on shutdown and lets the running ones finish.
 */
export class WorkerService implements OnModuleInit, OnModuleDestroy {
  private readonly logger: Logger;
  private readonly worker: TaskWorker;
  private readonly fetcher: Fetcher | undefined;

  constructor(
    stage: Stage,
    private readonly config: AppConfig,
    dataSource: DataSource,
    client: AmqpClient,
    metrics: MetricsService,
  ) {
    this.logger = new Logger(`Worker:${stage}`);
    let handler: TaskHandler;
    if (stage === 'fetch') {
      this.fetcher = createFetcher(config.fetch);
      handler = fetchStep(dataSource, this.fetcher);
    } else {
      handler = stage === 'parse' ? parseStep(dataSource) : storeStep(dataSource);
    }
    this.worker = new TaskWorker(client, dataSource, {
      stage,
      handler,
      prefetch: Math.max(config.transport.prefetch, CONCURRENCY[stage]),
      concurrency: CONCURRENCY[stage],
      workerName: `${config.app}@${hostname()}:${process.pid}`,
      leaseMs: config.transport.leaseMs,
      maxDeliveries: config.transport.maxDeliveries,
      confirmTimeoutMs: config.transport.confirmTimeoutMs,
      logger: this.logger,
      metrics: prometheusTransportMetrics(metrics),
    });
  }

  async onModuleInit(): Promise<void> {
    await this.worker.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.worker.stop(this.config.shutdownTimeoutMs / 2);
    await this.fetcher?.close();
  }
}
