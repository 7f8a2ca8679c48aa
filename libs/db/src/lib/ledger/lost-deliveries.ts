import { type Db, repositoryOf } from '../db';
import { CrawlingQueue } from '../entities';

/** A lease that ended before any entry was written: the next sweep finds it run out. */
const ENDED_LONG_AGO = new Date(Date.UTC(1970, 0, 2));

/**
 * Deliveries that died with the process that held them. The in-process bus of the standalone
 * process keeps its messages in memory only, so when that process starts again every entry still
 * in flight lost its message. Such an entry goes back to WAITING at once, as if never dispatched:
 * the crash was the process's, not the task's, so it counts no lease expiry and marks no suspect.
 * An entry that was already running alone as a suspect (quarantine_starts > 0) only has its lease
 * ended, so the sweeper judges it as it would any other poison candidate. A late result of the old
 * dispatch cannot arrive: it died too.
 */
export class LostDeliveries {
  /** Puts back every entry in flight; returns how many there were. */
  static async putBack(db: Db): Promise<number> {
    const queue = repositoryOf(db, CrawlingQueue);
    const requeued = await queue.update(
      { status: 'PROCESSING', quarantineStarts: 0 },
      { status: 'WAITING', scheduledFor: new Date(), leaseUntil: null, dispatchedAt: null },
    );
    const suspects = await queue.update({ status: 'PROCESSING' }, { leaseUntil: ENDED_LONG_AGO });
    return (requeued.affected ?? 0) + (suspects.affected ?? 0);
  }
}
