import {
  DEAD_REASON_HEADER,
  deadQueueName,
  EXCHANGES,
  RESULTS_ROUTING_KEY,
  taskQueueName,
  taskRoutingKey,
  transient,
} from '@crawlflow/contracts';
import { TaskLedger } from '@crawlflow/db';
import {
  connectTestBroker,
  createTestDatabase,
  createTestVhost,
  insertJob,
  insertWorkflow,
  OrchestratorSide,
  startOrchestratorSide,
  startWorkerSide,
  taskBatch,
  TestDatabase,
  TestVhost,
  waitFor,
  WorkerSide,
} from '@crawlflow/testing';
import type { ChannelModel } from 'amqplib';

jest.setTimeout(120_000);

describe('task transport (ledger + RabbitMQ)', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  let workflowId: string;
  const running: Array<{ stop(): Promise<void> }> = [];

  beforeAll(async () => {
    [db, vhost] = await Promise.all([createTestDatabase(), createTestVhost()]);
    workflowId = await insertWorkflow(db.dataSource);
  });

  afterEach(async () => {
    for (const side of running.splice(0).reverse()) await side.stop();
  });

  afterAll(async () => {
    await db?.drop();
    await vhost?.delete();
  });

  async function orchestrator(
    options: Parameters<typeof startOrchestratorSide>[2] = {},
  ): Promise<OrchestratorSide> {
    const side = await startOrchestratorSide(db.dataSource, vhost.url, options);
    running.push(side);
    return side;
  }

  async function worker(
    ...args: Parameters<typeof startWorkerSide> extends [unknown, unknown, ...infer R] ? R : never
  ): Promise<WorkerSide> {
    const side = await startWorkerSide(db.dataSource, vhost.url, ...args);
    running.push(side);
    return side;
  }

  async function ledgerCounts(jobId: string): Promise<Record<string, number>> {
    const rows: Array<{ status: string; n: string }> = await db.dataSource.query(
      'SELECT status, COUNT(*) AS n FROM crawling_queues WHERE job_id = ? GROUP BY status',
      [jobId],
    );
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  async function rawChannel(): Promise<
    { connection: ChannelModel; close(): Promise<void> } & {
      channel: Awaited<ReturnType<ChannelModel['createChannel']>>;
    }
  > {
    const connection = await connectTestBroker(vhost.url);
    const channel = await connection.createChannel();
    return { connection, channel, close: () => connection.close() };
  }

  it('carries 10,000 tasks through 3 worker instances, each finished exactly once by the ledger', async () => {
    const jobId = await insertJob(db.dataSource, workflowId);
    const handled = new Map<string, number>();
    const handler = async (task: { queue_id: string }) => {
      handled.set(task.queue_id, (handled.get(task.queue_id) ?? 0) + 1);
      return { output: { ok: true } };
    };
    const side = await orchestrator();
    for (let i = 0; i < 3; i += 1)
      await worker('fetch', handler, { name: `worker-${i}`, prefetch: 200, concurrency: 100 });

    const started = Date.now();
    for (let first = 1; first <= 10_000; first += 2000)
      await side.enqueue(taskBatch(jobId, 2000, { firstSequence: first }));
    await waitFor(async () => (await ledgerCounts(jobId)).COMPLETED === 10_000, {
      timeoutMs: 100_000,
      intervalMs: 250,
      what: '10,000 COMPLETED entries',
    });
    const seconds = (Date.now() - started) / 1000;

    const counts = await ledgerCounts(jobId);
    const tasks: Array<{ status: string; n: string }> = await db.dataSource.query(
      'SELECT status, COUNT(*) AS n FROM crawling_tasks WHERE job_id = ? GROUP BY status',
      [jobId],
    );
    console.log(
      `10,000 tasks in ${seconds.toFixed(1)} s (${Math.round(10_000 / seconds)} tasks/s); ledger`,
      counts,
    );
    expect(counts).toEqual({ COMPLETED: 10_000 });
    expect(Object.fromEntries(tasks.map((t) => [t.status, Number(t.n)]))).toEqual({ SUCCESS: 10_000 });
    expect(handled.size).toBe(10_000);
    const dispatches: Array<{ n: string }> = await db.dataSource.query(
      'SELECT COUNT(*) AS n FROM crawling_queues WHERE job_id = ? AND attempt_count <> 1',
      [jobId],
    );
    const spread = await db.dataSource.query(
      'SELECT attempt_count, COUNT(*) AS n FROM crawling_queues WHERE job_id = ? GROUP BY attempt_count',
      [jobId],
    );
    console.log('attempts', spread);
    expect(Number(dispatches[0].n)).toBe(0);
  });

  it('dead-letters poison messages with a reason and keeps consuming', async () => {
    const jobId = await insertJob(db.dataSource, workflowId);
    await orchestrator();
    await worker('fetch', async () => ({}), { name: 'poison-worker' });
    const raw = await rawChannel();
    try {
      const publish = (body: string) =>
        raw.channel.publish(EXCHANGES.tasks, taskRoutingKey('fetch', 'normal'), Buffer.from(body), {
          persistent: true,
        });
      publish('this is not json');
      publish(JSON.stringify({ v: 1, queue_id: '1' }));
      publish(
        JSON.stringify({
          v: 1,
          queue_id: '999999999',
          task_id: '999999999',
          job_id: jobId,
          stage: 'fetch',
          attempt: 1,
          payload: {},
        }),
      );

      const dead = deadQueueName('fetch');
      const reasons: string[] = [];
      await waitFor(
        async () => {
          const message = await raw.channel.get(dead, { noAck: true });
          if (message) reasons.push(String(message.properties.headers?.[DEAD_REASON_HEADER]));
          return reasons.length === 3;
        },
        { timeoutMs: 15_000, what: 'three dead letters' },
      );
      expect(reasons[0]).toMatch(/not JSON/);
      expect(reasons[1]).toMatch(/\$\.task_id/);
      expect(reasons[2]).toMatch(/unknown ledger entry 999999999/);
    } finally {
      await raw.close();
    }

    // The consumer is still there: a real task goes through.
    const side = running[0] as OrchestratorSide;
    await side.enqueue(taskBatch(jobId, 1));
    await waitFor(async () => (await ledgerCounts(jobId)).COMPLETED === 1, {
      what: 'the task after the poison',
    });
  });

  it('applies a result batch holding a repeat and a stranger: new results once, the repeat dropped, the stranger dead-lettered', async () => {
    const jobId = await insertJob(db.dataSource, workflowId);
    const appliedIds: string[] = [];
    const side = await orchestrator({
      relay: false,
      onApplied: async (_manager, applied) => {
        appliedIds.push(...applied.map((a) => a.state.queueId));
      },
    });
    await side.enqueue(taskBatch(jobId, 3));
    const entries: Array<{ id: string; task_id: string; created_at: Date }> = await db.dataSource.query(
      'SELECT id, task_id, created_at FROM crawling_queues WHERE job_id = ? ORDER BY id',
      [jobId],
    );
    const result = (queueId: string, taskId: string, createdAt: Date) => ({
      v: 1,
      queue_id: String(queueId),
      task_id: String(taskId),
      job_id: jobId,
      stage: 'fetch',
      attempt: 1,
      outcome: 'SUCCESS',
      started_at: new Date().toISOString(),
      completed_at: new Date().toISOString(),
      response_time_ms: 1,
      queued_at: createdAt.toISOString().replace('T', ' ').replace('Z', ''),
    });
    const [a, b, c] = entries.map((e) => result(e.id, e.task_id, e.created_at));
    const raw = await rawChannel();
    try {
      const publish = (results: unknown[]) =>
        raw.channel.publish(
          EXCHANGES.tasks,
          RESULTS_ROUTING_KEY,
          Buffer.from(JSON.stringify({ v: 1, results })),
          { persistent: true },
        );
      publish([a]);
      await waitFor(() => side.applied() === 1, { what: 'the first result' });
      const stranger = { ...b, queue_id: '999999999', task_id: '999999999' };
      publish([a, b, stranger]);
      await waitFor(() => side.applied() === 2, { what: 'the second batch' });

      const dead = deadQueueName('results');
      let reason = '';
      await waitFor(
        async () => {
          const message = await raw.channel.get(dead, { noAck: true });
          if (message) reason = String(message.properties.headers?.[DEAD_REASON_HEADER]);
          return reason !== '';
        },
        { what: 'the stranger dead-lettered' },
      );
      expect(reason).toMatch(/unknown ledger entry 999999999/);
    } finally {
      await raw.close();
    }
    expect(appliedIds).toEqual([a.queue_id, b.queue_id]);
    expect(await ledgerCounts(jobId)).toEqual({ COMPLETED: 2, WAITING: 1 });
    const tasks: Array<{ id: string; status: string }> = await db.dataSource.query(
      'SELECT id, status FROM crawling_tasks WHERE job_id = ? ORDER BY id',
      [jobId],
    );
    expect(tasks.map((t) => [String(t.id), t.status])).toEqual([
      [a.task_id, 'SUCCESS'],
      [b.task_id, 'SUCCESS'],
      [c.task_id, 'PENDING'],
    ]);
    // The third entry is never dispatched: withdraw it, so later relays of this file leave it be.
    await db.dataSource.transaction((manager) => TaskLedger.withdrawWaiting(manager, jobId, 'test over'));
  });

  it('prepares each result batch in its transaction before the policy judges it', async () => {
    const jobId = await insertJob(db.dataSource, workflowId);
    const prepared = new Set<string>();
    const judged = new Map<string, { outcome: string; prepared: boolean }>();
    const side = await orchestrator({
      prepare: async (_manager, results) => {
        for (const result of results) prepared.add(result.job_id);
      },
      policy: (result) => {
        if (result.job_id !== jobId) return { action: 'complete' };
        judged.set(result.queue_id, { outcome: result.outcome, prepared: prepared.has(result.job_id) });
        return result.outcome === 'SUCCESS' ? { action: 'complete' } : { action: 'fail', reason: 'no' };
      },
    });
    let calls = 0;
    await worker('fetch', async () => {
      calls += 1;
      if (calls % 2 === 0) throw transient('every other one fails');
      return {};
    });
    await side.enqueue(taskBatch(jobId, 20));
    await waitFor(() => judged.size === 20, { what: '20 results' });
    expect([...judged.values()].filter((j) => !j.prepared)).toEqual([]);
    expect(new Set([...judged.values()].map((j) => j.outcome))).toEqual(new Set(['SUCCESS', 'FAILED']));
  });

  it('delivers a retry scheduled 2 s ahead no earlier than due and within 1 s after', async () => {
    const jobId = await insertJob(db.dataSource, workflowId);
    await orchestrator({
      policy: (result) =>
        result.outcome === 'SUCCESS'
          ? { action: 'complete' }
          : { action: 'retry', delayMs: 2000, reason: 'again' },
    });
    const deliveries: number[] = [];
    await worker('fetch', async () => {
      deliveries.push(Date.now());
      if (deliveries.length === 1) throw transient('first attempt fails');
      return {};
    });
    const side = running[0] as OrchestratorSide;
    await side.enqueue(taskBatch(jobId, 1));

    const due = await waitFor(
      async () => {
        const rows: Array<{ status: string; due: string | null }> = await db.dataSource.query(
          "SELECT status, CAST(UNIX_TIMESTAMP(scheduled_for) * 1000 AS UNSIGNED) AS due FROM crawling_queues WHERE job_id = ? AND status = 'WAITING' AND attempt_count = 1",
          [jobId],
        );
        return rows[0] ? Number(rows[0].due) : undefined;
      },
      { what: 'the retry to be scheduled', intervalMs: 20 },
    );
    await waitFor(async () => (await ledgerCounts(jobId)).COMPLETED === 1, { what: 'the retried task' });

    const [tasks] = await db.dataSource.query<Array<{ retry_count: number }>>(
      'SELECT retry_count FROM crawling_tasks WHERE job_id = ?',
      [jobId],
    );
    const [entry] = await db.dataSource.query<Array<{ attempt_count: number }>>(
      'SELECT attempt_count FROM crawling_queues WHERE job_id = ?',
      [jobId],
    );
    const lateness = deliveries[1] - due;
    console.log(`retry due at +2000 ms delivered ${lateness} ms after due`);
    expect(deliveries).toHaveLength(2);
    expect(deliveries[1] - deliveries[0]).toBeGreaterThanOrEqual(2000);
    expect(lateness).toBeGreaterThanOrEqual(-5); // clock granularity between MariaDB and Node
    expect(lateness).toBeLessThanOrEqual(1000);
    expect(tasks.retry_count).toBe(1);
    expect(entry.attempt_count).toBe(2);
  });

  it('starts a high task within the in-flight window while 2,000 low tasks wait', async () => {
    const lowJob = await insertJob(db.dataSource, workflowId, { priority: 1 });
    const highJob = await insertJob(db.dataSource, workflowId, { priority: 9 });
    const side = await orchestrator();
    const concurrency = 4;
    const starts: string[] = [];
    let highSubmittedAt = -1;
    await worker(
      'fetch',
      async (task) => {
        starts.push(task.job_id);
        await new Promise((resolve) => setTimeout(resolve, 10));
        return {};
      },
      { concurrency, prefetch: 100 },
    );
    await side.enqueue(taskBatch(lowJob, 2000, { priority: 1 }));
    await waitFor(() => starts.length >= 50, { what: 'low tasks to be running' });
    highSubmittedAt = starts.length;
    await side.enqueue(taskBatch(highJob, 1, { priority: 9 }));
    await waitFor(() => starts.includes(highJob), { what: 'the high task to start' });
    const lowBetween = starts.indexOf(highJob) - highSubmittedAt;
    console.log(
      `low tasks started between the high task's submission and its start: ${lowBetween} (concurrency ${concurrency})`,
    );
    expect(lowBetween).toBeLessThanOrEqual(concurrency * 3);
    const lowDone = starts.filter((job) => job === lowJob).length;
    expect(lowDone).toBeLessThan(2000);
  });

  it('publishes entries committed while no relay ran, once a relay starts', async () => {
    const jobId = await insertJob(db.dataSource, workflowId);
    const side = await orchestrator({ relay: false });
    await side.enqueue(taskBatch(jobId, 300));
    const raw = await rawChannel();
    try {
      const { messageCount } = await raw.channel.checkQueue(taskQueueName('fetch', 'normal'));
      expect(messageCount).toBe(0);
    } finally {
      await raw.close();
    }
    expect(await ledgerCounts(jobId)).toEqual({ WAITING: 300 });
    await worker('fetch', async () => ({}));
    side.relay.start();
    await waitFor(async () => (await ledgerCounts(jobId)).COMPLETED === 300, {
      what: '300 entries published and done',
    });
  });

  it('dispatches again an entry whose message was lost, once its lease ends', async () => {
    const jobId = await insertJob(db.dataSource, workflowId);
    const side = await orchestrator({ leaseMs: 1500 });
    await side.enqueue(taskBatch(jobId, 20));
    await waitFor(async () => (await ledgerCounts(jobId)).PROCESSING === 20, { what: 'entries in flight' });
    const raw = await rawChannel();
    try {
      await raw.channel.purgeQueue(taskQueueName('fetch', 'normal')); // the broker "lost" them
    } finally {
      await raw.close();
    }
    await worker('fetch', async () => ({}));
    await waitFor(
      async () => {
        await side.sweeper.sweep();
        return (await ledgerCounts(jobId)).COMPLETED === 20;
      },
      { timeoutMs: 20_000, intervalMs: 300, what: 'lost entries recovered' },
    );
    const rows: Array<{ attempts: string }> = await db.dataSource.query(
      'SELECT MIN(attempt_count) AS attempts FROM crawling_queues WHERE job_id = ?',
      [jobId],
    );
    expect(Number(rows[0].attempts)).toBe(2);
  });

  it('shares the ledger between two relays without dispatching an entry twice', async () => {
    const jobId = await insertJob(db.dataSource, workflowId);
    const first = await orchestrator({ batchSize: 50 });
    await orchestrator({ batchSize: 50 });
    await worker('fetch', async () => ({}), { concurrency: 50, prefetch: 100 });
    await first.enqueue(taskBatch(jobId, 2000));
    await waitFor(async () => (await ledgerCounts(jobId)).COMPLETED === 2000, {
      timeoutMs: 60_000,
      what: '2,000 done',
    });
    const rows: Array<{ n: string }> = await db.dataSource.query(
      'SELECT COUNT(*) AS n FROM crawling_queues WHERE job_id = ? AND attempt_count <> 1',
      [jobId],
    );
    expect(Number(rows[0].n)).toBe(0);
  });
});
