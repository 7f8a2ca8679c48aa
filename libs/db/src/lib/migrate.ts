import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DatabaseConfig } from '@crawlflow/config';
import { createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { createDataSource } from './data-source';

/** A plain identifier only: the name is interpolated into DDL, which cannot take placeholders. */
function quoteDatabaseName(name: string): string {
  if (!/^[A-Za-z0-9_]{1,64}$/.test(name))
    throw new Error(`database name "${name}" must be letters, digits and _`);
  return `\`${name}\``;
}

/** The SQLite file of a sqlite config. */
function sqliteFile(config: DatabaseConfig): string {
  if (!config.file) throw new Error('a sqlite DatabaseConfig names no file');
  return config.file;
}

/**
 * Creates the configured database if it is missing (utf8mb4); safe to call every time. A SQLite
 * file is created by its first connection: only its directory is made here.
 */
export async function ensureDatabase(config: DatabaseConfig): Promise<void> {
  if (config.dialect === 'sqlite') {
    await mkdir(dirname(sqliteFile(config)), { recursive: true });
    return;
  }
  const connection = await createConnection({
    host: config.host,
    port: config.port,
    user: config.user,
    password: config.password,
    connectTimeout: 10_000,
  });
  try {
    await connection.query(
      `CREATE DATABASE IF NOT EXISTS ${quoteDatabaseName(config.database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
  } finally {
    await connection.end();
  }
}

/** Drops the configured database if it exists (tests and tooling only): a SQLite file with its WAL. */
export async function dropDatabase(config: DatabaseConfig): Promise<void> {
  if (config.dialect === 'sqlite') {
    const file = sqliteFile(config);
    for (const suffix of ['', '-wal', '-shm', '-journal']) await rm(`${file}${suffix}`, { force: true });
    return;
  }
  const connection = await createConnection({
    host: config.host,
    port: config.port,
    user: config.user,
    password: config.password,
    connectTimeout: 10_000,
  });
  try {
    await connection.query(`DROP DATABASE IF EXISTS ${quoteDatabaseName(config.database)}`);
  } finally {
    await connection.end();
  }
}

/**
 * Applies every pending migration, each in its own transaction where the server allows it (MySQL
 * commits DDL implicitly, so a failed migration can leave part of its work behind). Returns the
 * names of the migrations applied, empty when the schema was current.
 */
export async function runMigrations(config: DatabaseConfig): Promise<string[]> {
  const dataSource = createDataSource(config);
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await dataSource.destroy();
  }
}

/** Reverts every applied migration, newest first. Returns the names of the migrations reverted. */
export async function revertAllMigrations(config: DatabaseConfig): Promise<string[]> {
  const dataSource = createDataSource(config);
  await dataSource.initialize();
  try {
    return await revertAllMigrationsOf(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

/** As revertAllMigrations, on an initialised DataSource that stays open. */
export async function revertAllMigrationsOf(dataSource: DataSource): Promise<string[]> {
  const table = dataSource.options.migrationsTableName ?? 'migrations';
  const reverted: string[] = [];
  const queryRunner = dataSource.createQueryRunner();
  try {
    if (!(await queryRunner.hasTable(table))) return reverted;
  } finally {
    await queryRunner.release();
  }
  for (;;) {
    const [last] = await dataSource.query<{ name: string }[]>(
      `SELECT name FROM \`${table}\` ORDER BY timestamp DESC, id DESC LIMIT 1`,
    );
    if (!last) return reverted;
    await dataSource.undoLastMigration({ transaction: 'each' });
    reverted.push(last.name);
  }
}
