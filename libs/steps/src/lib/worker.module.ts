import type { Stage } from '@crawlflow/contracts';
import { DynamicModule, Module } from '@nestjs/common';
import { WORKER_STAGE, WorkerService } from './worker.service';

/** The worker of one stage (needs Db, Messaging, Observability and Config from the app). */
@Module({})
export class WorkerModule {
  static forStage(stage: Stage): DynamicModule {
    return { module: WorkerModule, providers: [{ provide: WORKER_STAGE, useValue: stage }, WorkerService] };
  }
}
