export {
  loadDatabaseConfig,
  loadAmqpUrl,
  loadConfig,
  isMemoryBusUrl,
  STANDALONE,
  MEMORY_BUS_URL,
  DEFAULT_DATA_DIR,
  SQL_DIALECTS,
  APP_NAMES,
  DEFAULT_PORTS,
  LOG_LEVELS,
  type AppName,
  type ProcessName,
  type SqlDialect,
  type LogLevel,
  type DatabaseConfig,
  type FetchSettings,
  type TransportConfig,
  type SchedulerConfig,
  type RetentionConfig,
  type AppConfig,
} from './lib/app-config';
export { ConfigError } from './lib/config-error';
export { APP_CONFIG, ConfigModule } from './lib/config.module';
export { loadConfigOrExit, processEnv } from './lib/load-or-exit';
export { redact } from './lib/parsers';
