import { type Db, repositoryOf } from '../db';
import { CrawlingQueue } from '../entities';

/** A lease that ended before any entry was written: the next sweep finds it run out. */
const ENDED_LONG_AGO = new Date(Date.UTC(1970, 0, 2));

/**
 * Deliveries that died with the process that held them. The in-process bus of the standalone
 * process keeps its messages in memory only, so when that process starts again every entry still
 * in flight lost its message; ending their leases lets the sweeper dispatch them again at once
 * instead of after TASK_LEASE_MS. A late result of the old dispatch cannot arrive: it died too.
 */
export class LostDeliveries {
  /** Ends the lease of every entry in flight; returns how many there were. */
  static async endLeases(db: Db): Promise<number> {
    const result = await repositoryOf(db, CrawlingQueue).update(
      { status: 'PROCESSING' },
      { leaseUntil: ENDED_LONG_AGO },
    );
    return result.affected ?? 0;
  }
}
