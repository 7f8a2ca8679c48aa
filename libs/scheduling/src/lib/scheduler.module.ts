import { Module } from '@nestjs/common';
import { SchedulerService } from './scheduler.service';

/**
 * The tick loop of the `scheduler` app. Needs the app's DataSource (DbModule) and APP_CONFIG
 * (ConfigModule); uses MetricsService and JsonLogger when ObservabilityModule is there.
 */
@Module({
  providers: [SchedulerService],
  exports: [SchedulerService],
})
export class SchedulerModule {}
