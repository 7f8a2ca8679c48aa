/**
 * `npm start`: migrates once, then runs the five apps as separate processes with one merged log
 * stream. Ctrl-C (or SIGTERM) stops them all gracefully; an app that dies on its own stops the rest.
 */
import { APP_NAMES, AppName, ConfigError, DEFAULT_PORTS, processEnv } from '@crawlflow/config';
import { AppProcess, outcome, runBuilt, terminateAll } from './app-process';

const RUNNER = 'start-all';
const KILL_AFTER_MS = 15_000;
const COLOURS = [36, 33, 35, 32, 34, 31, 90];

const names = ['migrator', ...APP_NAMES, RUNNER];
const width = Math.max(...names.map((name) => name.length)) + 2;
const colourful = Boolean(process.stdout.isTTY);
process.stdout.on('error', () => undefined); // a closed pipe (`| head`) must not crash the runner

function prefix(name: string): string {
  const label = `[${name}]`.padEnd(width);
  if (!colourful) return label;
  const colour = COLOURS[names.indexOf(name) % COLOURS.length];
  return `\x1b[${colour}m${label}\x1b[0m`;
}

function say(line: string): void {
  process.stdout.write(`${prefix(RUNNER)} ${line}\n`);
}

function run(name: string, script: string, env: NodeJS.ProcessEnv): AppProcess {
  const label = prefix(name);
  return runBuilt(name, script, env, (line) => process.stdout.write(`${label} ${line}\n`));
}

/** The orchestrator's port (PORT, default 3000); the other apps take the next four, in APP_NAMES order. */
function basePort(env: Readonly<Record<string, string | undefined>>): number {
  const value = env.PORT?.trim();
  const fallback = DEFAULT_PORTS.orchestrator;
  if (!value) return fallback;
  const highest = 65535 - (APP_NAMES.length - 1);
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > highest) {
    throw new ConfigError(
      'PORT',
      `expected a whole number 1..${highest} (the apps use PORT..PORT+${APP_NAMES.length - 1}), got "${value}"`,
    );
  }
  return port;
}

async function main(): Promise<void> {
  const env = processEnv();
  let base: number;
  try {
    base = basePort(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${RUNNER}: invalid configuration: ${error.message}\n`);
    process.exit(78);
  }

  let stopRequested: NodeJS.Signals | undefined;
  let migrator: AppProcess | undefined; // while it runs
  const apps = new Map<AppName, AppProcess>();
  let stopping: Promise<never> | undefined;

  const stopAll = (exitCode: number): Promise<never> => {
    stopping ??= (async () => {
      const exits = await terminateAll([...apps.values()], KILL_AFTER_MS, (name) =>
        say(`${name} did not stop within ${KILL_AFTER_MS / 1000} s; killing it`),
      );
      for (const { name, exit } of exits) {
        if (exit.code !== 0) say(`${name} stopped with ${outcome(exit)}`);
      }
      say(exitCode === 0 ? 'all apps stopped' : 'all apps stopped after a failure');
      process.exit(exitCode);
    })();
    return stopping;
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopRequested) return;
    stopRequested = signal;
    say(`received ${signal}; stopping all apps`);
    if (migrator) migrator.child.kill('SIGTERM');
    else void stopAll(0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  say('running migrations');
  migrator = run('migrator', 'apps/migrator/src/main.js', env);
  const migration = await migrator.done;
  migrator = undefined;
  if (stopRequested) {
    say('stopped during migrations');
    process.exit(0);
  }
  if (migration.code !== 0) {
    say(`migrations failed (${outcome(migration)}); not starting the apps`);
    process.exit(migration.code || 1);
  }

  for (const app of APP_NAMES) {
    const port = base + (DEFAULT_PORTS[app] - DEFAULT_PORTS.orchestrator);
    const proc = run(app, `apps/${app}/src/main.js`, { ...env, PORT: String(port) });
    apps.set(app, proc);
    say(`started ${app} (pid ${proc.child.pid}) on port ${port}`);
    void proc.done.then((result) => {
      if (stopping) return;
      say(`${app} exited unexpectedly (${outcome(result)}); stopping the others`);
      void stopAll(1);
    });
  }
}

void main();
