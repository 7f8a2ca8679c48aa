import { invalid } from '@crawlflow/engine';
import { CronExpression, CronExpressionParser } from 'cron-parser';

/** A due time, with a note when DST moved it off the wall-clock time the expression names. */
export interface FireTime {
  at: Date;
  dstNote?: string;
}

const MAX_EXPRESSION_LENGTH = 100;

/** Throws `invalid(…, 'timezone')` unless `zone` is an IANA zone this runtime knows. */
export function validateTimezone(zone: string): void {
  if (typeof zone !== 'string' || zone.length === 0 || zone.length > 64) {
    throw invalid('timezone must be an IANA zone name such as "Europe/Berlin"', 'timezone');
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw invalid(`unknown time zone "${zone}" (expected an IANA name such as "Europe/Berlin")`, 'timezone');
  }
}

function parse(expression: string, zone: string, from: Date): CronExpression {
  return CronExpressionParser.parse(expression, { currentDate: from, tz: zone });
}

/**
 * Checks a cron expression (5 fields, or 6 with seconds first) in an IANA zone; throws
 * `invalid(reason, path)` naming what is wrong. Returns the number of fields.
 */
export function validateCron(expression: unknown, zone: string): 5 | 6 {
  validateTimezone(zone);
  if (typeof expression !== 'string' || expression.trim() === '') {
    throw invalid('cron_expression is required for FIXED schedules', 'cron_expression');
  }
  if (expression.length > MAX_EXPRESSION_LENGTH) {
    throw invalid(`cron_expression is longer than ${MAX_EXPRESSION_LENGTH} characters`, 'cron_expression');
  }
  const fields = expression.trim().split(/\s+/).length;
  if (!expression.trim().startsWith('@') && fields !== 5 && fields !== 6) {
    throw invalid(
      `cron_expression has ${fields} fields; expected 5 (minute hour day month weekday) or 6 (second first)`,
      'cron_expression',
    );
  }
  try {
    // next() too: some expressions parse but never match (the loop limit says so).
    parse(expression, zone, new Date()).next();
  } catch (error) {
    throw invalid(`cron_expression "${expression}": ${(error as Error).message}`, 'cron_expression');
  }
  return fields === 6 ? 6 : 5;
}

/** The UTC offset of `zone` at `at`, in ms (local = utc + offset). */
export function zoneOffsetMs(zone: string, at: Date): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(at);
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const local = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return local - Math.floor(at.getTime() / 1000) * 1000;
}

/** The first instant at or before `at` (within 3 h) where the zone's offset last changed. */
function transitionBefore(zone: string, at: Date): Date | null {
  const after = zoneOffsetMs(zone, at);
  let lo = at.getTime() - 3 * 3_600_000;
  if (zoneOffsetMs(zone, new Date(lo)) === after) return null;
  let hi = at.getTime();
  // Offsets change on whole minutes: bisect to the minute, then the first instant of the new offset.
  while (hi - lo > 60_000) {
    const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
    if (zoneOffsetMs(zone, new Date(mid)) === after) hi = mid;
    else lo = mid;
  }
  return new Date(hi);
}

/**
 * An iterator of fire times after `from`, with the DST behaviour of classic cron:
 * - a wall-clock time that does not exist (spring-forward gap) fires once, at the end of the gap
 *   (cron-parser 5 moves it forward by the gap's length instead: 02:30 → 03:30, and two times in the
 *   gap would fire twice);
 * - a wall-clock time that happens twice (fall-back) fires once, at its first occurrence (cron-parser
 *   5 already does this for fixed hours; wildcard-hour expressions keep firing in real time).
 */
export function fireTimes(expression: string, zone: string, from: Date): () => FireTime {
  const iterator = parse(expression, zone, from);
  let last = from.getTime();
  return () => {
    for (;;) {
      const at = iterator.next().toDate();
      if (iterator.includesDate(at)) {
        if (at.getTime() <= last) continue;
        last = at.getTime();
        return { at };
      }
      // Not a wall-clock match: cron-parser shifted a time that fell into a DST gap.
      const gapEnd = transitionBefore(zone, at) ?? at;
      if (gapEnd.getTime() <= last) continue;
      last = gapEnd.getTime();
      return {
        at: gapEnd,
        dstNote: `DST gap in ${zone}: the wall-clock time did not exist; fired at the end of the gap`,
      };
    }
  };
}

export function nextFireTime(expression: string, zone: string, after: Date): FireTime {
  return fireTimes(expression, zone, after)();
}

/** Whether `at` is a due time of the expression that DST moved (for the decision log). */
export function dstNoteFor(expression: string, zone: string, at: Date): string | undefined {
  const probe = fireTimes(expression, zone, new Date(at.getTime() - 1))();
  return probe.at.getTime() === at.getTime() ? probe.dstNote : undefined;
}

export interface SchedulePlanFields {
  scheduleType: string;
  cronExpression: string | null;
  timezone: string;
  intervalSeconds?: number | null;
  lastRunAt?: Date | null;
  nextRunAt?: Date | null;
}

/**
 * The next `n` fire times after `from`: cron times for FIXED, `next_run_at` then steps of the current
 * interval for DYNAMIC (later adjustments will move them), none for MANUAL.
 */
export function nextFireTimes(schedule: SchedulePlanFields, n = 5, from = new Date()): Date[] {
  if (schedule.scheduleType === 'FIXED' && schedule.cronExpression) {
    const next = fireTimes(schedule.cronExpression, schedule.timezone, from);
    return Array.from({ length: n }, () => next().at);
  }
  if (schedule.scheduleType === 'DYNAMIC' && schedule.intervalSeconds) {
    const step = schedule.intervalSeconds * 1000;
    let at = schedule.nextRunAt?.getTime() ?? from.getTime();
    if (at < from.getTime()) at = from.getTime();
    return Array.from({ length: n }, (_, i) => new Date(at + i * step));
  }
  return [];
}
