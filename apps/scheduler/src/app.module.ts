import { DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '@crawlflow/config';
import { appFoundation } from '@crawlflow/shell';
import { MaintenanceModule } from '@crawlflow/retention';
import { SchedulerModule } from '@crawlflow/scheduling';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [...appFoundation(config), SchedulerModule, MaintenanceModule],
    };
  }
}
