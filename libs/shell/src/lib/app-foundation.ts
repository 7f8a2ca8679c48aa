import { AppConfig, ConfigModule } from '@crawlflow/config';
import { DbModule } from '@crawlflow/db';
import { MessagingModule } from '@crawlflow/messaging';
import { ObservabilityModule } from '@crawlflow/observability';
import type { DynamicModule } from '@nestjs/common';

/**
 * What every crawlflow app stands on: its settings, the database, the broker connection, and
 * health and metrics over both. An app's root module adds its own work after these.
 */
export function appFoundation(config: AppConfig): DynamicModule[] {
  return [
    ConfigModule.forRoot(config),
    DbModule.forRoot(config.database),
    MessagingModule.forRoot({ url: config.amqpUrl, name: config.app }),
    ObservabilityModule.forRoot(config),
  ];
}
