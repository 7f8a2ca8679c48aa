import type { CrawlingSchedule } from '@crawlflow/db';
import { fireTimes, FireTime } from '../cron/cron-schedule';

type SeriesFields = Pick<
  CrawlingSchedule,
  'scheduleType' | 'cronExpression' | 'timezone' | 'intervalSeconds'
>;

/** The schedule's due-time series (FIXED: cron; DYNAMIC: fixed steps of the current interval). */
export function dueSeries(schedule: SeriesFields): ((after: Date) => FireTime) | null {
  if (schedule.scheduleType === 'FIXED' && schedule.cronExpression) {
    const expression = schedule.cronExpression;
    return (after) => fireTimes(expression, schedule.timezone, after)();
  }
  if (schedule.scheduleType === 'DYNAMIC' && schedule.intervalSeconds) {
    const stepMs = schedule.intervalSeconds * 1000;
    return (after) => ({ at: new Date(after.getTime() + stepMs) });
  }
  return null;
}

/** next_run_at for a schedule (re)armed at `now`: FIXED the next cron time, DYNAMIC now, MANUAL none. */
export function initialNextRunAt(
  schedule: SeriesFields & Pick<CrawlingSchedule, 'isActive' | 'lastRunAt'>,
  now: Date,
): Date | null {
  if (!schedule.isActive) return null;
  if (schedule.scheduleType === 'FIXED' && schedule.cronExpression) {
    return fireTimes(schedule.cronExpression, schedule.timezone, now)().at;
  }
  if (schedule.scheduleType === 'DYNAMIC') {
    if (schedule.lastRunAt && schedule.intervalSeconds) {
      const next = schedule.lastRunAt.getTime() + schedule.intervalSeconds * 1000;
      return new Date(Math.max(next, Math.ceil(now.getTime() / 1000) * 1000));
    }
    return new Date(Math.ceil(now.getTime() / 1000) * 1000);
  }
  return null;
}
