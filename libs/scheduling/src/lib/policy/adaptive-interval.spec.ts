import { adaptInterval, DEFAULT_ADAPTIVE_RATES } from './adaptive-interval';

describe('adaptInterval', () => {
  it('shrinks by dec_rate on change, grows by inc_rate without, clamped', () => {
    expect(adaptInterval(1000, true, DEFAULT_ADAPTIVE_RATES)).toBe(800);
    expect(adaptInterval(1000, false, DEFAULT_ADAPTIVE_RATES)).toBe(1400);
    expect(adaptInterval(70, true, DEFAULT_ADAPTIVE_RATES)).toBe(60);
    expect(adaptInterval(365 * 86_400, false, DEFAULT_ADAPTIVE_RATES)).toBe(365 * 86_400);
  });

  it('follows a scripted sequence of outcomes', () => {
    const outcomes = [false, false, false, true, true, true, true, false, true, false, false, false];
    const rates = { ...DEFAULT_ADAPTIVE_RATES, minSeconds: 600, maxSeconds: 7200 };
    const sequence = [3600];
    for (const changed of outcomes)
      sequence.push(adaptInterval(sequence[sequence.length - 1], changed, rates));
    console.log(`adaptInterval ${outcomes.map((c) => (c ? 'C' : 'u')).join('')}: ${sequence.join(' → ')}`);
    expect(sequence).toEqual([3600, 5040, 7056, 7200, 5760, 4608, 3686, 2949, 4129, 3303, 4624, 6474, 7200]);
  });
});
