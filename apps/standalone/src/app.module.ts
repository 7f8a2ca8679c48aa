import { ApiModule } from '@crawlflow/api';
import type { AppConfig } from '@crawlflow/config';
import { crawlCheckers } from '@crawlflow/crawl';
import { EngineModule } from '@crawlflow/engine';
import { MaintenanceModule } from '@crawlflow/retention';
import { SchedulerModule } from '@crawlflow/scheduling';
import { appFoundation } from '@crawlflow/shell';
import { WorkerModule } from '@crawlflow/steps';
import { DynamicModule, Module } from '@nestjs/common';

/** Every role in one process: the orchestrator with its API, the scheduler, and the three workers. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...appFoundation(config),
        EngineModule,
        ApiModule.forRoot({ apiToken: config.apiToken, checkers: crawlCheckers }),
        SchedulerModule,
        MaintenanceModule,
        WorkerModule.forStages(['fetch', 'parse', 'store']),
      ],
    };
  }
}
