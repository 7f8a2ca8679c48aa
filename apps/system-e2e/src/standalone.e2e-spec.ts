import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startSampleShop, type SampleShop } from '@crawlflow/sample-shop';
import {
  freePortRange,
  killAllSpawned,
  spawnNode,
  startStandalone,
  type SpawnedProcess,
  waitFor,
} from '@crawlflow/testing';

const ROOT = resolve(__dirname, '../../..');
const MAIN = join(ROOT, 'dist/apps/standalone/src/main.js');
const CRAWLCTL = join(ROOT, 'dist/tools/crawlctl/main.js');

jest.setTimeout(600_000);

/** Settings that name no service: the standalone process brings its own database and bus. */
const NO_SERVICES = { DATABASE_URL: undefined, AMQP_URL: undefined };

interface Item {
  data: { name: string; price: string };
}

/** `npm run standalone` as a user runs it, on its own data directory. */
describe('the standalone process: every role in one process on SQLite and the in-process bus', () => {
  let work: string;
  let shop: SampleShop;

  beforeAll(async () => {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
    work = mkdtempSync(join(tmpdir(), 'cf-standalone-'));
    // Slow detail-free list pages: the job is still running when the process is killed.
    shop = await startSampleShop({
      pages: 50,
      itemsPerPage: 20,
      slow: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [i + 1, 120])),
    });
  });

  afterAll(async () => {
    await killAllSpawned();
    await shop?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  function start(
    dataDir: string,
    port: number,
    env: Record<string, string | undefined> = {},
  ): SpawnedProcess {
    return spawnNode(MAIN, {
      name: 'standalone',
      cwd: work,
      env: {
        ...NO_SERVICES,
        CRAWLFLOW_DATA_DIR: dataDir,
        PORT: String(port),
        FETCH_ALLOW_HOSTS: '127.0.0.1',
        LOG_LEVEL: 'warn',
        ...env,
      },
    });
  }

  async function ready(proc: SpawnedProcess, port: number): Promise<void> {
    await waitFor(
      async () => {
        if (!proc.isRunning()) throw new Error(`standalone exited:\n${proc.output()}`);
        return (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.status === 200;
      },
      { timeoutMs: 90_000, intervalMs: 100, what: 'the standalone process ready' },
    );
  }

  /** Its one line on stderr and its exit code, for settings it must refuse. */
  async function refusal(proc: SpawnedProcess): Promise<{ code: number | null; lines: string[] }> {
    const { code } = await proc.exited;
    return { code, lines: proc.stderr.filter((line) => line.trim() !== '') };
  }

  it('runs the seed example verbatim on 50 × 20 through a SIGKILL and a restart', async () => {
    const standalone = await startStandalone({
      CRAWLFLOW_DATA_DIR: join(work, 'seed'),
      FETCH_ALLOW_HOSTS: '127.0.0.1',
    });
    const api = `http://127.0.0.1:${standalone.basePort}`;
    const apply = spawnNode(CRAWLCTL, {
      name: 'crawlctl workflow apply',
      args: ['workflow', 'apply', '-f', join(ROOT, 'examples/seed-example.json'), '--url', api, '--json'],
    });
    expect((await apply.exited).code).toBe(0);
    const workflow = JSON.parse(apply.stdout.join('\n')) as { id: number };
    // The example's source points at port 8080; the job's params point it at this shop.
    const created = await fetch(`${api}/api/workflows/${workflow.id}/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ params: { base_url: shop.url } }),
    });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: number };
    const job = async (): Promise<Record<string, unknown>> =>
      (await (await fetch(`${api}/api/jobs/${id}`)).json()) as Record<string, unknown>;

    await waitFor(async () => Number((await job()).success_count) >= 10, {
      timeoutMs: 120_000,
      intervalMs: 50,
      what: 'the job to be under way',
    });
    await standalone.kill();
    const atKill = await standalone.process.exited;
    expect(atKill.signal).toBe('SIGKILL');
    await standalone.restart();
    const resumed = await job();
    // Killed in the middle: the job was still running when the process died.
    expect(resumed.status).toBe('RUNNING');
    expect(Number(resumed.success_count)).toBeLessThan(100);

    const done = await waitFor(
      async () => {
        const row = await job();
        return ['SUCCESS', 'FAILED', 'CANCELLED'].includes(String(row.status)) ? row : undefined;
      },
      { timeoutMs: 240_000, intervalMs: 250, what: 'the job to finish after the restart' },
    );
    console.log(
      `killed with ${String(resumed.success_count)} of 100 tasks done; finished ${String(done.status)} with ${String(done.success_count)}`,
    );
    expect(done.status).toBe('SUCCESS');
    const items: Item[] = [];
    for (let cursor: string | null = ''; cursor !== null;) {
      const page = (await (
        await fetch(`${api}/api/jobs/${id}/items?limit=500${cursor ? `&cursor=${cursor}` : ''}`)
      ).json()) as { data: Item[]; next_cursor: string | null };
      items.push(...page.data);
      cursor = page.next_cursor;
    }
    const byName = new Map(items.map((item) => [item.data.name, item.data.price]));
    expect(items).toHaveLength(1000);
    expect(byName.size).toBe(1000);
    for (let product = 1; product <= 1000; product += 1) {
      expect(byName.get(`Product ${product}`)).toBe(`₩${((product * 37) % 900) + 99}.50`);
    }
    // The same surface as the orchestrator's: OpenAPI, health and the metrics of every role.
    const openapi = (await (await fetch(`${api}/api/docs-json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining(['/api/workflows', '/api/jobs/{id}/items']),
    );
    expect((await fetch(`${api}/health/live`)).status).toBe(200);
    const metrics = await (await fetch(`${api}/metrics`)).text();
    for (const stage of ['fetch', 'parse'])
      expect(metrics).toMatch(new RegExp(`crawlflow_task_results_total\\{[^}]*stage="${stage}"`));
    expect(standalone.process.isRunning()).toBe(true);
    await standalone.stop();
  });

  it('stops with one line naming the problem for settings it cannot run with', async () => {
    const port = await freePortRange(1);
    const file = join(work, 'a-file');
    writeFileSync(file, 'not a directory');
    const underFile = await refusal(start(join(file, 'data'), port));
    expect(underFile.code).toBe(78);
    expect(underFile.lines).toEqual([
      expect.stringMatching(
        /^standalone: CRAWLFLOW_DATA_DIR: cannot write the data directory .*a-file\/data/,
      ),
    ]);

    const garbage = join(work, 'garbage.db');
    writeFileSync(
      garbage,
      'this is not a database, only text that is long enough to look like a header.'.repeat(20),
    );
    const notADatabase = await refusal(
      start(join(work, 'unused'), port, { DATABASE_URL: `sqlite:${garbage}` }),
    );
    expect(notADatabase.code).toBe(78);
    expect(notADatabase.lines).toEqual([
      expect.stringMatching(/^standalone: DATABASE_URL: .*garbage\.db is not a SQLite database/),
    ]);

    const shared = join(work, 'shared');
    const first = start(shared, port);
    await ready(first, port);
    const otherPort = await freePortRange(1);
    const second = await refusal(start(shared, otherPort));
    expect(second.code).toBe(78);
    expect(second.lines).toEqual([
      expect.stringMatching(/^standalone: CRAWLFLOW_DATA_DIR: .*crawlflow\.db is in use by another process/),
    ]);
    expect(first.isRunning()).toBe(true);
    await first.stop('SIGTERM', 20_000);

    const role = await refusal(
      spawnNode(join(ROOT, 'dist/apps/orchestrator/src/main.js'), {
        name: 'orchestrator',
        env: { AMQP_URL: 'memory:', PORT: String(port) },
      }),
    );
    expect(role.code).toBe(78);
    expect(role.lines).toEqual([
      expect.stringMatching(/^orchestrator: invalid configuration: AMQP_URL: memory: is the in-process bus/),
    ]);
  });
});

/** Whether this machine lets a test give a process a network of its own (root, util-linux). */
function canUnshareNetwork(): boolean {
  return spawnSync('unshare', ['-n', 'true']).status === 0;
}

describe('npm run demo with no database or broker reachable', () => {
  const withoutNetwork = canUnshareNetwork() ? it : it.skip;

  withoutNetwork(
    'exits 0 in a network namespace with only loopback, twice (the second run sees 304s)',
    () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'cf-demo-'));
      try {
        const env: NodeJS.ProcessEnv = { ...process.env, CRAWLFLOW_DATA_DIR: dataDir };
        delete env.DATABASE_URL;
        delete env.AMQP_URL;
        // The build runs outside: the namespace is only for the demo itself.
        execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
        const demo = (): string =>
          execFileSync(
            'unshare',
            ['-n', 'sh', '-c', `ip link set lo up && exec "${process.execPath}" dist/tools/demo/demo.js`],
            { cwd: ROOT, env, encoding: 'utf8', timeout: 300_000 },
          );
        const first = demo();
        expect(first).toContain('demo finished.');
        expect(first).toContain('items:        200 inserted');
        expect(first).toContain('failures:     0');
        const second = demo();
        expect(second).toContain('demo finished.');
        expect(second).toContain('200 unchanged');
        expect(second).toMatch(/not modified: 210 of 210 pages answered 304/);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  );
});
