/**
 * Empty-task round trips per second through the whole transport (enqueue → relay → worker →
 * result → ledger COMPLETED), beside raw RabbitMQ publish + consume with confirms on the same kind
 * of queue, measured in the same run: several rounds, raw and transport alternating, medians
 * compared (one round on a shared 2-core machine swings by a third either way).
 * `node -r @swc-node/register bench/transport-roundtrip.bench.ts [tasks] [workers] [rounds]`
 * (defaults 50,000 tasks, 2 worker processes, one per core here, and 3 rounds).
 */
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
import { connect } from 'amqplib';
import { brokerPid, cpuMeter, databasePid, machineMeter, median } from './support/cpu-meter';

const TASKS = Number(process.argv[2] ?? 50_000);
const WORKERS = Number(process.argv[3] ?? 2);
const ROUNDS = Number(process.argv[4] ?? 3);

interface Measured {
  rate: number;
  /** CPU seconds by part during the run. */
  cpu: Record<string, number>;
  /** Share of the machine's CPU time that was busy during the run. */
  busy: number;
}

async function rawRate(url: string): Promise<Measured> {
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
  const meter = cpuMeter({
    broker: () => [brokerPid()],
    client: () => [process.pid],
  });
  const machine = machineMeter();
  const started = performance.now();
  for (let sent = 0; sent < TASKS; sent += 500) {
    const batch = Math.min(500, TASKS - sent);
    for (let i = 0; i < batch; i += 1) publisher.sendToQueue(queue, body, { persistent: true });
    await publisher.waitForConfirms();
  }
  await done;
  const seconds = (performance.now() - started) / 1000;
  const cpu = meter();
  const busy = machine();
  await publisher.deleteQueue(queue);
  await connection.close();
  return { rate: TASKS / seconds, cpu, busy };
}

async function transportRate(): Promise<Measured> {
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
        // Empty tasks finish at once: what bounds a worker is the round trips around each task
        // (ledger check, result confirm), so it gets a deep window. Override to compare.
        WORKER_PREFETCH: process.env.WORKER_PREFETCH ?? '1000',
        WORKER_CONCURRENCY: process.env.WORKER_CONCURRENCY ?? '1000',
      }),
    );
  }
  const meter = cpuMeter({
    database: () => [databasePid()],
    broker: () => [brokerPid()],
    orchestrator: () => [process.pid],
    workers: () => workers.map((worker) => worker.process.child.pid),
  });
  const machine = machineMeter();
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
  const cpu = meter();
  const busy = machine();
  const rows: Array<{ n: string }> = await db.dataSource.query(
    "SELECT COUNT(*) AS n FROM crawling_queues WHERE job_id = ? AND status = 'COMPLETED'",
    [jobId],
  );
  for (const worker of workers) await worker.stop();
  await side.stop();
  await db.drop();
  await vhost.delete();
  if (Number(rows[0].n) !== TASKS) throw new Error(`ledger shows ${rows[0].n} COMPLETED, expected ${TASKS}`);
  return { rate: TASKS / seconds, cpu, busy };
}

function perThousand(cpu: Record<string, number>): string {
  return Object.entries(cpu)
    .map(([part, seconds]) => `${part} ${((seconds * 1000 * 1000) / TASKS).toFixed(0)} ms`)
    .join(', ');
}

function describeRun(measured: Measured, unit: string): string {
  return `${String(Math.round(measured.rate)).padStart(6)} ${unit}  (machine ${(measured.busy * 100).toFixed(0)}% busy; CPU per 1,000: ${perThousand(measured.cpu)})`;
}

async function main(): Promise<void> {
  console.log(`tasks: ${TASKS} per run, workers: ${WORKERS} (processes), quorum queues, ${ROUNDS} rounds`);
  const raws: Measured[] = [];
  const transports: Measured[] = [];
  for (let round = 1; round <= ROUNDS; round += 1) {
    const vhost = await createTestVhost();
    try {
      raws.push(await rawRate(vhost.url));
    } finally {
      await vhost.delete();
    }
    transports.push(await transportRate());
    console.log(`round ${round}: raw ${describeRun(raws[round - 1], 'msg/s')}`);
    console.log(`         crawlflow ${describeRun(transports[round - 1], 'tasks/s')}`);
  }
  const raw = median(raws.map((m) => m.rate));
  const transport = median(transports.map((m) => m.rate));
  console.log(`raw RabbitMQ publish+consume with confirms (median): ${Math.round(raw)} msg/s`);
  console.log(`crawlflow empty-task round trips (median):           ${Math.round(transport)} tasks/s`);
  console.log(`ratio: ${((transport / raw) * 100).toFixed(0)}% of raw (target ≥ 33%)`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
