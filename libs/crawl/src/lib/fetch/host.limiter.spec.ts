import { HostLimiter } from './host.limiter';

describe('HostLimiter', () => {
  it('never runs more than the limit per host, and hosts do not wait for each other', async () => {
    const limiter = new HostLimiter();
    let active = 0;
    let peak = 0;
    let otherStarted = false;
    const task = async (host: string): Promise<void> => {
      const release = await limiter.acquire(host, { concurrency: 2, delayMs: 0 });
      if (host === 'b') otherStarted = true;
      if (host === 'a') {
        active += 1;
        peak = Math.max(peak, active);
      }
      await new Promise((resolve) => setImmediate(resolve));
      if (host === 'a') active -= 1;
      release();
    };
    await Promise.all([...Array.from({ length: 20 }, () => task('a')), task('b')]);
    expect(peak).toBe(2);
    expect(otherStarted).toBe(true);
    limiter.close();
  });

  it('spaces request starts to one host by the delay', async () => {
    // Fake clocks: the spacing is checked on the limiter's own time, free of scheduling jitter.
    jest.useFakeTimers();
    try {
      const limiter = new HostLimiter();
      let granted = 0;
      for (let i = 0; i < 4; i += 1) {
        void limiter.acquire('h', { concurrency: 10, delayMs: 40 }).then((release) => {
          granted += 1;
          release();
        });
      }
      const grantedAt = async (ms: number): Promise<number> => {
        await jest.advanceTimersByTimeAsync(ms);
        return granted;
      };
      expect(await grantedAt(0)).toBe(1);
      expect(await grantedAt(39)).toBe(1);
      expect(await grantedAt(1)).toBe(2);
      expect(await grantedAt(39)).toBe(2);
      expect(await grantedAt(1)).toBe(3);
      expect(await grantedAt(40)).toBe(4);
      limiter.close();
    } finally {
      jest.useRealTimers();
    }
  });

  it('fails waiters when closed', async () => {
    const limiter = new HostLimiter();
    const release = await limiter.acquire('h', { concurrency: 1, delayMs: 0 });
    const waiting = limiter.acquire('h', { concurrency: 1, delayMs: 0 });
    limiter.close();
    await expect(waiting).rejects.toThrow(/closed/);
    release();
  });
});
