import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { APP_NAMES } from '@crawlflow/config';
import { SampleShop, startSampleShop } from '@crawlflow/sample-shop';
import {
  createTestDatabase,
  createTestVhost,
  freePort,
  killAllSpawned,
  spawnNode,
  TestDatabase,
  TestVhost,
  waitFor,
} from '@crawlflow/testing';

const ROOT = resolve(__dirname, '../..');
const CRAWLCTL = join(ROOT, 'dist/tools/crawlctl/main.js');
const TOKEN = 'crawlctl-e2e-token';
const PLAIN_LINE =
  /^job \d+ (PENDING|RUNNING|SUCCESS|FAILED|CANCELLED) \| \d+\/\d+ tasks \([\d.]+%\) \| [\d.–]+\/s \| ETA \S+ \| \d+ failed(, \d+ retried)? \| step \S+$/;

let database: TestDatabase;
let vhost: TestVhost;
let shop: SampleShop;
let slowShop: SampleShop;
let apiUrl: string;
let workDir: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a user would (stdout is a pipe, so progress comes as plain lines). */
async function crawlctl(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const proc = spawnNode(CRAWLCTL, {
    name: `crawlctl ${args.slice(0, 2).join(' ')}`,
    args,
    env: { CRAWLFLOW_URL: apiUrl, API_TOKEN: TOKEN, ...env },
  });
  const exit = await proc.exited;
  return { code: exit.code, stdout: proc.stdout.join('\n'), stderr: proc.stderr.join('\n') };
}

async function json<T = Record<string, unknown>>(args: string[]): Promise<T> {
  const run = await crawlctl([...args, '--json']);
  if (run.code !== 0) throw new Error(`crawlctl ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

/** An apply file for the examples, pointed at a shop. */
function applyFile(example: string, name: string, baseUrl: string): string {
  const file = JSON.parse(readFileSync(join(ROOT, 'examples', example), 'utf8')) as Record<string, unknown>;
  const path = join(workDir, `${name}.json`);
  writeFileSync(
    path,
    JSON.stringify({ ...file, workflow_name: name, source: { name: `src-${name}`, base_url: baseUrl } }),
  );
  return path;
}

beforeAll(async () => {
  try {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'pipe', timeout: 240_000 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`npm run build failed:\n${stdout?.toString() ?? ''}${stderr?.toString() ?? ''}`);
  }
  workDir = mkdtempSync(join(tmpdir(), 'crawlctl-e2e-'));
  [database, vhost, shop, slowShop] = await Promise.all([
    createTestDatabase(),
    createTestVhost(),
    startSampleShop({ pages: 3, itemsPerPage: 5, flaky: { 2: 1 } }),
    startSampleShop({
      pages: 2,
      itemsPerPage: 10,
      slow: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [i + 1, 4000])),
    }),
  ]);
  const ports = await Promise.all(APP_NAMES.map(() => freePort()));
  APP_NAMES.forEach((app, i) =>
    spawnNode(join(ROOT, 'dist/apps', app, 'src/main.js'), {
      name: app,
      env: {
        PORT: String(ports[i]),
        DATABASE_URL: database.config.url,
        AMQP_URL: vhost.url,
        API_TOKEN: TOKEN,
        FETCH_ALLOW_HOSTS: '127.0.0.1',
        LOG_LEVEL: 'warn',
      },
    }),
  );
  apiUrl = `http://127.0.0.1:${ports[0]}`;
  for (const port of ports) {
    await waitFor(
      async () =>
        (await fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(2000) })).ok,
      { timeoutMs: 60_000, intervalMs: 200, what: `app on port ${port} ready` },
    );
  }
}, 300_000);

afterAll(async () => {
  await killAllSpawned();
  await Promise.all([shop?.close(), slowShop?.close()]);
  await Promise.all([database?.drop(), vhost?.delete()]);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
}, 60_000);

