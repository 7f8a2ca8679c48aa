import type { ConfirmPublisher } from '@crawlflow/messaging';
import type { DataSource } from 'typeorm';
import { OutboxRelay } from './outbox-relay';

/** A ledger with due entries forever, and a broker that refuses every publish. */
function refusingSetup(): { dataSource: DataSource; publisher: ConfirmPublisher; claims: () => number } {
  let claims = 0;
  const manager = {
    query: async (sql: string) => {
      if (!sql.includes('FOR UPDATE SKIP LOCKED')) return { affectedRows: 0 };
      claims += 1;
      return [
        {
          id: String(claims), // as SKIP LOCKED would: never the row another round holds
          job_id: '1',
          task_id: '1',
          stage: 'FETCH',
          queue_type: 'NORMAL',
          attempt_count: 0,
          payload: '{}',
          created_at: new Date('2026-11-29T00:00:00Z'),
        },
      ];
    },
  };
  const dataSource = {
    transaction: async (_level: string, work: (m: typeof manager) => Promise<unknown>) => work(manager),
    query: async () => [{ ms: null }],
  } as unknown as DataSource;
  const publisher = {
    isReady: () => true,
    publishAll: async () => {
      throw new Error('nacked by the broker');
    },
  } as unknown as ConfirmPublisher;
  return { dataSource, publisher, claims: () => claims };
}

describe('OutboxRelay', () => {
  it('backs off after failed rounds, however often it is kicked', async () => {
    const { dataSource, publisher, claims } = refusingSetup();
    const relay = new OutboxRelay(dataSource, publisher, {
      batchSize: 10,
      concurrency: 2,
      intervalMs: 50,
      leaseMs: 60_000,
    });
    // Fake clocks: 400 ms of the relay's time with a kick every 2 ms, free of scheduling jitter.
    jest.useFakeTimers();
    try {
      relay.start();
      for (let elapsed = 0; elapsed < 400; elapsed += 2) {
        relay.kick();
        await jest.advanceTimersByTimeAsync(2);
      }
      await relay.stop();
    } finally {
      jest.useRealTimers();
    }
    // Each loop waits 100, 200, 400 ms after its 1st, 2nd, 3rd failure: at most 3 rounds in 400 ms.
    expect(claims()).toBeGreaterThanOrEqual(2);
    expect(claims()).toBeLessThanOrEqual(6);
  });

  it('stops at once while backing off', async () => {
    const { dataSource, publisher } = refusingSetup();
    const relay = new OutboxRelay(dataSource, publisher, {
      batchSize: 10,
      intervalMs: 2000,
      leaseMs: 60_000,
    });
    jest.useFakeTimers();
    try {
      relay.start();
      await jest.advanceTimersByTimeAsync(50);
      const started = Date.now();
      await relay.stop(); // no timer advances: only waking the sleeping loop can end it
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      jest.useRealTimers();
    }
  });
});
