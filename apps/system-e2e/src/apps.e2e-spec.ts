import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { APP_NAMES, AppName } from '@crawlflow/config';
import {
  createTestDatabase,
  freePort,
  freePortRange,
  killAllSpawned,
  processExists,
  spawnNode,
  SpawnedProcess,
  startBroker,
  startTcpProxy,
  stopBroker,
  TcpProxy,
  TestDatabase,
  testAmqpUrl,
  waitFor,
} from '@crawlflow/testing';

const ROOT = resolve(__dirname, '../../..');
const appScript = (app: AppName): string => join(ROOT, 'dist/apps', app, 'src/main.js');

interface HttpAnswer {
  status: number;
  text: string;
  json: () => Record<string, unknown>;
}

async function get(url: string): Promise<HttpAnswer> {
  const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
  const text = await response.text();
  return { status: response.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

/** Resolves with the answer once `accept` likes it; connection errors count as "not yet". */
function waitForAnswer(
  url: string,
  accept: (answer: HttpAnswer) => boolean,
  timeoutMs: number,
): Promise<HttpAnswer> {
  return waitFor(
    async () => {
      const answer = await get(url);
      if (!accept(answer)) throw new Error(`${url} answered ${answer.status} ${answer.text.slice(0, 300)}`);
      return answer;
    },
    { timeoutMs, intervalMs: 100, what: url },
  );
}

function waitUntilReady(port: number, timeoutMs = 30_000): Promise<HttpAnswer> {
  return waitForAnswer(`http://127.0.0.1:${port}/health/ready`, (answer) => answer.status === 200, timeoutMs);
}

function databaseUrl(database: TestDatabase, port = database.config.port): string {
  const url = new URL(database.config.url);
  url.port = String(port);
  return url.toString();
}

interface RunningApp {
  app: AppName;
  port: number;
  proc: SpawnedProcess;
}

let database: TestDatabase;

beforeAll(async () => {
  // The subjects are the built apps, exactly as `npm start` runs them.
  try {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'pipe', timeout: 240_000 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`npm run build failed:\n${stdout?.toString() ?? ''}${stderr?.toString() ?? ''}`);
  }
  // Health needs only `SELECT 1`; the runner test below migrates this database itself.
  database = await createTestDatabase({ migrate: false });
}, 300_000);

afterAll(async () => {
  await killAllSpawned();
  await database?.drop();
}, 60_000);

describe('the five apps as processes', () => {
  const running: RunningApp[] = [];

  beforeAll(async () => {
    for (const app of APP_NAMES) {
      const port = await freePort();
      const proc = spawnNode(appScript(app), {
        name: app,
        env: {
          PORT: String(port),
          DATABASE_URL: databaseUrl(database),
          AMQP_URL: testAmqpUrl(),
          LOG_LEVEL: 'info',
        },
      });
      running.push({ app, port, proc });
    }
  });

  afterAll(async () => {
    await Promise.all(
      running.map(({ proc }) => (proc.isRunning() ? proc.stop('SIGKILL', 5000) : Promise.resolve())),
    );
  });

  it.each(APP_NAMES.map((app) => [app]))(
    '%s is ready, live and scraped, and logs JSON lines',
    async (app) => {
      const entry = running.find((candidate) => candidate.app === app);
      if (!entry) throw new Error(`${app} was not started`);
      const { port, proc } = entry;
      try {
        const ready = await waitUntilReady(port);
        expect(ready.json()).toEqual({
          status: 'ok',
          checks: { database: { status: 'up' }, broker: { status: 'up' } },
        });
        const live = await get(`http://127.0.0.1:${port}/health/live`);
        expect([live.status, live.json()]).toEqual([200, { status: 'ok' }]);
        const metrics = await get(`http://127.0.0.1:${port}/metrics`);
        expect(metrics.status).toBe(200);
        expect(metrics.text).toMatch(new RegExp(`^process_cpu_seconds_total\\{app="${app}"\\} `, 'm'));
      } catch (error) {
        throw new Error(`${(error as Error).message}\n--- ${app} output ---\n${proc.output()}`);
      }

      expect(proc.stderr).toEqual([]);
      const lines = proc.stdout.filter((line) => line.trim() !== '');
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        expect(parsed).toEqual(
          expect.objectContaining({ level: expect.any(String), app, msg: expect.any(String) }),
        );
        expect(new Date(parsed.time as string).toISOString()).toBe(parsed.time);
      }
      expect(lines.filter((line) => line.includes('"msg":"listening on'))).toHaveLength(1);
    },
    45_000,
  );

  it('all answer 503 without dying while the broker is down, and recover when it is back', async () => {
    for (const { port } of running) await waitUntilReady(port);
    let brokerStopped = false;
    try {
      await stopBroker();
      brokerStopped = true;
      for (const { app, port } of running) {
        const answer = await waitForAnswer(
          `http://127.0.0.1:${port}/health/ready`,
          (a) => a.status === 503,
          30_000,
        );
        expect(answer.json()).toEqual({
          status: 'unavailable',
          checks: { database: { status: 'up' }, broker: { status: 'down', error: expect.any(String) } },
        });
        const live = await get(`http://127.0.0.1:${port}/health/live`);
        expect(`${app} ${live.status}`).toBe(`${app} 200`);
      }
      expect(running.filter(({ proc }) => !proc.isRunning()).map(({ app }) => app)).toEqual([]);
    } finally {
      // Always: the broker is shared with every other test.
      await startBroker();
    }
    expect(brokerStopped).toBe(true);
    await Promise.all(running.map(({ port }) => waitUntilReady(port, 30_000)));
  }, 150_000);

  it('each stops on SIGTERM with exit code 0 within 10 s', async () => {
    const exits = await Promise.all(
      running.map(async ({ app, proc }) => [app, await proc.stop('SIGTERM', 10_000)] as const),
    );
    expect(exits).toEqual(APP_NAMES.map((app) => [app, { code: 0, signal: null }]));
    for (const { proc } of running) {
      expect(proc.stdout.some((line) => line.includes('"msg":"stopped"'))).toBe(true);
    }
  }, 30_000);
});

