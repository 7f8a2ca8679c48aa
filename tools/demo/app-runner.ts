import { createWriteStream, WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { APP_NAMES, AppName, DEFAULT_DATA_DIR, STANDALONE } from '@crawlflow/config';
import { AppProcess, isRunning, runBuilt, terminateAll } from '../app-process';

const KILL_AFTER_MS = 15_000;

export interface RunningApp extends AppProcess {
  port?: number;
}

/**
 * Runs the standalone process, or the migrator and the five apps, as child processes like
 * `npm run standalone` and `npm start`, but with every line going to one log file (prefixed with
 * the app's name) so the terminal keeps the progress display.
 */
export class AppRunner {
  private readonly log: WriteStream;
  readonly apps: RunningApp[] = [];

  constructor(
    readonly logFile: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.log = createWriteStream(logFile, { flags: 'a' });
  }

  private start(name: string, script: string, env: NodeJS.ProcessEnv, port?: number): RunningApp {
    const label = `[${name}] `;
    const app: RunningApp = {
      ...runBuilt(name, script, env, (line) => this.log.write(`${label}${line}\n`)),
      port,
    };
    this.apps.push(app);
    return app;
  }

  /** Where the standalone process keeps its data (CRAWLFLOW_DATA_DIR). */
  get dataDir(): string {
    return resolve(this.env.CRAWLFLOW_DATA_DIR ?? DEFAULT_DATA_DIR);
  }

  /** Every role in one process on `port`; it migrates its own database. */
  startStandalone(port: number): RunningApp {
    return this.start(STANDALONE, 'apps/standalone/src/main.js', { ...this.env, PORT: String(port) }, port);
  }

  /** Applies the migrations (the migrator creates the database when it is missing). */
  async migrate(timeoutMs: number): Promise<void> {
    const migrator = this.start('migrator', 'apps/migrator/src/main.js', this.env);
    const { code } = await withTimeout(migrator.done, timeoutMs, 'the migrations');
    if (code !== 0) throw new Error(`migrations failed (exit code ${code}); see ${this.logFile}`);
  }

  /** The apps on `basePort`..`basePort + 4`, in APP_NAMES order (orchestrator first). */
  startApps(basePort: number): Map<AppName, number> {
    const ports = new Map<AppName, number>();
    APP_NAMES.forEach((app, i) => {
      const port = basePort + i;
      ports.set(app, port);
      this.start(app, `apps/${app}/src/main.js`, { ...this.env, PORT: String(port) }, port);
    });
    return ports;
  }

  /** A child that died early: the demo cannot go on, and says which one. */
  deadApp(): RunningApp | undefined {
    return this.apps.find((app) => app.name !== 'migrator' && !isRunning(app.child));
  }

  /** SIGTERM to every child still running, SIGKILL to those that ignore it; resolves once all are gone. */
  async stopAll(): Promise<void> {
    await terminateAll(this.apps, KILL_AFTER_MS);
    await new Promise<void>((resolve) => this.log.end(() => resolve()));
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${Math.round(ms / 1000)} s waiting for ${what}`)),
      ms,
    );
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The first of `count` consecutive free ports, starting the search at `from` (so `npm start`'s 3000.. is left alone). */
export async function freePortRange(count: number, from: number): Promise<number> {
  for (let base = from; base < from + 2000; base += count) {
    let free = true;
    for (let offset = 0; offset < count && free; offset += 1) free = await portFree(base + offset);
    if (free) return base;
  }
  throw new Error(`no ${count} consecutive free ports from ${from}`);
}

export { portFree };
