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
    const limiter = new HostLimiter();
    const starts: number[] = [];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        const release = await limiter.acquire('h', { concurrency: 10, delayMs: 40 });
        starts.push(performance.now());
        release();
      }),
    );
    // Measured after the await, so each start carries a little scheduling jitter: allow 5 ms.
    starts.forEach((t, i) => expect(t - starts[0]).toBeGreaterThanOrEqual(i * 40 - 5));
    limiter.close();
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