describe('boot failures', () => {
  it('a bad DATABASE_URL ends the process at once with one stderr line naming it', async () => {
    const proc = spawnNode(appScript('orchestrator'), {
      name: 'orchestrator',
      env: { PORT: String(await freePort()), DATABASE_URL: 'postgres://x' },
    });
    await waitFor(() => !proc.isRunning(), { timeoutMs: 5000, what: 'the process to exit' });
    const exit = await proc.exited;
    expect(exit.code).not.toBe(0);
    expect(exit.code).not.toBeNull();
    const errors = proc.stderr.filter((line) => line.trim() !== '');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('DATABASE_URL');
  }, 15_000);

  describe('a dependency that is down at boot', () => {
    let proxy: TcpProxy | undefined;

    afterEach(async () => {
      await proxy?.close();
      proxy = undefined;
    });

    it('database: the app waits answering 503, then becomes ready once the database is reachable', async () => {
      const dbPort = await freePort(); // nothing listens there yet
      const port = await freePort();
      const proc = spawnNode(appScript('store-worker'), {
        name: 'store-worker',
        env: { PORT: String(port), DATABASE_URL: databaseUrl(database, dbPort), AMQP_URL: testAmqpUrl() },
      });
      const waiting = await waitForAnswer(
        `http://127.0.0.1:${port}/health/ready`,
        (a) => a.status === 503,
        15_000,
      );
      expect(waiting.json()).toEqual({
        status: 'unavailable',
        checks: {
          database: { status: 'down', error: expect.stringContaining('ECONNREFUSED') },
          broker: { status: 'down', error: expect.any(String) },
        },
      });
      expect((await get(`http://127.0.0.1:${port}/health/live`)).status).toBe(200);
      await waitFor(() => proc.stdout.some((line) => line.includes('database not reachable')), {
        timeoutMs: 5000,
        what: 'a retry line',
      });
      expect(proc.isRunning()).toBe(true);

      proxy = await startTcpProxy(dbPort, { host: database.config.host, port: database.config.port });
      await waitUntilReady(port, 20_000);
      await expect(proc.stop('SIGTERM', 10_000)).resolves.toEqual({ code: 0, signal: null });
    }, 60_000);

    it('broker: the app starts anyway, answers 503, and becomes ready once the broker is reachable', async () => {
      const brokerPort = await freePort();
      const amqp = new URL(testAmqpUrl());
      const proxiedAmqp = new URL(testAmqpUrl());
      proxiedAmqp.hostname = '127.0.0.1';
      proxiedAmqp.port = String(brokerPort);
      const port = await freePort();
      const proc = spawnNode(appScript('fetch-worker'), {
        name: 'fetch-worker',
        env: { PORT: String(port), DATABASE_URL: databaseUrl(database), AMQP_URL: proxiedAmqp.toString() },
      });
      await waitFor(() => proc.stdout.some((line) => line.includes('"msg":"started"')), {
        timeoutMs: 15_000,
        what: 'the app to start without its broker',
      });
      const waiting = await get(`http://127.0.0.1:${port}/health/ready`);
      expect([waiting.status, waiting.json()]).toEqual([
        503,
        {
          status: 'unavailable',
          checks: { database: { status: 'up' }, broker: { status: 'down', error: expect.any(String) } },
        },
      ]);

      proxy = await startTcpProxy(brokerPort, { host: amqp.hostname, port: Number(amqp.port || 5672) });
      await waitUntilReady(port, 20_000);
      await expect(proc.stop('SIGTERM', 10_000)).resolves.toEqual({ code: 0, signal: null });
    }, 60_000);
  });
});

