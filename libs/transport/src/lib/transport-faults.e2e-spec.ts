import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTestDatabase,
  createTestVhost,
  describeOnRabbitMq,
  FixtureProcess,
  insertJob,
  insertWorkflow,
  OrchestratorSide,
  startBroker,
  startFixture,
  startOrchestratorSide,
  stopBroker,
  taskBatch,
  TestDatabase,
  TestVhost,
  waitFor,
} from '@crawlflow/testing';

jest.setTimeout(240_000);

/** Faults that need real processes or stop the broker for everyone: the e2e tier runs them alone. */
describeOnRabbitMq('task transport under faults', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  let workflowId: string;
  let dir: string;
  const workers: FixtureProcess[] = [];
  let side: OrchestratorSide | undefined;

  beforeAll(async () => {
    [db, vhost] = await Promise.all([createTestDatabase(), createTestVhost()]);
    workflowId = await insertWorkflow(db.dataSource);
    dir = mkdtempSync(join(tmpdir(), 'cf-transport-'));
  });

  afterEach(async () => {
    await side?.stop();
    side = undefined;
    for (const worker of workers.splice(0)) await worker.stop();
  });

  afterAll(async () => {
    await startBroker(); // whatever happened above, leave the broker running
    await db?.drop();
    await vhost?.delete();
    rmSync(dir, { recursive: true, force: true });
  });

  function worker(name: string, delayMs: number): Promise<FixtureProcess> {
    return startFixture('libs/testing/src/fixtures/transport-worker.fixture.ts', {
      DATABASE_URL: db.config.url,
      AMQP_URL: vhost.url,
      EXECUTIONS_FILE: join(dir, `${name}.log`),
      HANDLER_DELAY_MS: String(delayMs),
    });
  }

  async function counts(
    jobId: string,
  ): Promise<{ entries: Record<string, number>; tasks: Record<string, number> }> {
    const entries: Array<{ status: string; n: string }> = await db.dataSource.query(
      'SELECT status, COUNT(*) AS n FROM crawling_queues WHERE job_id = ? GROUP BY status',
      [jobId],
    );
    const tasks: Array<{ status: string; n: string }> = await db.dataSource.query(
      'SELECT status, COUNT(*) AS n FROM crawling_tasks WHERE job_id = ? GROUP BY status',
      [jobId],
    );
    const asRecord = (rows: Array<{ status: string; n: string }>) =>
      Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    return { entries: asRecord(entries), tasks: asRecord(tasks) };
  }

  function executions(name: string): string[] {
    try {
      return readFileSync(join(dir, `${name}.log`), 'utf8')
        .split('\n')
        .filter(Boolean);
    } catch {
      return [];
    }
  }

  it('finishes every task once in effect when a worker is killed with SIGKILL mid-batch', async () => {
    const jobId = await insertJob(db.dataSource, workflowId);
    side = await startOrchestratorSide(db.dataSource, vhost.url);
    workers.push(await worker('a', 3), await worker('b', 3));
    await side.enqueue(taskBatch(jobId, 3000));

    await waitFor(() => executions('a').length >= 300, { timeoutMs: 60_000, what: 'worker a to be busy' });
    await workers[0].kill9();
    await waitFor(async () => (await counts(jobId)).entries.COMPLETED === 3000, {
      timeoutMs: 120_000,
      intervalMs: 250,
      what: '3,000 COMPLETED',
    });

    const { entries, tasks } = await counts(jobId);
    const all = [...executions('a'), ...executions('b')];
    const distinct = new Set(all);
    console.log(
      `kill -9 worker a: ${all.length} executions for ${distinct.size} tasks (${all.length - distinct.size} redone after the kill)`,
    );
    expect(entries).toEqual({ COMPLETED: 3000 });
    expect(tasks).toEqual({ SUCCESS: 3000 });
    expect(distinct.size).toBe(3000);
  });

  it('reconnects publishers and consumers across a RabbitMQ restart and loses nothing', async () => {
    const jobId = await insertJob(db.dataSource, workflowId);
    side = await startOrchestratorSide(db.dataSource, vhost.url);
    workers.push(await worker('c', 5));
    await side.enqueue(taskBatch(jobId, 2000));
    await waitFor(() => executions('c').length >= 200, { timeoutMs: 60_000, what: 'work under way' });

    await stopBroker();
    // Work committed while the broker is down waits in the ledger.
    await side.enqueue(taskBatch(jobId, 500, { firstSequence: 2001 }));
    await startBroker();

    await waitFor(async () => (await counts(jobId)).entries.COMPLETED === 2500, {
      timeoutMs: 180_000,
      intervalMs: 500,
      what: '2,500 COMPLETED after the restart',
    });
    const { entries, tasks } = await counts(jobId);
    const all = executions('c');
    console.log(`broker restart: ${all.length} executions for ${new Set(all).size} tasks`);
    expect(entries).toEqual({ COMPLETED: 2500 });
    expect(tasks).toEqual({ SUCCESS: 2500 });
    expect(new Set(all).size).toBe(2500);
  });
});
