import {
  createTestDatabase,
  createTestVhost,
  EngineSide,
  FixtureProcess,
  insertSource,
  insertWorkflowWithDefinition,
  killAllSpawned,
  RoutedServer,
  startEngineSide,
  startFixture,
  startRoutedServer,
  startStepWorkers,
  StepWorkers,
  TestDatabase,
  TestVhost,
  waitFor,
} from '@crawlflow/testing';
import { createJob } from '../jobs/job-factory';

jest.setTimeout(240_000);

const LEASE_MS = 8000;
/**
 * Either way the task fails: redelivered after a death it runs alone until counted out, or its lease
 * runs out (no heartbeat from a wedged worker) until it has been dispatched too often.
 */
const REASON =
  /(its worker died or hung \d+ times running it alone|dispatched \d+ times without a result) .*kills or hangs its worker/;

const DEFINITION = {
  steps: [
    { name: 'fetch_list', type: 'FETCH', config: { url_pattern: '{base_url}/list' } },
    {
      name: 'parse_list',
      type: 'PARSE',
      config: {
        parser: 'html',
        selectors: { items: 'li', detail_url: { selector: 'a', attr: 'href', type: 'url' } },
      },
    },
    { name: 'fetch_detail', type: 'FETCH', config: { url_field: 'detail_url' } },
    { name: 'parse_detail', type: 'PARSE', config: { parser: 'html', selectors: { sku: '.sku' } } },
    { name: 'store', type: 'STORE', config: { key: 'sku' } },
  ],
};

/**
 * A FETCH whose page kills or wedges every worker that takes it: the job ends FAILED with the reason
 * instead of crashing workers for ever, and the other pages are stored.
 */
