import type { AppConfig } from '@crawlflow/config';
import { MaintenanceModule } from '@crawlflow/retention';
import { SchedulerModule } from '@crawlflow/scheduling';
import { appFoundation } from '@crawlflow/shell';
import { DynamicModule, Module } from '@nestjs/common';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [...appFoundation(config), SchedulerModule, MaintenanceModule],
    };
  }
}
