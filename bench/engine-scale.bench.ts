/**
 * Per-task orchestration cost of a 100,000-task job beside a 100-task job: dispatch (relay: claim,
 * publish with confirms, mark) and result application (ledger, counters, checkpoint, completion
 * check) measured separately, with results synthesised so no worker or site is involved.
 * `node -r @swc-node/register bench/engine-scale.bench.ts [bigTasks]`
 */
import { EXCHANGES, RESULTS_ROUTING_KEY, TASK_MESSAGE_VERSION, type TaskResult } from '@crawlflow/contracts';
import {
  decideResult,
  enqueuePlanned,
  fetchTask,
  JobProgress,
  RuntimeCache,
  loadWorkflowRuntime,
} from '@crawlflow/engine';
import { AmqpClient, ConfirmPublisher, declareTopology } from '@crawlflow/messaging';
import {
  createTestDatabase,
  createTestVhost,
  insertSource,
  insertWorkflowWithDefinition,
  waitFor,
  type TestDatabase,
} from '@crawlflow/testing';
import { OutboxRelay, ResultProcessor } from '@crawlflow/transport';
import { connect } from 'amqplib';

const BIG = Number(process.argv[2] ?? 100_000);

const DEFINITION = {
  steps: [
    { name: 'fetch', type: 'FETCH', config: { url_pattern: '{base_url}/x' } },
    { name: 'parse', type: 'PARSE', config: { selectors: { title: 'h1' } } },
  ],
};

async function measure(
  db: TestDatabase,
  amqpUrl: string,
  tasks: number,
): Promise<{ dispatchUs: number; applyUs: number }> {
  const source = await insertSource(db.dataSource, 'http://127.0.0.1:9');
  const workflowId = await insertWorkflowWithDefinition(db.dataSource, DEFINITION, { sourceId: source });
  const runtime = await loadWorkflowRuntime(db.dataSource.manager, workflowId, 1);
  const state = { task_cap: tasks, in_flight: tasks };
  const inserted: { insertId: number } = await db.dataSource.query(
    `INSERT INTO crawling_jobs (workflow_id, status, priority, started_at, total_items) VALUES (?, 'RUNNING', 5, NOW(3), ?)`,
    [workflowId, tasks],
  );
  const jobId = String(inserted.insertId);
  await db.dataSource.query(
    `INSERT INTO workflow_executions (workflow_id, job_id, current_step, status, context, step_results, started_at)
     VALUES (?, ?, 'fetch', 'RUNNING', ?, '{}', NOW(3))`,
    [
      workflowId,
      jobId,
      JSON.stringify({
        ...state,
        items_processed: 0,
        stored: {},
        hard_failures: 0,
        skipped_failures: 0,
        retries: 0,
        rejected_records: 0,
        errors: [],
      }),
    ],
  );
  for (let first = 0; first < tasks; first += 5000) {
    const count = Math.min(5000, tasks - first);
    const planned = Array.from({ length: count }, (_, i) =>
      fetchTask(runtime, 0, `http://127.0.0.1:9/x/${first + i}`, { step: 0 }, false),
    );
    await db.dataSource.transaction((m) =>
      enqueuePlanned(m, { id: jobId, priority: 5, totalItems: first }, runtime, planned),
    );
  }
  await db.dataSource.query(
    "UPDATE crawling_queues SET scheduled_for = NOW(3) WHERE job_id = ? AND status = 'WAITING'",
    [jobId],
  );

  const client = new AmqpClient({ url: amqpUrl, name: 'bench' });
  const publisher = new ConfirmPublisher(client, declareTopology);
  await publisher.start();
  client.start();
  await client.waitUntilConnected(10_000);
  const relay = new OutboxRelay(db.dataSource, publisher, {
    batchSize: 500,
    intervalMs: 100,
    leaseMs: 600_000,
  });
  let started = performance.now();
  while ((await relay.runOnce()) > 0) {
    // drain
  }
  const dispatchUs = ((performance.now() - started) * 1000) / tasks;

  // Results, as workers would send them (batched), for every entry.
  const entries = await db.dataSource.query<Array<{ id: string; task_id: string }>>(
    'SELECT id, task_id FROM crawling_queues WHERE job_id = ?',
    [jobId],
  );
  const raw = await connect(amqpUrl);
  const channel = await raw.createConfirmChannel();
  await channel.purgeQueue('crawl.fetch.normal');
  const now = new Date().toISOString();
  for (let i = 0; i < entries.length; i += 500) {
    const results: TaskResult[] = entries.slice(i, i + 500).map((e) => ({
      v: TASK_MESSAGE_VERSION,
      queue_id: String(e.id),
      task_id: String(e.task_id),
      job_id: jobId,
      stage: 'fetch',
      attempt: 1,
      outcome: 'SUCCESS',
      started_at: now,
      completed_at: now,
      response_time_ms: 1,
      output: { url: 'http://127.0.0.1:9/x', status: 304, not_modified: true, bytes: 0 },
      ctx: { step: 0 },
    }));
    channel.publish(EXCHANGES.tasks, RESULTS_ROUTING_KEY, Buffer.from(JSON.stringify({ v: 1, results })), {
      persistent: true,
    });
  }
  await channel.waitForConfirms();
  await raw.close();

  const runtimes = new RuntimeCache();
  const progress = new JobProgress(runtimes);
  const processor = new ResultProcessor(client, db.dataSource, publisher, {
    prefetch: 50,
    maxBatch: 10,
    concurrency: 2,
    prepare: (manager, results) =>
      runtimes.load(
        manager,
        results.map((r) => r.job_id),
      ),
    policy: (result, ledger) => decideResult(runtimes.get(result.job_id), result, ledger),
    onApplied: (manager, applied) => progress.apply(manager, applied),
  });
  started = performance.now();
  await processor.start();
  await waitFor(
    async () =>
      (await db.dataSource.query('SELECT status FROM crawling_jobs WHERE id = ?', [jobId]))[0].status ===
      'SUCCESS',
    {
      timeoutMs: 1_800_000,
      intervalMs: 50,
      what: 'the job to finish',
    },
  );
  const applyUs = ((performance.now() - started) * 1000) / tasks;
  await processor.stop(5000);
  await client.close();
  return { dispatchUs, applyUs };
}

async function main(): Promise<void> {
  const [db, vhost] = await Promise.all([createTestDatabase(), createTestVhost()]);
  try {
    const small = await measure(db, vhost.url, 100);
    const big = await measure(db, vhost.url, BIG);
    const row = (label: string, m: { dispatchUs: number; applyUs: number }) =>
      `${label.padEnd(16)} dispatch ${m.dispatchUs.toFixed(0).padStart(6)} µs/task   apply results ${m.applyUs.toFixed(0).padStart(6)} µs/task`;
    console.log(row('100 tasks', small));
    console.log(row(`${BIG.toLocaleString('en')} tasks`, big));
    console.log(
      `ratio big/small: dispatch ${(big.dispatchUs / small.dispatchUs).toFixed(2)}, apply ${(big.applyUs / small.applyUs).toFixed(2)}`,
    );
  } finally {
    await db.drop();
    await vhost.delete();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