describe('crawlctl against the running apps', () => {
  it('prints usage, and exits 1 with one stderr line on a usage mistake', async () => {
    const help = await crawlctl(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: crawlctl <command>');
    expect(help.stdout).toContain('exit codes: 0 success; 1 usage or API error; 2');

    const unknown = await crawlctl(['frobnicate']);
    expect([unknown.code, unknown.stderr]).toEqual([
      1,
      'crawlctl: unknown command "frobnicate" (see: crawlctl --help)',
    ]);
    const missing = await crawlctl(['job', 'run']);
    expect([missing.code, missing.stderr]).toEqual([
      1,
      'crawlctl: "job run" needs a workflow name or id (see: crawlctl --help)',
    ]);
    const wrongFlag = await crawlctl(['queues', '--cron', 'x']);
    expect([wrongFlag.code, wrongFlag.stderr]).toEqual([
      1,
      'crawlctl: "queues" does not take --cron (see: crawlctl --help)',
    ]);
  });

  it('answers API errors with exit 1 and `crawlctl: <status> <message> (<path>)`', async () => {
    const notFound = await crawlctl(['job', 'watch', '987654']);
    expect([notFound.code, notFound.stderr]).toEqual([
      1,
      'crawlctl: 404 job 987654 does not exist (GET /api/jobs/987654)',
    ]);

    const badToken = await crawlctl(['workflow', 'list'], { API_TOKEN: 'wrong' });
    expect(badToken.code).toBe(1);
    expect(badToken.stderr).toMatch(
      /^crawlctl: 401 missing or wrong bearer token .* \(GET \/api\/workflows\)$/,
    );
    // --token beats the environment.
    const flagToken = await crawlctl(['workflow', 'list', '--token', TOKEN], { API_TOKEN: 'wrong' });
    expect(flagToken.code).toBe(0);

    const invalid = join(workDir, 'invalid.json');
    writeFileSync(
      invalid,
      JSON.stringify({
        workflow_name: 'invalid',
        workflow_type: 'FULL_SCAN',
        workflow_definition: { steps: [] },
      }),
    );
    const rejected = await crawlctl(['workflow', 'apply', '-f', invalid]);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toMatch(/^crawlctl: 400 .*at least one step.* \(body\.workflow_definition.*\)$/);

    const down = await crawlctl(['stats', '--url', `http://127.0.0.1:${await freePort()}`]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(
      /^crawlctl: no answer: GET http:\/\/127\.0\.0\.1:\d+\/api\/stats\/jobs: ECONNREFUSED/,
    );
  });

  it('applies a workflow file (create, then a new version), lists workflows', async () => {
    const file = applyFile('shop-products.json', 'shop', shop.url);
    const first = await crawlctl(['workflow', 'apply', '-f', file]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^workflow \d+ "shop" created \(version 1\)$/);

    const changed = JSON.parse(readFileSync(file, 'utf8')) as {
      workflow_definition: { steps: Array<{ config: Record<string, unknown> }> };
    };
    changed.workflow_definition.steps[0].config.max_pages = 50;
    writeFileSync(file, JSON.stringify(changed));
    const second = await json(['workflow', 'apply', '-f', file]);
    expect(second).toEqual(
      expect.objectContaining({ workflow_name: 'shop', version: 2, workflow_type: 'INCREMENTAL' }),
    );

    const list = await crawlctl(['workflow', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+TYPE\s+VERSION\s+ACTIVE\s+SOURCE$/);
    expect(list.stdout).toMatch(
      new RegExp(`^${second.id}\\s+shop\\s+INCREMENTAL\\s+2\\s+true\\s+\\d+$`, 'm'),
    );
    const raw = await json<{ data: Array<Record<string, unknown>>; next_cursor: unknown }>([
      'workflow',
      'list',
    ]);
    expect(raw.data.map((w) => w.workflow_name)).toContain('shop');
    expect(raw).toHaveProperty('next_cursor', null);
  });

  it('runs a job with --watch: plain progress lines, the summary, exit 0; items listed', async () => {
    const run = await crawlctl(['job', 'run', 'shop', '--watch', '--interval', '100', '--priority', '7']);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^job \d+ started \(INCREMENTAL\) of workflow "shop"$/);
    const progress = lines.filter((line) => line.includes(' | '));
    expect(progress.length).toBeGreaterThan(0);
    for (const line of progress) expect(line).toMatch(PLAIN_LINE);
    expect(progress[progress.length - 1]).toMatch(/^job \d+ SUCCESS \| (\d+)\/\1 tasks \(100\.0%\)/);
    expect(lines).toContainEqual(
      expect.stringMatching(/^job \d+ SUCCESS in \d+s: \d+\/\d+ tasks, \d+ succeeded, 0 failed, 1 retries$/),
    );
    expect(lines).toContain('stored: 15 inserted, 0 updated, 0 unchanged, 0 skipped');
    const jobId = /^job (\d+)/.exec(lines[0])?.[1] ?? '';

    const items = await crawlctl(['job', 'items', jobId, '--limit', '4']);
    expect(items.code).toBe(0);
    const rows = items.stdout.split('\n');
    expect(rows[0]).toMatch(/^KEY\s+DATA$/);
    expect(rows.slice(1, 5).every((row) => /^SKU-\d{5}\s+\{.*"price":\d/.test(row))).toBe(true);
    expect(rows).toContain('(more: raise --limit or use --json and the API cursor)');
    const raw = await json<{
      data: Array<{ item_key: string; data: Record<string, unknown> }>;
      next_cursor: string | null;
    }>(['job', 'items', jobId, '--limit', '20']);
    expect(raw.data).toHaveLength(15);
    expect(raw.data[0].data).toEqual(
      expect.objectContaining({
        sku: expect.stringMatching(/^SKU-/),
        price: expect.any(Number),
        currency: 'KRW',
      }),
    );
  }, 60_000);

  it('starts a job without --watch, then `job watch` follows it; the second run is unchanged', async () => {
    const job = await json([
      'job',
      'run',
      'shop',
      '--param',
      `base_url=${shop.url}`,
      '--type',
      'INCREMENTAL',
    ]);
    expect(job).toEqual(
      expect.objectContaining({
        id: expect.any(String),
        job_type: 'INCREMENTAL',
        status: expect.any(String),
      }),
    );
    expect(job.params).toEqual({ base_url: shop.url });

    const watch = await crawlctl(['job', 'watch', String(job.id), '--interval', '100']);
    expect(watch.code).toBe(0);
    const lines = watch.stdout.split('\n');
    for (const line of lines.filter((l) => l.includes(' | '))) expect(line).toMatch(PLAIN_LINE);
    // Every page, list and detail, answered 304: nothing parsed or stored again.
    expect(lines).toContain('records: 0');

    const final = await json(['job', 'watch', String(job.id)]);
    expect(final).toEqual(
      expect.objectContaining({
        id: job.id,
        status: 'SUCCESS',
        progress: expect.objectContaining({ percent: 100 }),
      }),
    );

    const listed = await crawlctl(['job', 'list', '--workflow', 'shop', '--status', 'success']);
    expect(listed.stdout).toMatch(new RegExp(`^${job.id}\\s+\\d+\\s+INCREMENTAL\\s+SUCCESS\\s`, 'm'));
  }, 60_000);

  it('cancels a running job; watching it then exits 2', async () => {
    const file = applyFile('shop-products.json', 'slow', slowShop.url);
    expect((await crawlctl(['workflow', 'apply', '-f', file])).code).toBe(0);
    const job = await json(['job', 'run', 'slow', '--type', 'FULL']);
    const cancel = await crawlctl(['job', 'cancel', String(job.id)]);
    expect([cancel.code, cancel.stdout]).toEqual([0, `job ${job.id} CANCELLED`]);
    const watch = await crawlctl(['job', 'watch', String(job.id)]);
    expect(watch.code).toBe(2);
    expect(watch.stdout).toMatch(new RegExp(`^job ${job.id} CANCELLED`, 'm'));
    const again = await crawlctl(['job', 'cancel', String(job.id)]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(new RegExp(`^crawlctl: 409 .* \\(POST /api/jobs/${job.id}/cancel\\)$`));
  }, 30_000);

  it('a job that fails makes run --watch exit 2 and show the error', async () => {
    const file = join(workDir, 'failing.json');
    writeFileSync(
      file,
      JSON.stringify({
        workflow_name: 'failing',
        workflow_type: 'FULL_SCAN',
        source: { name: 'src-failing', base_url: shop.url },
        workflow_definition: {
          steps: [
            {
              name: 'fetch',
              type: 'FETCH',
              error_handling: 'FAIL',
              max_retries: 0,
              config: { url_pattern: '{base_url}/missing' },
            },
            { name: 'parse', type: 'PARSE', config: { selectors: { title: 'title' } } },
          ],
        },
      }),
    );
    expect((await crawlctl(['workflow', 'apply', '-f', file])).code).toBe(0);
    const run = await crawlctl(['job', 'run', 'failing', '--watch', '--interval', '100']);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/^job \d+ FAILED in \d+s: 1\/1 tasks, 0 succeeded, 1 failed/m);
    expect(run.stdout).toMatch(/^errors: .*404/m);
  }, 30_000);

  it('adds, lists and pauses schedules', async () => {
    const add = await crawlctl([
      'schedule',
      'add',
      '--workflow',
      'shop',
      '--cron',
      '0 3 * * *',
      '--timezone',
      'Asia/Seoul',
      '--priority',
      '3',
    ]);
    expect(add.code).toBe(0);
    expect(add.stdout).toMatch(/^schedule \d+ added: "shop" at "0 3 \* \* \*" Asia\/Seoul/);
    const id = /^schedule (\d+)/.exec(add.stdout)?.[1] ?? '';

    const list = await crawlctl(['schedule', 'list']);
    expect(list.stdout).toMatch(
      new RegExp(`^${id}\\s+\\d+\\s+FIXED\\s+0 3 \\* \\* \\*\\s+Asia/Seoul\\s+true\\s+3\\s`, 'm'),
    );
    const pause = await crawlctl(['schedule', 'pause', id]);
    expect([pause.code, pause.stdout]).toEqual([0, `schedule ${id} paused`]);
    const raw = await json<{ data: Array<Record<string, unknown>> }>(['schedule', 'list']);
    expect(raw.data.find((s) => s.id === id)).toEqual(
      expect.objectContaining({ is_active: false, priority: 3 }),
    );

    const bad = await crawlctl(['schedule', 'add', '--workflow', 'shop', '--cron', 'not a cron']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^crawlctl: 400 .*\(body\.cron_expression\)$/);
  });

  it('shows stats and queues, as tables and as JSON', async () => {
    const stats = await crawlctl(['stats']);
    expect(stats.code).toBe(0);
    expect(stats.stdout).toMatch(/^DATE\s+WORKFLOW\s+JOBS\s+SUCCESS\s+AVG SEC\s+ITEMS$/m);
    expect(stats.stdout).toMatch(/^alerts \(failure rate over 20% in the last 60 min\):$/m);
    const rawStats = await json<{
      jobs: { data: unknown[] };
      alerts: { data: Array<{ workflow_name: string }> };
    }>(['stats']);
    expect(rawStats.jobs.data.length).toBeGreaterThan(0);
    expect(rawStats.alerts.data.map((a) => a.workflow_name)).toContain('failing');

    const queues = await crawlctl(['queues']);
    expect(queues.code).toBe(0);
    expect(queues.stdout).toMatch(/^ledger:\nSTAGE\s+TIER\s+STATUS\s+COUNT\s+DUE$/m);
    expect(queues.stdout).toMatch(/^QUEUE\s+MESSAGES\s+CONSUMERS$/m);
    const rawQueues = await json<{ ledger: unknown[]; broker: unknown }>(['queues']);
    expect(Array.isArray(rawQueues.broker)).toBe(true);
  });
});