/** The children the runner announced: `[start-all] started <app> (pid <n>) on port <p>`. */
function announcedPids(runner: SpawnedProcess): Map<string, number> {
  const pids = new Map<string, number>();
  for (const line of runner.stdout) {
    const started = /^\[start-all\]\s+started (\S+) \(pid (\d+)\) on port \d+$/.exec(line);
    if (started) pids.set(started[1], Number(started[2]));
  }
  return pids;
}

function startRunner(base: number): SpawnedProcess {
  return spawnNode(join(ROOT, 'dist/tools/start-all.js'), {
    name: 'start-all',
    env: { PORT: String(base), DATABASE_URL: databaseUrl(database), AMQP_URL: testAmqpUrl() },
  });
}

/** After a failed assertion: neither the runner nor any child it announced may outlive the test. */
async function cleanUpRunner(runner: SpawnedProcess): Promise<void> {
  if (runner.isRunning()) await runner.stop('SIGKILL', 5000).catch(() => undefined);
  for (const pid of announcedPids(runner).values()) if (processExists(pid)) process.kill(pid, 'SIGKILL');
}

describe('npm start (tools/start-all)', () => {
  it('migrates, runs all five on PORT..PORT+4 with one prefixed stream, and stops them all on SIGINT', async () => {
    const base = await freePortRange(APP_NAMES.length);
    const runner = startRunner(base);
    let pids = new Map<string, number>();
    try {
      try {
        await Promise.all(APP_NAMES.map((_app, offset) => waitUntilReady(base + offset, 60_000)));
      } catch (error) {
        throw new Error(`${(error as Error).message}\n--- runner output ---\n${runner.output()}`);
      }
      pids = announcedPids(runner);
      expect([...pids.keys()]).toEqual([...APP_NAMES]);
      for (const [offset, app] of APP_NAMES.entries()) {
        expect(runner.stdout).toContainEqual(
          expect.stringMatching(new RegExp(`started ${app} \\(pid \\d+\\) on port ${base + offset}$`)),
        );
        const prefixed = runner.stdout.filter((line) => line.startsWith(`[${app}]`));
        expect(prefixed.length).toBeGreaterThan(0);
        // Prefixes are padded to one column, then comes the app's own JSON line.
        const columns = new Set(prefixed.map((line) => line.indexOf('{')));
        expect(columns).toEqual(new Set([15]));
        for (const line of prefixed) expect(JSON.parse(line.slice(15)).app).toBe(app);
      }
      expect(runner.stdout.some((line) => line.startsWith('[migrator]'))).toBe(true);

      await expect(runner.stop('SIGINT', 20_000)).resolves.toEqual({ code: 0, signal: null });
      expect([...pids].filter(([, pid]) => processExists(pid))).toEqual([]);
    } finally {
      await cleanUpRunner(runner);
    }
  }, 120_000);

  it('stops the others and exits 1 when one app dies on its own', async () => {
    const base = await freePortRange(APP_NAMES.length);
    const runner = startRunner(base);
    let pids = new Map<string, number>();
    try {
      await Promise.all(APP_NAMES.map((_app, offset) => waitUntilReady(base + offset, 60_000)));
      pids = announcedPids(runner);
      const victim = pids.get('parse-worker');
      if (victim === undefined) throw new Error(`no parse-worker pid announced:\n${runner.output()}`);
      process.kill(victim, 'SIGKILL');

      await waitFor(() => !runner.isRunning(), { timeoutMs: 20_000, what: 'the runner to exit' });
      await expect(runner.exited).resolves.toEqual({ code: 1, signal: null });
      expect(runner.stdout).toContainEqual(
        expect.stringMatching(/parse-worker exited unexpectedly \(signal SIGKILL\)/),
      );
      expect([...pids].filter(([, pid]) => processExists(pid))).toEqual([]);
    } finally {
      await cleanUpRunner(runner);
    }
  }, 120_000);
});
