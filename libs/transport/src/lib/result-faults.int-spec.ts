import {
  DEAD_REASON_HEADER,
  deadQueueName,
  EXCHANGES,
  RESULTS_ROUTING_KEY,
  type TaskResult,
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
  taskBatch,
  TestDatabase,
  TestVhost,
  waitFor,
} from '@crawlflow/testing';
import type { ChannelModel } from 'amqplib';

jest.setTimeout(60_000);

/** Results that are stale, repeated or refused by the database: each judged once, none blocks its batch. */
describe('result batches at their edges', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  let workflowId: string;
  let side: OrchestratorSide;
  let broker: ChannelModel;
  const poisoned = new Set<string>();

  beforeAll(async () => {
    [db, vhost] = await Promise.all([createTestDatabase(), createTestVhost()]);
    workflowId = await insertWorkflow(db.dataSource);
    side = await startOrchestratorSide(db.dataSource, vhost.url, {
      relay: false,
      // Stands for the engine meeting a bug or a value no column holds on one result.
      onApplied: async (_manager, applied) => {
        const bad = applied.find((a) => poisoned.has(a.state.taskId) && a.result.outcome === 'SUCCESS');
        if (bad) throw new Error(`cannot plan what follows task ${bad.state.taskId}`);
      },
    });
    broker = await connectTestBroker(vhost.url);
  });

  afterAll(async () => {
    await broker?.close();
    await side?.stop();
    await db?.drop();
    await vhost?.delete();
  });

  /** Enqueues `count` tasks and dispatches them as the relay would (attempt 1, PROCESSING). */
  async function dispatched(
    count: number,
  ): Promise<Array<{ id: string; taskId: string; createdAt: string }>> {
    const jobId = await insertJob(db.dataSource, workflowId);
    await side.enqueue(taskBatch(jobId, count));
    return db.dataSource.transaction(async (manager) => {
      const claimed = (await TaskLedger.claimDue(manager, 1000)).filter((entry) => entry.jobId === jobId);
      await TaskLedger.markDispatched(manager, claimed, 60_000);
      return claimed.map((entry) => ({ id: entry.id, taskId: entry.taskId, createdAt: entry.createdAt }));
    });
  }

  async function redispatch(entryId: string): Promise<void> {
    await db.dataSource.query('UPDATE crawling_queues SET scheduled_for = NOW(3) WHERE id = ?', [entryId]);
    await db.dataSource.transaction(async (manager) => {
      const claimed = (await TaskLedger.claimDue(manager, 1000)).filter((entry) => entry.id === entryId);
      await TaskLedger.markDispatched(manager, claimed, 60_000);
    });
  }

  function result(
    entry: { id: string; taskId: string; createdAt: string },
    jobId: string,
    fields: Partial<TaskResult> = {},
  ): TaskResult {
    const now = new Date().toISOString();
    return {
      v: 1,
      queue_id: entry.id,
      task_id: entry.taskId,
      job_id: jobId,
      stage: 'fetch',
      attempt: 1,
      outcome: 'SUCCESS',
      started_at: now,
      completed_at: now,
      response_time_ms: 1,
      queued_at: entry.createdAt,
      ...fields,
    };
  }

  async function publish(results: TaskResult[]): Promise<void> {
    const channel = await broker.createConfirmChannel();
    channel.publish(EXCHANGES.tasks, RESULTS_ROUTING_KEY, Buffer.from(JSON.stringify({ v: 1, results })), {
      persistent: true,
    });
    await channel.waitForConfirms();
    await channel.close();
  }

  async function jobOf(taskId: string): Promise<string> {
    const [row] = await db.dataSource.query('SELECT job_id FROM crawling_tasks WHERE id = ?', [taskId]);
    return String(row.job_id);
  }

  async function task(
    taskId: string,
  ): Promise<{ status: string; retry_count: number; error_message: string | null }> {
    const [row] = await db.dataSource.query(
      'SELECT status, retry_count, error_message FROM crawling_tasks WHERE id = ?',
      [taskId],
    );
    return row;
  }

  async function entry(id: string): Promise<{ status: string; attempt_count: number }> {
    const [row] = await db.dataSource.query(
      'SELECT status, attempt_count FROM crawling_queues WHERE id = ?',
      [id],
    );
    return row;
  }

  it('applies every result of a batch but the one whose application fails, which fails its task with the reason', async () => {
    const [a, b, c] = await dispatched(3);
    const jobId = await jobOf(a.taskId);
    poisoned.add(b.taskId);
    const before = side.applied();
    await publish([result(a, jobId), result(b, jobId), result(c, jobId)]);
    await waitFor(() => side.applied() >= before + 3, { timeoutMs: 20_000, what: 'the batch applied' });
    expect((await task(a.taskId)).status).toBe('SUCCESS');
    expect((await task(c.taskId)).status).toBe('SUCCESS');
    const refused = await task(b.taskId);
    expect(refused.status).toBe('FAILED');
    expect(refused.error_message).toMatch(/the result could not be applied: cannot plan what follows task/);
    expect((await entry(b.id)).status).toBe('FAILED');
  });

  it('dead-letters a malformed result alone and applies the rest of its message', async () => {
    const [a, b] = await dispatched(2);
    const jobId = await jobOf(a.taskId);
    const before = side.applied();
    // A time TIMESTAMP cannot hold: the schema refuses this one result, not its message.
    await publish([
      result(a, jobId, { started_at: '2040-01-01T00:00:00.000Z', completed_at: '2040-01-01T00:00:01.000Z' }),
      result(b, jobId),
    ]);
    await waitFor(() => side.applied() >= before + 1, { what: 'the sound result applied' });
    expect((await task(b.taskId)).status).toBe('SUCCESS');
    const channel = await broker.createChannel();
    const dead = await waitFor(
      async () => (await channel.get(deadQueueName('results'), { noAck: true })) || undefined,
      {
        what: 'the malformed result dead-lettered',
      },
    );
    await channel.close();
    expect(String(dead.properties.headers?.[DEAD_REASON_HEADER])).toMatch(/\$\.results\[0\]\.started_at/);
    expect(JSON.parse(dead.content.toString()).results).toEqual([
      expect.objectContaining({ queue_id: a.id }),
    ]);
    expect((await entry(a.id)).status).toBe('PROCESSING'); // its lease brings it back
  });

  it('judges a failure once: a redelivered or stale failure neither counts a retry again nor blocks a later success', async () => {
    const [a] = await dispatched(1);
    const jobId = await jobOf(a.taskId);
    const failure = result(a, jobId, {
      outcome: 'FAILED',
      error: { class: 'transient', code: 'HTTP_503', message: 'busy' },
    });
    let applied = side.applied();
    await publish([failure]);
    await waitFor(() => side.applied() > applied, { what: 'the first failure' });
    expect(await task(a.taskId)).toMatchObject({ status: 'RETRYING', retry_count: 1 });

    // The same failure again (a redelivery): the retry it asked for is already scheduled.
    await publish([failure]);
    // Dispatched again: attempt 2 runs; attempt 1's failure arrives once more, late.
    await redispatch(a.id);
    expect(await entry(a.id)).toMatchObject({ status: 'PROCESSING', attempt_count: 2 });
    await publish([failure]);
    applied = side.applied();
    await publish([result(a, jobId, { attempt: 2 })]);
    await waitFor(() => side.applied() > applied, { what: 'the second attempt' });

    expect(await task(a.taskId)).toMatchObject({ status: 'SUCCESS', retry_count: 1 });
    expect(await entry(a.id)).toMatchObject({ status: 'COMPLETED', attempt_count: 2 });
  });
});
