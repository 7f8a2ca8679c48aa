import { Module } from '@nestjs/common';
import { MaintenanceService } from './maintenance.service';

/**
 * Partition maintenance and job archiving for the `scheduler` app. Needs the app's DataSource
 * (DbModule) and APP_CONFIG (ConfigModule); uses MetricsService and JsonLogger when
 * ObservabilityModule is there.
 */
@Module({
  providers: [MaintenanceService],
  exports: [MaintenanceService],
})
export class MaintenanceModule {}
