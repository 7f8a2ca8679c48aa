import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type AppConfig, isMemoryBusUrl } from '@crawlflow/config';
import { createDataSource, ensureDatabase, LostDeliveries, runMigrations } from '@crawlflow/db';
import { errorText, JsonLogger } from '@crawlflow/observability';
import { databaseLabel } from '../bootstrap/database-label';

const EX_CONFIG = 78;
const CONTEXT = 'Standalone';

/**
 * What the standalone process does before it starts its roles: makes its data directory, migrates
 * its database, and ends the leases its previous life held on the in-process bus. A problem no
 * retry fixes (a directory it cannot write, a file that is not a database, another process on the
 * same file) ends the process with one line naming it.
 */
export async function prepareStandalone(config: AppConfig): Promise<void> {
  const logger = new JsonLogger({ app: config.app, level: config.logLevel });
  const { database } = config;
  try {
    if (database.dialect === 'sqlite' && database.file) await writableDirectory(dirname(database.file));
    logger.log({ msg: 'migrating the database', database: databaseLabel(database) }, CONTEXT);
    await ensureDatabase(database);
    const applied = await runMigrations(database);
    if (applied.length > 0) logger.log({ msg: 'migrations applied', applied }, CONTEXT);
    if (isMemoryBusUrl(config.amqpUrl)) {
      const lost = await putBackLostDeliveries(config);
      if (lost > 0)
        logger.log({ msg: 'in-flight entries of the previous run go out again', entries: lost }, CONTEXT);
    }
  } catch (error) {
    const problem = startupProblem(config, error);
    process.stderr.write(`${config.app}: ${problem ?? `cannot start: ${errorText(error)}`}\n`);
    process.exit(problem ? EX_CONFIG : 1);
  }
}

async function writableDirectory(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const probe = join(dir, `.write-probe-${process.pid}`);
  await writeFile(probe, '');
  await rm(probe, { force: true });
}

async function putBackLostDeliveries(config: AppConfig): Promise<number> {
  const dataSource = createDataSource(config.database);
  await dataSource.initialize();
  try {
    return await LostDeliveries.putBack(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

/** The setting behind the data: DATABASE_URL when it was given, else CRAWLFLOW_DATA_DIR. */
function dataSetting(config: AppConfig): string {
  return config.database.file?.startsWith(config.dataDir) ? 'CRAWLFLOW_DATA_DIR' : 'DATABASE_URL';
}

/** One line for the problems a user fixes in their settings; undefined for anything else. */
export function startupProblem(config: AppConfig, error: unknown): string | undefined {
  const code = errorCode(error);
  const file = config.database.file ?? '';
  const setting = dataSetting(config);
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOTDIR' || code === 'EEXIST') {
    return `${setting}: cannot write the data directory ${dirname(file)} (${code})`;
  }
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return `${setting}: ${file} is not a SQLite database (${code})`;
  }
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return `${setting}: ${file} is in use by another process; SQLite allows one crawlflow process per file`;
  }
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY' || code === 'SQLITE_PERM') {
    return `${setting}: cannot open ${file} for writing (${code})`;
  }
  return undefined;
}

function errorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 4; depth += 1) {
    const e = current as { sqliteCode?: unknown; code?: unknown; driverError?: unknown; cause?: unknown };
    if (typeof e.sqliteCode === 'string') return e.sqliteCode;
    if (typeof e.code === 'string' && /^(SQLITE_|E[A-Z]+$)/.test(e.code)) return e.code;
    current = e.driverError ?? e.cause;
  }
  return undefined;
}
