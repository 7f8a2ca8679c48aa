import { EngineError } from '@crawlflow/engine';
import { fireTimes, nextFireTimes, validateCron } from './cron-schedule';

const iso = (dates: Date[]): string[] => dates.map((d) => d.toISOString());
const fixed = (cron: string, timezone: string, from: string, n = 3): string[] =>
  iso(nextFireTimes({ scheduleType: 'FIXED', cronExpression: cron, timezone }, n, new Date(from)));

function reasonOf(fn: () => unknown): { message: string; path?: string } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(EngineError);
    return { message: (error as EngineError).message, path: (error as EngineError).path };
  }
  throw new Error('expected an error');
}

describe('validateCron', () => {
  it('accepts 5 fields and 6 fields with seconds', () => {
    expect(validateCron('0 2 * * *', 'UTC')).toBe(5);
    expect(validateCron('*/30 * * * *', 'Europe/Berlin')).toBe(5);
    expect(validateCron('0 9 * * 1-5', 'America/New_York')).toBe(5);
    expect(validateCron('*/2 * * * * *', 'UTC')).toBe(6);
  });

  it('rejects bad expressions and zones with the reason and path', () => {
    expect(reasonOf(() => validateCron('61 * * * *', 'UTC'))).toEqual({
      message: expect.stringContaining('got value 61 expected range 0-59'),
      path: 'cron_expression',
    });
    expect(reasonOf(() => validateCron('* * * *', 'UTC')).message).toContain('has 4 fields');
    expect(reasonOf(() => validateCron('* * * * * * *', 'UTC')).message).toContain('has 7 fields');
    expect(reasonOf(() => validateCron('0 0 30 2 *', 'UTC')).message).toContain('day of month');
    expect(reasonOf(() => validateCron('', 'UTC')).path).toBe('cron_expression');
    expect(reasonOf(() => validateCron('0 2 * * *', 'Mars/Olympus_Mons'))).toEqual({
      message: expect.stringContaining('unknown time zone "Mars/Olympus_Mons"'),
      path: 'timezone',
    });
  });
});

describe('nextFireTimes', () => {
  it('lists the next 5 fire times in the schedule zone', () => {
    expect(fixed('0 9 * * 1-5', 'Europe/Berlin', '2026-06-05T12:00:00Z', 5)).toEqual([
      '2026-06-08T07:00:00.000Z',
      '2026-06-09T07:00:00.000Z',
      '2026-06-10T07:00:00.000Z',
      '2026-06-11T07:00:00.000Z',
      '2026-06-12T07:00:00.000Z',
    ]);
    expect(fixed('*/2 * * * * *', 'UTC', '2026-06-05T12:00:00.500Z')).toEqual([
      '2026-06-05T12:00:02.000Z',
      '2026-06-05T12:00:04.000Z',
      '2026-06-05T12:00:06.000Z',
    ]);
  });

  it('DYNAMIC steps by the interval from next_run_at; MANUAL has none', () => {
    const from = new Date('2026-06-05T12:00:00Z');
    expect(
      iso(
        nextFireTimes(
          {
            scheduleType: 'DYNAMIC',
            cronExpression: null,
            timezone: 'UTC',
            intervalSeconds: 600,
            nextRunAt: from,
          },
          3,
          from,
        ),
      ),
    ).toEqual(['2026-06-05T12:00:00.000Z', '2026-06-05T12:10:00.000Z', '2026-06-05T12:20:00.000Z']);
    expect(nextFireTimes({ scheduleType: 'MANUAL', cronExpression: null, timezone: 'UTC' })).toEqual([]);
  });
});

describe('DST', () => {
  it('spring gap, America/New_York: a daily 02:30 fires once, right after the gap (03:00 EDT)', () => {
    expect(fixed('30 2 * * *', 'America/New_York', '2026-03-07T12:00:00Z')).toEqual([
      '2026-03-08T07:00:00.000Z', // Sun: 02:30 does not exist → 03:00 EDT, the end of the gap
      '2026-03-09T06:30:00.000Z', // Mon 02:30 EDT
      '2026-03-10T06:30:00.000Z',
    ]);
  });

  it('spring gap, Europe/Berlin: two times in the gap still fire once', () => {
    expect(fixed('30 2 * * *', 'Europe/Berlin', '2026-03-28T12:00:00Z')).toEqual([
      '2026-03-29T01:00:00.000Z', // 03:00 CEST, the end of the gap
      '2026-03-30T00:30:00.000Z',
      '2026-03-31T00:30:00.000Z',
    ]);
    expect(fixed('15,45 2 * * *', 'Europe/Berlin', '2026-03-28T12:00:00Z')).toEqual([
      '2026-03-29T01:00:00.000Z',
      '2026-03-30T00:15:00.000Z',
      '2026-03-30T00:45:00.000Z',
    ]);
    const next = fireTimes('30 2 * * *', 'Europe/Berlin', new Date('2026-03-28T12:00:00Z'));
    expect(next().dstNote).toContain('DST gap in Europe/Berlin');
  });

  it('fall repeat: a daily time in the repeated hour fires once', () => {
    expect(fixed('30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z')).toEqual([
      '2026-11-01T05:30:00.000Z', // 01:30 EDT; 01:30 EST (06:30Z) does not fire again
      '2026-11-02T06:30:00.000Z',
      '2026-11-03T06:30:00.000Z',
    ]);
    expect(fixed('30 2 * * *', 'Europe/Berlin', '2026-10-24T12:00:00Z')).toEqual([
      '2026-10-25T00:30:00.000Z', // 02:30 CEST only
      '2026-10-26T01:30:00.000Z',
      '2026-10-27T01:30:00.000Z',
    ]);
    // From inside the repeated hour (after the first 01:30), the second 01:30 is not a new run.
    expect(fixed('30 1 * * *', 'America/New_York', '2026-11-01T05:45:00Z', 1)).toEqual([
      '2026-11-02T06:30:00.000Z',
    ]);
  });

  it('wildcard-hour expressions keep real-time spacing through both transitions', () => {
    expect(fixed('*/30 * * * *', 'America/New_York', '2026-11-01T05:15:00Z', 4)).toEqual([
      '2026-11-01T05:30:00.000Z',
      '2026-11-01T06:00:00.000Z',
      '2026-11-01T06:30:00.000Z',
      '2026-11-01T07:00:00.000Z',
    ]);
    expect(fixed('0 * * * *', 'America/New_York', '2026-03-08T05:30:00Z', 3)).toEqual([
      '2026-03-08T06:00:00.000Z',
      '2026-03-08T07:00:00.000Z',
      '2026-03-08T08:00:00.000Z',
    ]);
  });
});
