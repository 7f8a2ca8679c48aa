import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@crawlflow/config';
import { DbModule } from '@crawlflow/db';
import { MessagingModule } from '@crawlflow/messaging';
import { ObservabilityModule } from '@crawlflow/observability';
import { MaintenanceModule } from '@crawlflow/retention';
import { SchedulerModule } from '@crawlflow/scheduling';

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
        SchedulerModule,
        MaintenanceModule,
      ],
    };
  }
}
