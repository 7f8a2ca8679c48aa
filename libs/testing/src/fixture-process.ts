import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { waitFor } from './wait-for';

const ROOT = resolve(__dirname, '../../..');

export interface FixtureProcess {
  child: ChildProcess;
  output(): string;
  /** SIGKILL: no cleanup, no acks, as a crash. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

/** Runs a TypeScript entry of this repo as its own Node process (swc-compiled on load). */
export async function startFixture(
  entry: string,
  env: Record<string, string>,
  readyLine = 'ready',
): Promise<FixtureProcess> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', resolve(ROOT, entry)], {
    cwd: ROOT,
    env: { ...process.env, ...env, TZ: 'UTC' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`${entry} exited early:\n${output}`);
      return output.includes(readyLine);
    },
    { timeoutMs: 30_000, what: `${entry} to be ready` },
  );
  return {
    child,
    output: () => output,
    kill9: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
