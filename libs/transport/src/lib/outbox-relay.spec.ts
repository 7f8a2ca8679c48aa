import type { ConfirmPublisher } from '@crawlflow/messaging';
import type { DataSource } from 'typeorm';
import { OutboxRelay } from './outbox-relay';

/** A ledger with due entries forever, and a broker that refuses every publish. */
function refusingSetup(): { dataSource: DataSource; publisher: ConfirmPublisher; claims: () => number } {
  let claims = 0;
  const manager = {
    query: async (sql: string) => {
      // The claim: a plain read of the candidates, then the locking read of those.
      if (sql.includes('SELECT id, created_at')) return [{ id: String(claims + 1), created_at: new Date() }];
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
    transaction: async (work: (m: typeof manager) => Promise<unknown>) => work(manager),
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

/**
 * A ledger that holds what was enqueued until a claim takes it, and a broker that confirms after
 * 3 ms; counts claims that came back empty and look-ups of the next due time.
 */
function quietSetup(): {
  dataSource: DataSource;
  publisher: ConfirmPublisher;
  enqueue: () => void;
  figures: () => { claims: number; empty: number; published: number; nextDueLookups: number };
} {
  let waiting = 0;
  let nextId = 0;
  const figures = { claims: 0, empty: 0, published: 0, nextDueLookups: 0 };
  const manager = {
    query: async (sql: string) => {
      // The claim: a plain read of the candidates, then the locking read of those.
      if (sql.includes('SELECT id, created_at')) {
        figures.claims += 1;
        if (waiting === 0) figures.empty += 1;
        return Array.from({ length: waiting }, (_, i) => ({
          id: String(nextId + i + 1),
          created_at: new Date(),
        }));
      }
      if (!sql.includes('FOR UPDATE SKIP LOCKED')) return { affectedRows: 0 };
      const taken = Array.from({ length: waiting }, () => ({
        id: String(++nextId),
        job_id: '1',
        task_id: String(nextId),
        stage: 'FETCH',
        queue_type: 'NORMAL',
        attempt_count: 0,
        payload: '{}',
        created_at: new Date('2026-11-29T00:00:00Z'),
      }));
      waiting = 0;
      return taken;
    },
  };
  const dataSource = {
    transaction: async (work: (m: typeof manager) => Promise<unknown>) => work(manager),
    query: async () => {
      figures.nextDueLookups += 1;
      return [{ ms: waiting > 0 ? '0' : null }];
    },
  } as unknown as DataSource;
  const publisher = {
    isReady: () => true,
    publishAll: async (messages: unknown[]) => {
      await new Promise((resolve) => setTimeout(resolve, 3));
      figures.published += messages.length;
    },
  } as unknown as ConfirmPublisher;
  return { dataSource, publisher, enqueue: () => (waiting += 1), figures: () => ({ ...figures }) };
}

describe('OutboxRelay', () => {
  it('answers a kick with one claim, not one per loop', async () => {
    const { dataSource, publisher, enqueue, figures } = quietSetup();
    const relay = new OutboxRelay(dataSource, publisher, {
      batchSize: 10,
      concurrency: 2,
      intervalMs: 1000,
      leaseMs: 60_000,
    });
    let before = figures();
    jest.useFakeTimers();
    try {
      relay.start();
      await jest.advanceTimersByTimeAsync(10); // both loops asleep after their first look
      before = figures();
      for (let i = 0; i < 50; i += 1) {
        enqueue();
        relay.kick(); // as the result processor does after each commit that planned a task
        await jest.advanceTimersByTimeAsync(i % 2 === 0 ? 1 : 10); // some kicks land mid-round
      }
      await jest.advanceTimersByTimeAsync(20);
      await relay.stop();
    } finally {
      jest.useRealTimers();
    }
    const after = figures();
    expect(after.published).toBe(50);
    // A kick during a round is answered by that loop's next claim; a kick while idle by one loop.
    expect(after.claims - before.claims).toBeLessThanOrEqual(50);
    expect(after.empty - before.empty).toBeLessThanOrEqual(5);
    expect(after.nextDueLookups - before.nextDueLookups).toBeLessThanOrEqual(5);
  });

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
