import { JobView } from './job-view';
import { barLine, plainLine, ProgressRenderer, RateMeter } from './progress-renderer';

const job = (over: Partial<JobView> = {}): JobView => ({
  id: '7',
  status: 'RUNNING',
  processed: 50,
  total: 200,
  percent: 25,
  succeeded: 49,
  failed: 1,
  currentStep: 'fetch_detail',
  retries: 2,
  stored: { inserted: 0, updated: 0, unchanged: 0, skipped: 0 },
  itemsProcessed: 0,
  errorSummary: null,
  startedAt: null,
  completedAt: null,
  stepResults: {},
  ...over,
});

describe('progress rendering', () => {
  it('measures the rate over its window and estimates the time left', () => {
    const meter = new RateMeter(10_000);
    meter.add(0, 0);
    expect(meter.perSecond()).toBeUndefined();
    meter.add(50, 5_000);
    expect(meter.perSecond()).toBe(10);
    expect(plainLine({ job: job(), rate: meter.perSecond() })).toBe(
      'job 7 RUNNING | 50/200 tasks (25.0%) | 10.0/s | ETA 15s | 1 failed, 2 retried | step fetch_detail',
    );
  });

  it('fits the bar to the terminal width', () => {
    const line = barLine({ job: job(), rate: 10 }, 100);
    expect(line.length).toBeLessThan(100);
    expect(line).toMatch(
      /^\[█+░+\] {2}25% 50\/200 · 10\.0\/s · ETA 15s · 1 failed, 2 retried · fetch_detail$/,
    );
  });

  it('writes plain lines only when the figures change, and always the final one', () => {
    const written: string[] = [];
    const renderer = new ProgressRenderer({ write: (text: string) => written.push(text), isTTY: false }, 0);
    renderer.update({ job: job(), rate: 1 });
    renderer.update({ job: job(), rate: 2 });
    renderer.update({ job: job({ status: 'SUCCESS', processed: 200, percent: 100 }), rate: 2 }, true);
    expect(written).toHaveLength(2);
    expect(written[1]).toMatch(/^job 7 SUCCESS \| 200\/200 tasks \(100\.0%\)/);
  });
});