describe('a poison task', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  let engine: EngineSide;
  let workers: StepWorkers;
  let site: RoutedServer;
  let fetchers: Supervisor | undefined;

  beforeAll(async () => {
    [db, vhost] = await Promise.all([createTestDatabase(), createTestVhost()]);
    site = await startRoutedServer();
    site.routes.set('/list', (_req, res) => {
      const links = ['/item/1', '/poison/2', '/item/3'].map((path) => `<li><a href="${path}">x</a></li>`);
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<ul>${links.join('')}</ul>`);
    });
    for (const path of ['/item/1', '/poison/2', '/item/3']) {
      site.routes.set(path, (_req, res) =>
        res.writeHead(200, { 'content-type': 'text/html' }).end(`<p class="sku">${path}</p>`),
      );
    }
    engine = await startEngineSide(db.dataSource, vhost.url, { leaseMs: LEASE_MS, maxDispatches: 3 });
    workers = await startStepWorkers(db.dataSource, vhost.url, {
      stages: ['parse', 'store'],
      leaseMs: LEASE_MS,
    });
  });

  afterEach(async () => {
    await fetchers?.stop();
    fetchers = undefined;
  });

  afterAll(async () => {
    await killAllSpawned();
    await workers?.stop();
    await engine?.stop();
    await site?.close();
    await db?.drop();
    await vhost?.delete();
  });

  async function runJob(): Promise<{ row: Record<string, unknown>; seconds: number }> {
    const source = await insertSource(db.dataSource, site.base);
    const workflowId = await insertWorkflowWithDefinition(db.dataSource, DEFINITION, { sourceId: source });
    const started = Date.now();
    const { id } = await db.dataSource.transaction((m) => createJob(m, { workflowId }));
    const row = await waitFor(
      async () => {
        const [job] = await db.dataSource.query('SELECT * FROM crawling_jobs WHERE id = ?', [id]);
        return ['SUCCESS', 'FAILED', 'CANCELLED'].includes(job.status) ? job : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 250, what: `job ${id} to end` },
    );
    return { row, seconds: (Date.now() - started) / 1000 };
  }

  async function stored(): Promise<string[]> {
    const rows: Array<{ item_key: string }> = await db.dataSource.query(
      'SELECT item_key FROM crawled_items ORDER BY item_key',
    );
    return rows.map((r) => r.item_key);
  }

  function fixtureEnv(mode: 'kill' | 'hang'): Record<string, string> {
    return {
      DATABASE_URL: db.config.url,
      AMQP_URL: vhost.url,
      FETCH_ALLOW_HOSTS: '127.0.0.1',
      TASK_LEASE_MS: String(LEASE_MS),
      POISON_MODE: mode,
      LOG_LEVEL: 'error',
    };
  }

  it('that kills its worker: the job ends FAILED with the reason, the other pages are stored', async () => {
    // Three replicas, each replaced when it dies, as a deployment would.
    fetchers = await Supervisor.start(3, fixtureEnv('kill'));
    const { row, seconds } = await runJob();
    console.log(
      `killing poison: job ${String(row.status)} in ${seconds.toFixed(1)} s after ${fetchers.deaths} worker deaths`,
    );
    expect(row.status).toBe('FAILED');
    expect(String(row.error_summary)).toMatch(REASON);
    expect(seconds).toBeLessThan((3 * LEASE_MS) / 1000 + 10);
    expect(await stored()).toEqual(['/item/1', '/item/3']);
  });

  it('that hangs its worker: the job ends FAILED with the reason, the other pages are stored', async () => {
    await db.dataSource.query('DELETE FROM crawled_items');
    // Each replica the poison page reaches is wedged: its heartbeats stop, the lease runs out, the
    // entry is dispatched again; the supervisor replaces wedged replicas only after 12 s.
    fetchers = await Supervisor.start(3, fixtureEnv('hang'), 12_000);
    const { row, seconds } = await runJob();
    console.log(`hanging poison: job ${String(row.status)} in ${seconds.toFixed(1)} s`);
    expect(row.status).toBe('FAILED');
    expect(String(row.error_summary)).toMatch(REASON);
    // Three leases, plus the sweeps that notice each (every half lease), plus the wait for a replaced
    // replica once all three are wedged (12 s), plus start-up. A clean run takes about 42 s.
    expect(seconds).toBeLessThan((3 * LEASE_MS + 3 * (LEASE_MS / 2) + 12_000) / 1000 + 10);
    expect(await stored()).toEqual(['/item/1', '/item/3']);
  });
});

/**
 * Keeps `count` fixture fetch workers running, as a deployment would: one that dies is replaced, and
 * one whose liveness signal stops for `livenessMs` (a wedged event loop) is killed and replaced.
 */
class Supervisor {
  deaths = 0;
  private stopped = false;
  private readonly running = new Map<FixtureProcess, { lines: number; seenAt: number }>();
  private readonly probe: NodeJS.Timeout;

  private constructor(
    private readonly env: Record<string, string>,
    private readonly livenessMs: number,
  ) {
    this.probe = setInterval(() => this.check(), 250);
  }

  static async start(count: number, env: Record<string, string>, livenessMs = 8000): Promise<Supervisor> {
    const supervisor = new Supervisor(env, livenessMs);
    await Promise.all(Array.from({ length: count }, () => supervisor.spawn()));
    return supervisor;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.probe);
    await Promise.all([...this.running.keys()].map((fixture) => fixture.kill9()));
  }

  private check(): void {
    const now = Date.now();
    for (const [fixture, seen] of this.running) {
      const lines = fixture.process.stdout.length;
      if (lines !== seen.lines) this.running.set(fixture, { lines, seenAt: now });
      else if (now - seen.seenAt > this.livenessMs) void fixture.kill9();
    }
  }

  private async spawn(): Promise<void> {
    if (this.stopped) return;
    const fixture = await startFixture('libs/testing/src/fixtures/poison-fetch-worker.fixture.ts', this.env);
    this.running.set(fixture, { lines: fixture.process.stdout.length, seenAt: Date.now() });
    void fixture.process.exited.then(() => {
      this.running.delete(fixture);
      if (this.stopped) return;
      this.deaths += 1;
      void this.spawn().catch(() => undefined);
    });
  }
}
