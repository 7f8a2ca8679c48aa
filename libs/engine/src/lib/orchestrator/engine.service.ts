import { APP_CONFIG, type AppConfig } from '@crawlflow/config';
import type { TaskResult } from '@crawlflow/contracts';
import type { AppliedResult, LedgerTaskState } from '@crawlflow/db';
import { AmqpClient, ConfirmPublisher, declareTopology } from '@crawlflow/messaging';
import { MetricsService } from '@crawlflow/observability';
import {
  EventRelay,
  LeaseSweeper,
  OutboxRelay,
  prometheusTransportMetrics,
  ResultApplier,
  ResultProcessor,
} from '@crawlflow/transport';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { JobProgress } from '../execution/job-progress';
import { JobStarter } from '../execution/job-starter';
import { decideResult } from '../execution/result-decision';
import { RuntimeCache } from '../execution/workflow-runtime';
import { QueueGauges } from './queue-gauges';

/**
 * The orchestrator's moving parts: the outbox relay, the result processor that drives jobs forward,
 * the lease sweeper, the job starter and the event relay. Consumers are registered before the broker
 * connection opens; on shutdown they stop taking work first, then finish what they hold.
 */
@Injectable()
export class EngineService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Engine');
  private readonly runtimes = new RuntimeCache();
  private readonly publisher: ConfirmPublisher;
  readonly relay: OutboxRelay;
  private readonly processor: ResultProcessor;
  private readonly sweeper: LeaseSweeper;
  private readonly starter: JobStarter;
  private readonly events: EventRelay;
  private readonly gauges: QueueGauges;
  private starterTimer: NodeJS.Timeout | undefined;
  private starting = false;
  /** A batch applied since the last event relay round ended a job (wrote an outbox event). */
  private eventsWritten = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(AmqpClient) private readonly client: AmqpClient,
    @Inject(MetricsService) metricsService: MetricsService,
  ) {
    const metrics = prometheusTransportMetrics(metricsService);
    const transport = config.transport;
    this.publisher = new ConfirmPublisher(client, {
      setup: declareTopology,
      confirmTimeoutMs: transport.confirmTimeoutMs,
    });
    this.relay = new OutboxRelay(dataSource, this.publisher, {
      batchSize: transport.relayBatchSize,
      concurrency: transport.relayConcurrency,
      intervalMs: transport.relayIntervalMs,
      leaseMs: transport.leaseMs,
      logger: this.logger,
      metrics,
    });
    const progress = new JobProgress(this.runtimes);
    const applying = {
      prepare: (manager: EntityManager, results: readonly TaskResult[]) =>
        this.runtimes.load(
          manager,
          results.map((r) => r.job_id),
        ),
      policy: (result: TaskResult, state: LedgerTaskState) =>
        decideResult(this.runtimes.get(result.job_id), result, state),
      onApplied: async (manager: EntityManager, applied: readonly AppliedResult[]) => {
        if ((await progress.apply(manager, applied)) > 0) this.eventsWritten = true;
      },
      metrics,
    };
    this.processor = new ResultProcessor(client, dataSource, this.publisher, {
      ...applying,
      prefetch: 2000,
      maxBatch: 500,
      concurrency: 2,
      afterCommit: () => {
        this.relay.kick();
        // Only a job's end writes an event here; the relay's own interval covers the rest.
        if (this.eventsWritten) {
          this.eventsWritten = false;
          void this.events.tick();
        }
      },
      logger: this.logger,
    });
    this.sweeper = new LeaseSweeper(dataSource, {
      leaseMs: transport.leaseMs,
      maxDispatches: transport.maxDispatches,
      applier: new ResultApplier(dataSource, applying),
      onRecovered: () => {
        this.relay.kick();
        void this.events.tick();
      },
      logger: this.logger,
      metrics,
    });
    this.starter = new JobStarter(dataSource, this.runtimes);
    this.events = new EventRelay(dataSource, this.publisher, {
      intervalMs: 500,
      batchSize: 200,
      logger: this.logger,
    });
    this.gauges = new QueueGauges(dataSource, client, metricsService);
  }

  async onModuleInit(): Promise<void> {
    await this.publisher.start();
    await this.processor.start();
    this.relay.start();
    this.sweeper.start();
    // Leases that ran out while no orchestrator ran (the standalone process ends them at its start).
    void this.sweeper.sweep();
    this.events.start();
    this.gauges.start();
    this.starterTimer = setInterval(() => void this.startJobs(), 250);
    this.starterTimer.unref();
  }

  /** Someone created a job in this process: start it now rather than at the next tick. */
  kick(): void {
    void this.startJobs();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.starterTimer) clearInterval(this.starterTimer);
    this.sweeper.stop();
    this.events.stop();
    this.gauges.stop();
    await this.relay.stop();
    await this.processor.stop(this.config.shutdownTimeoutMs / 2);
  }

  private async startJobs(): Promise<void> {
    if (this.starting) return;
    this.starting = true;
    try {
      for (;;) {
        const started = await this.starter.startDue();
        if (started.length === 0) break;
        this.relay.kick();
      }
    } catch (error) {
      this.logger.warn(`starting jobs failed: ${(error as Error).message}`);
    } finally {
      this.starting = false;
    }
  }
}
