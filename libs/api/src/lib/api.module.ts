import type { DefinitionCheckers } from '@crawlflow/contracts';
import { DynamicModule, Module, Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { CatalogController } from './catalog/catalog.controller';
import { CatalogService } from './catalog/catalog.service';
import { CONSOLE_DIR, ConsoleLocation } from './console/console-location';
import { ConsoleController } from './console/console.controller';
import { ControlsController } from './controls/controls.controller';
import { ApiExceptionFilter } from './http/api-exception.filter';
import { API_TOKEN, ApiTokenGuard } from './http/api-token.guard';
import { OpenApiService } from './http/openapi.service';
import { JobsController } from './jobs/jobs.controller';
import { JobsService } from './jobs/jobs.service';
import { KEY_METRICS_INTERVAL_MS, KeyMetricsService } from './metrics/key-metrics.service';
import { SchedulesController } from './schedules/schedules.controller';
import { BrokerProbe } from './stats/broker-probe.service';
import { OverviewService } from './stats/overview.service';
import { StatsController } from './stats/stats.controller';
import {
  TRIGGER_CONSUMER_OPTIONS,
  TriggerConsumer,
  TriggerConsumerOptions,
} from './triggers/trigger.consumer';
import { DEFINITION_CHECKERS } from './workflows/definition-checkers';
import { WorkflowsController } from './workflows/workflows.controller';

export interface ApiModuleOptions {
  /** AppConfig.apiToken: when set, every `/api` route needs `Authorization: Bearer <token>`. */
  apiToken?: string;
  /** CSS selector and JSON Schema checks for workflow definitions (from the crawl library). */
  checkers?: DefinitionCheckers;
  /** The trigger-event consumer; false leaves it out (an API-only replica). */
  triggers?: Partial<TriggerConsumerOptions> | false;
  keyMetricsIntervalMs?: number;
  /**
   * The built operator console (index.html, assets/) served at `/console/`; default: the
   * `dist/console` found above this library's files (see findBuiltConsole).
   */
  consoleDir?: string;
}

/**
 * The control-plane HTTP API (`/api/...`, OpenAPI at `/api/docs`), the operator console
 * (`/console/`, `/` redirects there), the trigger-event consumer and
 * the original design's key metrics (docs/data-model.md#monitoring-queries). Needs DbModule,
 * MessagingModule and ObservabilityModule in the same app.
 */
@Module({})
export class ApiModule {
  static forRoot(options: ApiModuleOptions = {}): DynamicModule {
    const providers: Provider[] = [
      { provide: API_TOKEN, useValue: options.apiToken || undefined },
      { provide: DEFINITION_CHECKERS, useValue: options.checkers ?? {} },
      { provide: KEY_METRICS_INTERVAL_MS, useValue: options.keyMetricsIntervalMs ?? 5000 },
      { provide: CONSOLE_DIR, useValue: options.consoleDir },
      ConsoleLocation,
      ApiTokenGuard,
      { provide: APP_GUARD, useFactory: (guard: ApiTokenGuard) => guard, inject: [ApiTokenGuard] },
      { provide: APP_FILTER, useClass: ApiExceptionFilter },
      CatalogService,
      JobsService,
      BrokerProbe,
      KeyMetricsService,
      OverviewService,
      OpenApiService,
    ];
    if (options.triggers !== false) {
      providers.push(
        {
          provide: TRIGGER_CONSUMER_OPTIONS,
          useValue: {
            prefetch: 50,
            retryPauseMs: 1000,
            holdLimitMs: 15 * 60_000,
            ...(options.triggers ?? {}),
          },
        },
        TriggerConsumer,
      );
    }
    return {
      module: ApiModule,
      controllers: [
        CatalogController,
        WorkflowsController,
        JobsController,
        StatsController,
        SchedulesController,
        ControlsController,
        ConsoleController,
      ],
      providers,
      exports: [DEFINITION_CHECKERS, JobsService, CatalogService],
    };
  }
}
