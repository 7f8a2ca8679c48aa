import { LockOutcome, MaintenanceLockRepository } from '@crawlflow/db';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * Runs `work` holding the maintenance lock, on a dedicated connection that `work` gets, or returns
 * `{ acquired: false }` at once when another replica holds it: partition maintenance and archiving
 * run on one replica at a time.
 */
export function withMaintenanceLock<T>(
  dataSource: DataSource,
  work: (connection: EntityManager) => Promise<T>,
): Promise<LockOutcome<T>> {
  return MaintenanceLockRepository.runExclusive(dataSource, work);
}
