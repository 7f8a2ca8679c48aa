import { APP_CONFIG, type AppConfig } from '@crawlflow/config';
import type { Stage } from '@crawlflow/contracts';
import { AmqpClient } from '@crawlflow/messaging';
import { MetricsService } from '@crawlflow/observability';
import { DynamicModule, Module, Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { WorkerService } from './worker.service';

/**
 * The workers of one or more stages (needs Db, Messaging, Observability and Config from the app): a
 * worker app runs one stage, the standalone process all three, each consuming its own queues.
 */
@Module({})
export class WorkerModule {
  static forStage(stage: Stage): DynamicModule {
    return WorkerModule.forStages([stage]);
  }

  static forStages(stages: readonly Stage[]): DynamicModule {
    const providers: Provider[] = stages.map((stage) => ({
      provide: `WorkerService:${stage}`,
      useFactory: (config: AppConfig, dataSource: DataSource, client: AmqpClient, metrics: MetricsService) =>
        new WorkerService(stage, config, dataSource, client, metrics),
      inject: [APP_CONFIG, DataSource, AmqpClient, MetricsService],
    }));
    return { module: WorkerModule, providers };
  }
}
