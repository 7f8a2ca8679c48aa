/**
 * Init container of every app pod (`node dist/tools/deploy/wait-for-schema.js`): waits until the
 * database holds every migration that this image knows, then exits 0, so an app never starts on an
 * older schema. It only reads: the migrator Job is the one step that changes the schema.
 * Exits 1 after WAIT_FOR_SCHEMA_TIMEOUT_MS (the pod restarts the wait: CrashLoopBackOff says
 * "the migrator has not finished"), 78 on a bad DATABASE_URL.
 */
import { ConfigError, DatabaseConfig, loadDatabaseConfig, processEnv } from '@crawlflow/config';
import { AppliedMigrationsRepository, createDataSource, MIGRATIONS } from '@crawlflow/db';

const EX_CONFIG = 78;
const POLL_MS = 2000;
/** Long enough for a slow migration; short enough that a missing Job shows up as a crash loop. */
const TIMEOUT_MS = 10 * 60_000;

function log(level: 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({
    level,
    app: 'wait-for-schema',
    msg,
    ...fields,
    time: new Date().toISOString(),
  });
  (level === 'info' ? process.stdout : process.stderr).write(`${line}\n`);
}

/** The migrations this image expects and the database lacks; [] once the schema is current. */
export async function pendingMigrations(config: DatabaseConfig): Promise<string[]> {
  // TypeORM records a migration's `name` property where it has one, else its class name.
  const expected = MIGRATIONS.map(
    (migration) => new (migration as new () => { name?: string })().name ?? migration.name,
  );
  // One connection, and no more than 5 s to open it: the loop below retries.
  const dataSource = createDataSource(config, {
    connectTimeout: 5000,
    extra: { connectionLimit: 1 },
  });
  await dataSource.initialize();
  try {
    // No migrations table yet (the migrator has not run its first migration): nothing is applied.
    const applied = new Set(await AppliedMigrationsRepository.names(dataSource));
    return expected.filter((name) => !applied.has(name));
  } finally {
    await dataSource.destroy();
  }
}

async function main(): Promise<number> {
  let config: DatabaseConfig;
  try {
    config = loadDatabaseConfig(processEnv());
  } catch (error) {
    if (error instanceof ConfigError) {
      log('error', `invalid configuration: ${error.message}`);
      return EX_CONFIG;
    }
    throw error;
  }
  const deadline = Date.now() + TIMEOUT_MS;
  let lastReport = '';
  for (;;) {
    let report: string;
    try {
      const pending = await pendingMigrations(config);
      if (pending.length === 0) {
        log('info', 'schema is current', { database: config.database, migrations: MIGRATIONS.length });
        return 0;
      }
      report = `waiting for the migrator: ${pending.length} migration(s) pending (${pending.join(', ')})`;
    } catch (error) {
      // Database down or not created yet (ER_BAD_DB_ERROR): the same wait.
      report = `waiting for the database: ${(error as Error).message}`;
    }
    if (report !== lastReport) log('warn', report, { database: config.database });
    lastReport = report;
    if (Date.now() >= deadline) {
      log('error', `gave up after ${TIMEOUT_MS} ms`, { database: config.database });
      return 1;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

if (require.main === module) {
  // SIGTERM while waiting (pod deleted): nothing to clean up.
  process.once('SIGTERM', () => process.exit(0));
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      log('error', 'failed', { error: error instanceof Error ? error.message : String(error) });
      process.exit(1);
    },
  );
}
