import { DbModule } from '@crawlflow/db';
import { DynamicModule, Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { TestDatabase } from './test-database';

/** The test's own DataSource for a Nest app under test. */
@Global()
@Module({})
class SharedDataSourceModule {
  static of(dataSource: DataSource): DynamicModule {
    return {
      module: SharedDataSourceModule,
      providers: [{ provide: DataSource, useValue: dataSource }],
      exports: [DataSource],
    };
  }
}

/**
 * The database module of an app under test: its own pool on MySQL, as the app has; on SQLite the
 * test's DataSource itself, since one process holds the file through one connection.
 */
export function testDbModule(db: TestDatabase): DynamicModule {
  return db.config.dialect === 'sqlite'
    ? SharedDataSourceModule.of(db.dataSource)
    : DbModule.forRoot(db.config);
}
