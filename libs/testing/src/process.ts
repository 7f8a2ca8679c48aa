import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { createInterface } from 'node:readline';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnedProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  /** Lines written so far, without their newlines. */
  stdout: string[];
  stderr: string[];
  /** Settles when the process has exited and its output is read. */
  exited: Promise<ProcessExit>;
  isRunning(): boolean;
  /** Sends `signal`; if the process is still there after `timeoutMs`, kills it and rejects. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ProcessExit>;
  /** Both streams, for assertion messages. */
  output(): string;
}

const spawned = new Set<SpawnedProcess>();

export interface SpawnNodeOptions {
  name?: string;
  args?: string[];
  /** Options for node itself, before the script (e.g. `-r @swc-node/register`). */
  nodeArgs?: string[];
  cwd?: string;
  /** Merged over this process's environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
}

/** Runs `node <script>` with piped output, recorded line by line; killAllSpawned() cleans up. */
export function spawnNode(script: string, options: SpawnNodeOptions = {}): SpawnedProcess {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script, ...(options.args ?? [])], {
    cwd: options.cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${script}`);
  const stdout: string[] = [];
  const stderr: string[] = [];
  // stdio 'pipe' guarantees both streams exist.
  const { stdout: out, stderr: err } = child;
  createInterface({ input: out, crlfDelay: Infinity }).on('line', (line) => stdout.push(line));
  createInterface({ input: err, crlfDelay: Infinity }).on('line', (line) => stderr.push(line));
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  const isRunning = (): boolean => child.exitCode === null && child.signalCode === null;
  const handle: SpawnedProcess = {
    name: options.name ?? script,
    child,
    pid: child.pid,
    stdout,
    stderr,
    exited,
    isRunning,
    output: () =>
      [...stdout.map((line) => `out| ${line}`), ...stderr.map((line) => `err| ${line}`)].join('\n'),
    async stop(signal = 'SIGTERM', timeoutMs = 10_000) {
      if (isRunning()) child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`${handle.name} did not exit within ${timeoutMs} ms of ${signal}`));
        }, timeoutMs);
      });
      try {
        return await Promise.race([exited, late]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
  spawned.add(handle);
  void exited.then(() => spawned.delete(handle));
  return handle;
}

/** For afterAll: SIGKILLs whatever spawnNode started and is still running, and waits for it. */
export async function killAllSpawned(): Promise<void> {
  const running = [...spawned];
  for (const handle of running) if (handle.isRunning()) handle.child.kill('SIGKILL');
  await Promise.all(running.map((handle) => handle.exited));
}

/** Whether a process with this id exists (any owner); zombies count until reaped. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A TCP port that was free a moment ago (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = await listen(0);
  const address = server.address();
  await close(server);
  if (typeof address !== 'object' || address === null) throw new Error('no port assigned');
  return address.port;
}

/**
 * Where to listen with a port that must stay ours across a restart: below the range the OS hands
 * out to outgoing connections (Linux: ip_local_port_range), so that a client's connection cannot
 * take the port of an app killed a moment ago.
 */
function listeningPorts(): { from: number; to: number } {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (Number.isInteger(low) && low > 12_000) return { from: 10_000, to: low };
  } catch {
    // not Linux: the usual split
  }
  return { from: 10_000, to: 32_768 };
}

/**
 * The first of `count` consecutive ports that were all free a moment ago, outside the ports the OS
 * picks for outgoing connections.
 */
export async function freePortRange(count: number): Promise<number> {
  const { from, to } = listeningPorts();
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const base = from + Math.floor(Math.random() * (to - from - count));
    const servers: Server[] = [];
    try {
      for (let offset = 0; offset < count; offset += 1) servers.push(await listen(base + offset));
      return base;
    } catch {
      // one of them is taken: try another range
    } finally {
      await Promise.all(servers.map(close));
    }
  }
  throw new Error(`no ${count} consecutive free ports found`);
}
