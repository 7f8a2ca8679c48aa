import { createHash } from 'node:crypto';
import type { DataSource, QueryRunner } from 'typeorm';

export type LockOutcome<T> = { acquired: true; value: T } | { acquired: false };

/**
 * GET_LOCK names are server-wide, so the name carries the database: two deployments (or two test
 * databases) on one server must not exclude each other. MySQL caps names at 64 characters.
 */
export function maintenanceLockName(database: string): string {
  const name = `crawlflow.maintenance.${database}`;
  return name.length <= 64
    ? name
    : `crawlflow.maintenance.${createHash('sha256').update(database).digest('hex').slice(0, 32)}`;
}

/**
 * Runs `work` on a dedicated connection holding the maintenance lock, or returns
 * `{ acquired: false }` at once when another replica holds it. The server releases the lock if the
 * connection dies, so a crashed replica never blocks the others beyond its TCP connection's life.
 */
export async function withMaintenanceLock<T>(
  dataSource: DataSource,
  work: (runner: QueryRunner) => Promise<T>,
): Promise<LockOutcome<T>> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    const [{ db }] = await runner.query('SELECT DATABASE() AS db');
    const name = maintenanceLockName(String(db));
    const [{ got }] = await runner.query('SELECT GET_LOCK(?, 0) AS got', [name]);
    if (Number(got) !== 1) return { acquired: false };
    try {
      return { acquired: true, value: await work(runner) };
    } finally {
      // A failure here means the connection is gone, and with it the lock.
      await runner.query('SELECT RELEASE_LOCK(?)', [name]).catch(() => undefined);
    }
  } finally {
    await runner.release();
  }
}
