import { fireTimes } from '../cron/cron-schedule';
import { planDueRuns } from './due-runs';

const everyTwo = (after: Date) => fireTimes('*/2 * * * * *', 'UTC', after)();
const t = (s: string) => new Date(`2026-06-05T12:00:${s}Z`);
const base = { catchUpWindowMs: 60_000, misfireGraceMs: 1000, next: everyTwo };

describe('planDueRuns', () => {
  it('on time: fires the due time, nothing missed', () => {
    const plan = planDueRuns({ ...base, dueAt: t('10.000'), now: t('10.300'), policy: 'SKIP' });
    expect(plan.fire?.at).toEqual(t('10.000'));
    expect(plan.missed).toEqual([]);
    expect(plan.nextRunAt).toEqual(t('12.000'));
  });

  it('SKIP after an outage: every due time MISSED, next after now', () => {
    const plan = planDueRuns({ ...base, dueAt: t('10.000'), now: t('17.500'), policy: 'SKIP' });
    expect(plan.fire).toBeNull();
    expect(plan.missed).toEqual([t('10.000'), t('12.000'), t('14.000'), t('16.000')]);
    expect(plan.nextRunAt).toEqual(t('18.000'));
  });

  it('RUN_ONCE after an outage: the latest within the window fires once, the rest MISSED', () => {
    const plan = planDueRuns({ ...base, dueAt: t('10.000'), now: t('17.500'), policy: 'RUN_ONCE' });
    expect(plan.fire).toEqual({ at: t('16.000'), catchUp: true });
    expect(plan.missed).toEqual([t('10.000'), t('12.000'), t('14.000')]);
    expect(plan.nextRunAt).toEqual(t('18.000'));
  });

  it('RUN_ONCE outside the window: nothing fires', () => {
    const plan = planDueRuns({
      ...base,
      catchUpWindowMs: 1000,
      dueAt: t('10.000'),
      now: t('17.500'),
      policy: 'RUN_ONCE',
    });
    expect(plan.fire).toBeNull();
    expect(plan.missedTotal).toBe(4);
  });

  it('a very long outage is counted, not walked', () => {
    const plan = planDueRuns({
      ...base,
      dueAt: new Date('2026-06-01T00:00:00Z'),
      now: new Date('2026-06-05T00:00:01Z'),
      policy: 'SKIP',
      maxScan: 100,
      maxMissedRows: 10,
    });
    expect(plan.missed).toHaveLength(10);
    expect(plan.missedTotal).toBe(4 * 43_200 + 1);
    expect(plan.nextRunAt).toEqual(new Date('2026-06-05T00:00:02Z'));
  });
});
