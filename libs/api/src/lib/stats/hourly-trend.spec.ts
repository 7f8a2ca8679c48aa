import { hourlyTrend, hourStart, windowStart } from './hourly-trend';

describe('hourlyTrend', () => {
  const now = new Date('2026-12-03T10:42:17.123Z');

  it('puts the window in UTC hours, the last one the current hour', () => {
    expect(hourStart(now).toISOString()).toBe('2026-12-03T10:00:00.000Z');
    expect(windowStart(1, now).toISOString()).toBe('2026-12-03T10:00:00.000Z');
    expect(windowStart(24, now).toISOString()).toBe('2026-12-02T11:00:00.000Z');
    const trend = hourlyTrend(24, now, [], []);
    expect(trend.map((entry) => entry.hour).slice(0, 2)).toEqual([
      '2026-12-02T11:00:00.000Z',
      '2026-12-02T12:00:00.000Z',
    ]);
    expect(trend.at(-1)?.hour).toBe('2026-12-03T10:00:00.000Z');
    expect(trend).toHaveLength(24);
  });

  it('fills the hours the database answered and leaves zeros and nulls in the others', () => {
    const trend = hourlyTrend(
      3,
      now,
      [{ hour: '2026-12-03T09:00:00.000Z', succeeded: 3, failed: 1, avgSeconds: 2.5 }],
      [
        { hour: '2026-12-03T09:00:00.000Z', total: 4, retried: 1 },
        { hour: '2026-12-03T10:00:00.000Z', total: 2, retried: 0 },
        // Outside the window (a clock ahead of this one): left out.
        { hour: '2026-12-03T11:00:00.000Z', total: 9, retried: 9 },
      ],
    );
    expect(trend).toEqual([
      {
        hour: '2026-12-03T08:00:00.000Z',
        finished_jobs: 0,
        success_jobs: 0,
        failed_jobs: 0,
        success_rate: null,
        avg_execution_sec: null,
        tasks: 0,
        retried_tasks: 0,
        retry_rate: null,
      },
      {
        hour: '2026-12-03T09:00:00.000Z',
        finished_jobs: 4,
        success_jobs: 3,
        failed_jobs: 1,
        success_rate: 0.75,
        avg_execution_sec: 2.5,
        tasks: 4,
        retried_tasks: 1,
        retry_rate: 0.25,
      },
      {
        hour: '2026-12-03T10:00:00.000Z',
        finished_jobs: 0,
        success_jobs: 0,
        failed_jobs: 0,
        success_rate: null,
        avg_execution_sec: null,
        tasks: 2,
        retried_tasks: 0,
        retry_rate: 0,
      },
    ]);
  });
});
