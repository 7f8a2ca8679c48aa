import { DatabaseConfig } from '@crawlflow/config';
import * as mysql2 from 'mysql2';
import { DataSource, DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';
import { SQLITE_MIGRATIONS } from './migrations-sqlite';
import { allowLocksOnSqlite, prepareSqliteConnection, SqliteDataSource } from './sqlite';

/**
 * mysql2 as TypeORM loads it, except that every pooled connection starts its session in UTC: SQL
 * compares TIMESTAMP columns with NOW(3), and mysql2 (timezone 'Z') reads and writes UTC, so the
 * two agree whatever the server's own zone is. Its transactions are READ COMMITTED: every
 * transaction of ours is written for it (no gap locks between concurrent claims and applies; each
 * locking read sees the latest commit), and setting it once per connection saves a statement per
 * transaction (docs/adr/0013-crawl-loop-latency.md). The listener is attached before the pool opens
 * its first connection, and the SETs are queued ahead of any query on it.
 */
const utcMysql2 = {
  ...mysql2,
  createPool(options: mysql2.PoolOptions) {
    const pool = mysql2.createPool(options);
    pool.on('connection', (connection) => {
      connection.query("SET time_zone = '+00:00'");
      connection.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
    });
    return pool;
  },
};

/** All times are stored and read as UTC, whatever the server's or the process's zone. */
export function dataSourceOptions(
  config: DatabaseConfig,
  overrides: Partial<DataSourceOptions> = {},
): DataSourceOptions {
  if (config.dialect === 'sqlite') return sqliteOptions(config, overrides);
  return {
    type: 'mysql',
    host: config.host,
    port: config.port,
    username: config.user,
    password: config.password,
    database: config.database,
    timezone: 'Z',
    driver: utcMysql2,
    charset: 'utf8mb4_unicode_ci',
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'crawlflow_migrations',
    synchronize: false,
    logging: false,
    extra: { connectionLimit: 10 },
    ...overrides,
  } as DataSourceOptions;
}

/**
 * The embedded file of the standalone mode, on TypeORM's better-sqlite3 driver with the
 * compatibility layer (./sqlite): the repositories' MySQL statements run unchanged. Options meant
 * for mysql2 (pool size, connect timeout) mean nothing to one file and are dropped.
 */
function sqliteOptions(config: DatabaseConfig, overrides: Partial<DataSourceOptions>): DataSourceOptions {
  if (!config.file) throw new Error('a sqlite DatabaseConfig names no file');
  const { entities, migrations, migrationsTableName, logging, logger, maxQueryExecutionTime } = overrides;
  return {
    type: 'better-sqlite3',
    database: config.file,
    entities: entities ?? ENTITIES,
    migrations: migrations ?? SQLITE_MIGRATIONS,
    migrationsTableName: migrationsTableName ?? 'crawlflow_migrations',
    synchronize: false,
    logging: logging ?? false,
    ...(logger ? { logger } : {}),
    ...(maxQueryExecutionTime ? { maxQueryExecutionTime } : {}),
    timeout: 0,
    prepareDatabase: prepareSqliteConnection(config.database),
  };
}

export function createDataSource(
  config: DatabaseConfig,
  overrides: Partial<DataSourceOptions> = {},
): DataSource {
  const options = dataSourceOptions(config, overrides);
  if (options.type === 'better-sqlite3') {
    allowLocksOnSqlite();
    return new SqliteDataSource(options);
  }
  return new DataSource(options);
}
