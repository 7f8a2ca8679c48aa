import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

/** dist/ — this file runs as dist/tools/app-process.js. */
export const DIST = join(__dirname, '..');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface AppProcess {
  name: string;
  child: ChildProcess;
  /** Settles once the process has exited and its output has been read to the end. */
  done: Promise<Exit>;
}

export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

export function outcome({ code, signal }: Exit): string {
  return signal ? `signal ${signal}` : `exit code ${code}`;
}

function eachLine(stream: Readable | null, onLine: (line: string) => void): void {
  let rest = '';
  stream?.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString('utf8')).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
  stream?.on('end', () => {
    if (rest) onLine(rest);
  });
}

/** Runs `node dist/<script>` with its stdout and stderr handed over line by line. */
export function runBuilt(
  name: string,
  script: string,
  env: NodeJS.ProcessEnv,
  onLine: (line: string) => void,
): AppProcess {
  const child = spawn(process.execPath, [join(DIST, script)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  eachLine(child.stdout, onLine);
  eachLine(child.stderr, onLine);
  const done = new Promise<Exit>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => {
      onLine(`cannot run ${name}: ${error.message}`);
      resolve({ code: 1, signal: null });
    });
  });
  return { name, child, done };
}

/**
 * SIGTERM to every process still running, SIGKILL to any that has not exited `killAfterMs` later;
 * resolves with each one's exit once all are gone.
 */
export async function terminateAll(
  processes: readonly AppProcess[],
  killAfterMs: number,
  onKill: (name: string) => void = () => undefined,
): Promise<Array<{ name: string; exit: Exit }>> {
  const running = processes.filter((proc) => isRunning(proc.child));
  for (const { child } of running) child.kill('SIGTERM');
  const killer = setTimeout(() => {
    for (const { name, child } of running) {
      if (isRunning(child)) {
        onKill(name);
        child.kill('SIGKILL');
      }
    }
  }, killAfterMs);
  const exits = await Promise.all(running.map(async (proc) => ({ name: proc.name, exit: await proc.done })));
  clearTimeout(killer);
  return exits;
}
