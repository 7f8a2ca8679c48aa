import { ApiModule } from '@crawlflow/api';
import type { AppConfig } from '@crawlflow/config';
import { crawlCheckers } from '@crawlflow/crawl';
import { EngineModule } from '@crawlflow/engine';
import { appFoundation } from '@crawlflow/shell';
import { DynamicModule, Module } from '@nestjs/common';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...appFoundation(config),
        EngineModule,
        ApiModule.forRoot({ apiToken: config.apiToken, checkers: crawlCheckers }),
      ],
    };
  }
}
