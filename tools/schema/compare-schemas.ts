/**
 * `node -r @swc-node/register tools/schema/compare-schemas.ts`: proves that the SQLite migration
 * builds the schema the MySQL migrations build. It migrates a scratch database on the server of
 * DATABASE_URL (default mysql://root@127.0.0.1:3306/crawlflow; the database itself is not touched)
 * and a scratch SQLite file, compares tables, columns, types, defaults, keys, indexes, foreign keys
 * and views, then runs the SQLite migration down and up again. Prints every difference; exits 1
 * when one is not in the expected list (or an expected one is gone), 78 on a bad DATABASE_URL.
 */
import { ConfigError, loadDatabaseConfig, processEnv } from '@crawlflow/config';
// eslint-disable-next-line @nx/enforce-module-boundaries -- tooling over libs/db internals that its index does not export (yet): the comparison reads both schemas with SQL, which belongs in libs/db
import {
  checkSqliteDownUp,
  compareSchemas,
  EXPECTED_DIFFERENCES,
} from '../../libs/db/src/lib/migrations-sqlite/compare-schemas';

const EX_CONFIG = 78;

async function main(): Promise<number> {
  const server = loadDatabaseConfig(processEnv());
  if (server.dialect !== 'mysql') throw new ConfigError('DATABASE_URL', 'needs a mysql:// or mariadb:// URL');
  const comparison = await compareSchemas(server);
  const downUp = await checkSqliteDownUp();

  for (const difference of comparison.expected)
    process.stdout.write(`expected    ${difference}  (${EXPECTED_DIFFERENCES[difference]})\n`);
  for (const difference of comparison.unexpected) process.stdout.write(`UNEXPECTED  ${difference}\n`);
  for (const difference of comparison.stale)
    process.stdout.write(`STALE       ${difference}: listed as expected, not found\n`);
  for (const problem of downUp) process.stdout.write(`DOWN/UP     ${problem}\n`);

  const failures = comparison.unexpected.length + comparison.stale.length + downUp.length;
  process.stdout.write(
    failures === 0
      ? `schemas agree (${comparison.expected.length} expected differences); down and up again work\n`
      : `${failures} problem(s)\n`,
  );
  return failures === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(error instanceof ConfigError ? EX_CONFIG : 1);
  },
);
