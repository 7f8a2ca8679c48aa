/**
 * Empty-task round trips per second through the whole transport (enqueue → relay → worker →
 * result → ledger COMPLETED), beside raw RabbitMQ publish + consume with confirms on the same kind
 * of queue, measured in the same run. `npm run bench:transport [-- tasks]`.
 */
import { connect } from 'amqplib';
import {
  createTestDatabase,
  createTestVhost,
  insertJob,
  insertWorkflow,
  startOrchestratorSide,
  startFixture,
  type FixtureProcess,
  taskBatch,
  waitFor,
} from '@crawlflow/testing';

const TASKS = Number(process.argv[2] ?? 20_000);
const WORKERS = 3;

async function rawRate(url: string): Promise<number> {
  const connection = await connect(url);
  const publisher = await connection.createConfirmChannel();
  const consumer = await connection.createChannel();
  const queue = 'bench.raw';
  await publisher.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await consumer.prefetch(500);
  const body = Buffer.from(
    JSON.stringify({
      v: 1,
      queue_id: '1',
      task_id: '1',
      job_id: '1',
      stage: 'fetch',
      attempt: 1,
      payload: {},
    }),
  );
  let consumed = 0;
  const done = new Promise<void>((resolve) => {
    void consumer.consume(queue, (message) => {
      if (!message) return;
      consumer.ack(message);
      consumed += 1;
      if (consumed === TASKS) resolve();
    });
  });
  const started = performance.now();
  for (let sent = 0; sent < TASKS; sent += 500) {
    const batch = Math.min(500, TASKS - sent);
    for (let i = 0; i < batch; i += 1) publisher.sendToQueue(queue, body, { persistent: true });
    await publisher.waitForConfirms();
  }
  await done;
  const seconds = (performance.now() - started) / 1000;
  await connection.close();
  return TASKS / seconds;
}

async function transportRate(): Promise<{ rate: number; cleanup: () => Promise<void> }> {
  const [db, vhost] = await Promise.all([createTestDatabase(), createTestVhost()]);
  const workflowId = await insertWorkflow(db.dataSource);
  const jobId = await insertJob(db.dataSource, workflowId);
  const side = await startOrchestratorSide(db.dataSource, vhost.url);
  // Workers are processes of their own, as deployed (the orchestrator side runs in this one).
  const workers: FixtureProcess[] = [];
  for (let i = 0; i < WORKERS; i += 1) {
    workers.push(
      await startFixture('libs/testing/src/fixtures/transport-worker.fixture.ts', {
        DATABASE_URL: db.config.url,
        AMQP_URL: vhost.url,
        WORKER_PREFETCH: '200',
        WORKER_CONCURRENCY: '100',
      }),
    );
  }
  const started = performance.now();
  for (let first = 1; first <= TASKS; first += 2000) {
    await side.enqueue(taskBatch(jobId, Math.min(2000, TASKS - first + 1), { firstSequence: first }));
  }
  await waitFor(() => side.applied() >= TASKS, {
    timeoutMs: 600_000,
    intervalMs: 20,
    what: 'all results applied',
  });
  const seconds = (performance.now() - started) / 1000;
  const rows: Array<{ n: string }> = await db.dataSource.query(
    "SELECT COUNT(*) AS n FROM crawling_queues WHERE job_id = ? AND status = 'COMPLETED'",
    [jobId],
  );
  if (Number(rows[0].n) !== TASKS) throw new Error(`ledger shows ${rows[0].n} COMPLETED, expected ${TASKS}`);
  return {
    rate: TASKS / seconds,
    cleanup: async () => {
      for (const worker of workers) await worker.stop();
      await side.stop();
      await db.drop();
      await vhost.delete();
    },
  };
}

async function main(): Promise<void> {
  const vhost = await createTestVhost();
  try {
    const raw = await rawRate(vhost.url);
    const transport = await transportRate();
    await transport.cleanup();
    const share = transport.rate / raw;
    console.log(`tasks: ${TASKS}, workers: ${WORKERS} (processes), quorum queues`);
    console.log(`raw RabbitMQ publish+consume with confirms: ${Math.round(raw)} msg/s`);
    console.log(`crawlflow empty-task round trips:           ${Math.round(transport.rate)} tasks/s`);
    console.log(`ratio: ${(share * 100).toFixed(0)}% of raw (target ≥ 33%)`);
  } finally {
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
