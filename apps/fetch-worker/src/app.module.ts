import type { AppConfig } from '@crawlflow/config';
import { appFoundation } from '@crawlflow/shell';
import { WorkerModule } from '@crawlflow/steps';
import { DynamicModule, Module } from '@nestjs/common';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [...appFoundation(config), WorkerModule.forStage('fetch')],
    };
  }
}
