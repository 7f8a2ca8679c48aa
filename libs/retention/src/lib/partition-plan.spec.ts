import { DAY_MS, dailyPartitionName, planQueuePartitions, QueuePartition } from './partition-plan';

const day = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);
const partition = (iso: string): QueuePartition => ({
  name: dailyPartitionName(day(iso)),
  bound: (day(iso) + DAY_MS) / 1000,
});
const future: QueuePartition = { name: 'p_future', bound: null };
const settings = { aheadDays: 3, retentionDays: 7 };

describe('planQueuePartitions', () => {
  it('splits off the days up to today + aheadDays that no partition covers', () => {
    const plan = planQueuePartitions(
      [partition('2026-11-29'), partition('2026-11-30'), future],
      day('2026-11-29') + 3_600_000,
      settings,
    );
    expect(plan.add).toEqual([
      { name: 'p20261201', bound: (day('2026-12-01') + DAY_MS) / 1000 },
      { name: 'p20261202', bound: (day('2026-12-02') + DAY_MS) / 1000 },
    ]);
    expect(plan.dropCandidates).toEqual([]);
  });

  it('adds nothing when the days ahead exist', () => {
    const layout = ['2026-11-29', '2026-11-30', '2026-12-01', '2026-12-02'].map(partition);
    expect(planQueuePartitions([...layout, future], day('2026-11-29'), settings).add).toEqual([]);
  });

  it('offers a daily partition for dropping once its whole day is older than the retention', () => {
    const layout = [partition('2026-11-20'), partition('2026-11-21'), partition('2026-11-22'), future];
    // 2026-11-21 ended at 11-22 00:00, exactly 7 days before 11-29 00:00: droppable; 11-22 is not yet.
    const plan = planQueuePartitions(layout, day('2026-11-29'), settings);
    expect(plan.dropCandidates).toEqual(['p20261120', 'p20261121']);
  });

  it('after an outage fills the missed days back to the retention horizon only', () => {
    const plan = planQueuePartitions([partition('2026-11-01'), future], day('2026-11-29'), settings);
    expect(plan.add[0].name).toBe('p20261122');
    expect(plan.add[plan.add.length - 1].name).toBe('p20261202');
    expect(plan.add).toHaveLength(11);
    expect(plan.dropCandidates).toEqual(['p20261101']);
  });

  it('never drops p_future or partitions not named by day', () => {
    const plan = planQueuePartitions(
      [{ name: 'p_manual', bound: day('2026-01-01') / 1000 }, future],
      day('2026-11-29'),
      settings,
    );
    expect(plan.dropCandidates).toEqual([]);
  });
});
