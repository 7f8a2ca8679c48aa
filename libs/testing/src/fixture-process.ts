import { resolve } from 'node:path';
import { spawnNode, type SpawnedProcess } from './process';
import { waitFor } from './wait-for';

const ROOT = resolve(__dirname, '../../..');

export interface FixtureProcess {
  process: SpawnedProcess;
  output(): string;
  /** SIGKILL: no cleanup, no acks, as a crash. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Runs a TypeScript entry of this repo as its own Node process (SWC-compiled on load) and waits for
 * it to print `readyLine`. killAllSpawned() cleans up whatever a test leaves running.
 */
export async function startFixture(
  entry: string,
  env: Record<string, string>,
  readyLine = 'ready',
): Promise<FixtureProcess> {
  const child = spawnNode(resolve(ROOT, entry), {
    name: entry,
    cwd: ROOT,
    nodeArgs: ['-r', '@swc-node/register'],
    env: { ...env, TZ: 'UTC' },
  });
  await waitFor(
    () => {
      if (!child.isRunning()) throw new Error(`${entry} exited early:\n${child.output()}`);
      return child.stdout.includes(readyLine);
    },
    { timeoutMs: 30_000, what: `${entry} to be ready` },
  );
  return {
    process: child,
    output: () => child.output(),
    kill9: async () => {
      if (child.isRunning()) child.child.kill('SIGKILL');
      await child.exited;
    },
    stop: async () => {
      await child.stop('SIGTERM', 10_000).catch(() => undefined);
    },
  };
}
