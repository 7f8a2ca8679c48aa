import { ConfigError, DatabaseConfig, loadDatabaseConfig, processEnv } from '@crawlflow/config';
import { ensureDatabase, runMigrations } from '@crawlflow/db';

/**
 * The one-shot migration step (`npm run db:migrate`, a Kubernetes Job / init step): creates the
 * database if it is missing, applies pending migrations, exits. Apps and workers never migrate.
 */

const EX_CONFIG = 78;

function log(level: 'info' | 'error', msg: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, app: 'migrator', msg, ...fields, time: new Date().toISOString() });
  (level === 'error' ? process.stderr : process.stdout).write(`${line}\n`);
}

function loadConfigOrExit(): DatabaseConfig {
  try {
    return loadDatabaseConfig(processEnv());
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`migrator: invalid configuration: ${error.message}\n`);
      process.exit(EX_CONFIG);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const target = { host: config.host, port: config.port, database: config.database };
  log('info', 'ensuring database', target);
  await ensureDatabase(config);
  const applied = await runMigrations(config);
  log('info', applied.length > 0 ? 'migrations applied' : 'schema is up to date', { ...target, applied });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    log('error', 'migration failed', { error: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  },
);
