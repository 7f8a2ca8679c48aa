import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { freePortRange, spawnNode, type SpawnedProcess } from './process';
import { waitFor } from './wait-for';

const ROOT = resolve(__dirname, '../../..');

export const CLUSTER_APPS = [
  'orchestrator',
  'scheduler',
  'fetch-worker',
  'parse-worker',
  'store-worker',
] as const;
export type ClusterApp = (typeof CLUSTER_APPS)[number];

export interface AppCluster {
  /** The orchestrator's port (API, metrics); the others follow in CLUSTER_APPS order. */
  basePort: number;
  process(app: ClusterApp): SpawnedProcess;
  /** SIGKILL, as a crash: no cleanup, no acks. */
  kill(app: ClusterApp): Promise<void>;
  /** Starts the app again on its port and waits until it is ready. */
  restart(app: ClusterApp): Promise<void>;
  /** Every app still running (none crashed on its own). */
  allRunning(): boolean;
  output(): string;
  stop(): Promise<void>;
}

/** Builds once per test process (dist/ is what `npm start` runs). */
let built = false;
export function buildApps(): void {
  if (built) return;
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  built = true;
}

/**
 * The five apps as real processes, each on its own port, as `npm start` runs them (or only `apps`,
 * e.g. an extra worker replica beside a cluster).
 */
export async function startAppCluster(
  env: Record<string, string>,
  apps: readonly ClusterApp[] = CLUSTER_APPS,
): Promise<AppCluster> {
  buildApps();
  const basePort = await freePortRange(CLUSTER_APPS.length);
  const port = (app: ClusterApp): number => basePort + CLUSTER_APPS.indexOf(app);
  const processes = new Map<ClusterApp, SpawnedProcess>();
  const start = (app: ClusterApp): void => {
    processes.set(
      app,
      spawnNode(join(ROOT, 'dist/apps', app, 'src/main.js'), {
        name: app,
        env: { LOG_LEVEL: 'warn', ...env, PORT: String(port(app)) },
      }),
    );
  };
  const ready = (app: ClusterApp): Promise<unknown> =>
    waitFor(
      async () => {
        const child = processes.get(app);
        if (!child?.isRunning()) throw new Error(`${app} exited:\n${child?.output() ?? ''}`);
        return (await fetch(`http://127.0.0.1:${port(app)}/health/ready`)).status === 200;
      },
      { timeoutMs: 60_000, intervalMs: 100, what: `${app} ready` },
    );
  for (const app of apps) start(app);
  await Promise.all(apps.map(ready));
  const get = (app: ClusterApp): SpawnedProcess => {
    const child = processes.get(app);
    if (!child) throw new Error(`${app} was never started`);
    return child;
  };
  return {
    basePort,
    process: get,
    kill: async (app) => {
      const child = get(app);
      child.child.kill('SIGKILL');
      await child.exited;
    },
    restart: async (app) => {
      start(app);
      await ready(app);
    },
    allRunning: () => apps.every((app) => get(app).isRunning()),
    output: () => apps.map((app) => get(app).output()).join('\n'),
    stop: async () => {
      await Promise.all(
        apps.map((app) =>
          get(app)
            .stop('SIGTERM', 15_000)
            .catch(() => undefined),
        ),
      );
    },
  };
}

export interface StandaloneProcess {
  /** Its one port: API, health and metrics. */
  basePort: number;
  process: SpawnedProcess;
  /** SIGKILL, as a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data, and waits until it is ready. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `npm run standalone` as a real process: every role in one, with its data in `env`'s
 * CRAWLFLOW_DATA_DIR (or DATABASE_URL) and, unless `env` names them, no database or broker.
 */
export async function startStandalone(env: Record<string, string | undefined>): Promise<StandaloneProcess> {
  buildApps();
  const basePort = await freePortRange(1);
  let current: SpawnedProcess | undefined;
  const start = async (): Promise<void> => {
    const proc = spawnNode(join(ROOT, 'dist/apps/standalone/src/main.js'), {
      name: 'standalone',
      env: {
        DATABASE_URL: undefined,
        AMQP_URL: undefined,
        LOG_LEVEL: 'warn',
        ...env,
        PORT: String(basePort),
      },
    });
    current = proc;
    await waitFor(
      async () => {
        if (!proc.isRunning()) throw new Error(`standalone exited:\n${proc.output()}`);
        const answer = await fetch(`http://127.0.0.1:${basePort}/health/ready`).catch(() => undefined);
        return answer?.status === 200;
      },
      { timeoutMs: 90_000, intervalMs: 100, what: 'the standalone process ready' },
    );
  };
  await start();
  const get = (): SpawnedProcess => {
    if (!current) throw new Error('the standalone process was never started');
    return current;
  };
  return {
    basePort,
    get process() {
      return get();
    },
    kill: async () => {
      get().child.kill('SIGKILL');
      await get().exited;
    },
    restart: start,
    stop: async () => {
      await get()
        .stop('SIGTERM', 20_000)
        .catch(() => undefined);
    },
  };
}
