import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { Db, managerOf } from '../db';

export type LockOutcome<T> = { acquired: true; value: T } | { acquired: false };

/**
 * GET_LOCK names are server-wide, so the name carries the database: two deployments (or two test
 * databases) on one server must not exclude each other. MySQL caps names at 64 characters.
 */
function lockName(database: string): string {
  const name = `crawlflow.maintenance.${database}`;
  return name.length <= 64
    ? name
    : `crawlflow.maintenance.${createHash('sha256').update(database).digest('hex').slice(0, 32)}`;
}

/**
 * The lock that lets one scheduler replica at a time maintain partitions and archive jobs. SQL:
 * GET_LOCK / RELEASE_LOCK are MySQL's advisory locks, held by a connection rather than a transaction.
 */
export class MaintenanceLockRepository {
  /**
   * Runs `work` on a dedicated connection holding the lock, or returns `{ acquired: false }` at once
   * when another replica holds it. The server releases the lock if the connection dies, so a crashed
   * replica never blocks the others beyond its TCP connection's life. `work` gets that connection.
   */
  static async runExclusive<T>(
    db: Db,
    work: (connection: EntityManager) => Promise<T>,
  ): Promise<LockOutcome<T>> {
    const runner = managerOf(db).connection.createQueryRunner();
    await runner.connect();
    try {
      const [{ db: database }] = (await runner.query('SELECT DATABASE() AS db')) as Array<{ db: string }>;
      const name = lockName(String(database));
      const [{ got }] = (await runner.query('SELECT GET_LOCK(?, 0) AS got', [name])) as Array<{
        got: number | string | null;
      }>;
      if (Number(got) !== 1) return { acquired: false };
      try {
        return { acquired: true, value: await work(runner.manager) };
      } finally {
        // A failure here means the connection is gone, and with it the lock.
        await runner.query('SELECT RELEASE_LOCK(?)', [name]).catch(() => undefined);
      }
    } finally {
      await runner.release();
    }
  }
}
