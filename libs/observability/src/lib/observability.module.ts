import type { LogLevel } from '@crawlflow/config';
import { AmqpClient } from '@crawlflow/messaging';
import { DynamicModule, Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { brokerCheck, databaseCheck } from './health/dependency-checks';
import { HealthController } from './health/health.controller';
import { HealthService, READINESS_CHECKS, READINESS_TIMEOUT_MS } from './health/health.service';
import { JsonLogger } from './logging/json-logger';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsService } from './metrics/metrics.service';

export interface ObservabilityOptions {
  app: string;
  logLevel: LogLevel;
  /** How long `/health/ready` waits for one dependency before calling it down. */
  readinessTimeoutMs?: number;
}

/**
 * `/health/live`, `/health/ready` (database and broker) and `/metrics` for every app, plus the
 * MetricsService and JsonLogger for the app's own providers. Needs DbModule and MessagingModule
 * in the same application: readiness is about exactly those two.
 */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(options: ObservabilityOptions): DynamicModule {
    return {
      module: ObservabilityModule,
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: MetricsService, useFactory: () => new MetricsService(options.app) },
        {
          provide: JsonLogger,
          useFactory: () => new JsonLogger({ app: options.app, level: options.logLevel }),
        },
        {
          provide: READINESS_CHECKS,
          inject: [DataSource, AmqpClient],
          useFactory: (dataSource: DataSource, client: AmqpClient) => [
            databaseCheck(dataSource),
            brokerCheck(client),
          ],
        },
        { provide: READINESS_TIMEOUT_MS, useValue: options.readinessTimeoutMs ?? 2000 },
        HealthService,
      ],
      exports: [MetricsService, JsonLogger],
    };
  }
}
