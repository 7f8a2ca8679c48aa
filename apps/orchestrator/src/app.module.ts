import { DynamicModule, Module } from '@nestjs/common';
import { ApiModule } from '@crawlflow/api';
import { AppConfig, ConfigModule } from '@crawlflow/config';
import { crawlCheckers } from '@crawlflow/crawl';
import { DbModule } from '@crawlflow/db';
import { EngineModule } from '@crawlflow/engine';
import { MessagingModule } from '@crawlflow/messaging';
import { ObservabilityModule } from '@crawlflow/observability';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DbModule.forRoot(config.database),
        MessagingModule.forRoot({ url: config.amqpUrl, name: config.app }),
        ObservabilityModule.forRoot(config),
        EngineModule,
        ApiModule.forRoot({ apiToken: config.apiToken, checkers: crawlCheckers }),
      ],
    };
  }
}
