/**
 * `npm run cluster:local`: the Kubernetes manifests run as local processes. Reads the rendered
 * Deployments and the migrator Job of a kustomization (k8s/base unless CLUSTER_KUSTOMIZATION names
 * another), runs the Job, then per Deployment its init containers and its container, each with
 * exactly the environment the pod would get: the image's ENV, then the ConfigMap, the Secret (here
 * from tools/deploy/test-secrets.env) and `env`, in Kubernetes' order. What a laptop cannot mimic:
 * every pod has its own network namespace, so each app's container port is remapped to a free local
 * port (PORT and the probes follow), and `tini` (PID 1 in the image) is left out.
 * Ctrl-C sends SIGTERM to every app and waits up to its terminationGracePeriodSeconds.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  effectiveArgv,
  readDockerfile,
  readEnvFile,
  render,
  ROOT,
  workloadContainers,
  WorkloadContainer,
} from './deploy-model';
import { K8sObject, podSpecOf } from './k8s-objects';

export const TEST_SECRETS_FILE = join(ROOT, 'tools/deploy/test-secrets.env');
const SECRET_NAME = 'crawlflow-secrets';

export interface LocalClusterOptions {
  kustomization?: string;
  /** The values of the Secret `crawlflow-secrets`. */
  secrets: Map<string, string>;
  /** Every output line of every process. */
  onLine?: (process: string, line: string) => void;
}

export interface AppExit {
  app: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  elapsedMs: number;
  graceMs: number;
}

interface Running {
  app: string;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: string[];
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (typeof address !== 'object' || address === null) throw new Error('no port assigned');
  return address.port;
}

/** `tini -- node <script> …` → [script, …]: the command a local node runs. */
function nodeArgs(argv: string[], where: string): string[] {
  const afterTini = argv[0]?.endsWith('tini') ? argv.slice(argv.indexOf('--') + 1) : argv;
  if (afterTini[0] !== 'node') throw new Error(`${where}: runs ${argv.join(' ')}, not a node script`);
  return afterTini.slice(1);
}

export class LocalCluster {
  readonly objects: K8sObject[];
  private readonly containers: WorkloadContainer[];
  private readonly ports = new Map<string, number>();
  private readonly running = new Map<string, Running>();
  private readonly image = readDockerfile();

  constructor(private readonly options: LocalClusterOptions) {
    this.objects = render(options.kustomization ?? 'k8s/base');
    this.containers = workloadContainers(this.objects, { [SECRET_NAME]: options.secrets });
  }

  /** The Deployments' names (= app names), in the rendered order (kubectl sorts by kind and name). */
  get apps(): string[] {
    return this.objects.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name);
  }

  deployment(app: string): K8sObject {
    const found = this.objects.find((o) => o.kind === 'Deployment' && o.metadata.name === app);
    if (!found) throw new Error(`no Deployment ${app}`);
    return found;
  }

  gracePeriodMs(app: string): number {
    return Number(podSpecOf(this.deployment(app))?.terminationGracePeriodSeconds ?? 30) * 1000;
  }

  /** The local port standing in for the app container's port `http`. */
  port(app: string): number {
    const port = this.ports.get(app);
    if (port === undefined) throw new Error(`${app} has not been started`);
    return port;
  }

  url(app: string, path = ''): string {
    return `http://127.0.0.1:${this.port(app)}${path}`;
  }

  /** Output of one process so far, for failure messages. */
  output(name: string): string {
    return this.running.get(name)?.output.join('\n') ?? '';
  }

  private envOf(container: WorkloadContainer, port?: number): Record<string, string> {
    const env: Record<string, string> = Object.fromEntries(this.image.env);
    for (const [name, value] of container.env) {
      if (value === undefined)
        throw new Error(`${container.name}: ${name} has no value (valueFrom is not supported)`);
      env[name] = value;
    }
    if (port !== undefined) env.PORT = String(port);
    return env;
  }

  private spawn(name: string, container: WorkloadContainer, port?: number): Running {
    const args = nodeArgs(effectiveArgv(container, this.image), `${name}`);
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: this.envOf(container, port),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        output.push(line);
        this.options.onLine?.(name, line);
      });
    }
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('close', (code, signal) => resolve({ code, signal }));
      child.once('error', () => resolve({ code: 127, signal: null }));
    });
    const running = { app: name, child, exited, output };
    this.running.set(name, running);
    return running;
  }

  private async runToCompletion(
    name: string,
    container: WorkloadContainer,
    timeoutMs: number,
  ): Promise<void> {
    const proc = this.spawn(name, container);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        proc.child.kill('SIGKILL');
        reject(new Error(`${name} did not finish within ${timeoutMs} ms:\n${proc.output.join('\n')}`));
      }, timeoutMs);
    });
    try {
      const exit = await Promise.race([proc.exited, late]);
      if (exit.code !== 0)
        throw new Error(`${name} exited ${exit.code ?? exit.signal}:\n${proc.output.join('\n')}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs every Job (the migrator) to completion, as `kubectl wait --for=condition=complete` would. */
  async runJobs(timeoutMs = 120_000): Promise<string[]> {
    const jobs = this.containers.filter((c) => c.workload.kind === 'Job');
    for (const job of jobs) await this.runToCompletion(`job/${job.workload.metadata.name}`, job, timeoutMs);
    return jobs.map((job) => job.workload.metadata.name);
  }

  /** Starts Deployments (all by default): init containers to completion, then the app, then readiness. */
  async start(apps: string[] = this.apps, readyTimeoutMs = 60_000): Promise<void> {
    for (const app of apps) {
      const deployment = this.deployment(app);
      const containers = this.containers.filter((c) => c.workload === deployment);
      for (const init of containers.filter((c) => c.init)) {
        await this.runToCompletion(`${app}/${init.name}`, init, readyTimeoutMs);
      }
      const main = containers.filter((c) => !c.init);
      if (main.length !== 1) throw new Error(`${app}: expected one container, found ${main.length}`);
      const port = await freePort();
      this.ports.set(app, port);
      this.spawn(app, main[0], port);
    }
    await Promise.all(apps.map((app) => this.waitReady(app, readyTimeoutMs)));
  }

  /** Polls the container's readiness probe (path on the remapped port) until it answers 2xx. */
  async waitReady(app: string, timeoutMs: number): Promise<void> {
    const container = this.containers.find((c) => c.workload === this.deployment(app) && !c.init);
    const probe = container?.probes.find((p) => p.kind === 'readinessProbe');
    if (!probe) throw new Error(`${app}: no readinessProbe`);
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      const proc = this.running.get(app);
      if (proc && (proc.child.exitCode !== null || proc.child.signalCode !== null)) {
        throw new Error(`${app} exited before it was ready:\n${proc.output.join('\n')}`);
      }
      try {
        const answer = await fetch(this.url(app, probe.path), { signal: AbortSignal.timeout(2000) });
        if (answer.ok) return;
        last = `${answer.status} ${await answer.text()}`;
      } catch (error) {
        last = (error as Error).message;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`${app} not ready within ${timeoutMs} ms (${probe.path}: ${last}):\n${this.output(app)}`);
  }

  /** SIGTERM to every running app at once, as a rollout or drain does; SIGKILL after its grace period. */
  async stop(): Promise<AppExit[]> {
    const apps = this.apps.filter((app) => this.running.get(app)?.child.exitCode === null);
    return Promise.all(
      apps.map(async (app) => {
        const proc = this.running.get(app) as Running;
        const graceMs = this.gracePeriodMs(app);
        const started = Date.now();
        proc.child.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        const killed = new Promise<{ code: null; signal: NodeJS.Signals }>((resolve) => {
          timer = setTimeout(() => {
            proc.child.kill('SIGKILL');
            resolve({ code: null, signal: 'SIGKILL' });
          }, graceMs);
        });
        const exit = await Promise.race([proc.exited, killed]);
        clearTimeout(timer);
        return { app, ...exit, elapsedMs: Date.now() - started, graceMs };
      }),
    );
  }

  /** SIGKILL whatever still runs (test clean-up). */
  async kill(): Promise<void> {
    const left = [...this.running.values()].filter(
      (p) => p.child.exitCode === null && p.child.signalCode === null,
    );
    for (const proc of left) proc.child.kill('SIGKILL');
    await Promise.all(left.map((proc) => proc.exited));
  }
}

/** The Secret's values for local runs: tools/deploy/test-secrets.env. */
export function testSecrets(overrides: Record<string, string> = {}): Map<string, string> {
  const secrets = new Map(readEnvFile(TEST_SECRETS_FILE).values);
  for (const [name, value] of Object.entries(overrides)) secrets.set(name, value);
  return secrets;
}

async function main(): Promise<void> {
  const say = (line: string) => process.stdout.write(`[cluster:local] ${line}\n`);
  const cluster = new LocalCluster({
    // A tool, not an app: it reads the one variable that picks the overlay.
    kustomization: process.env.CLUSTER_KUSTOMIZATION || 'k8s/base',
    secrets: testSecrets(),
    onLine: (name, line) => process.stdout.write(`[${name}] ${line}\n`),
  });
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    say('stopping: SIGTERM to every app');
    const exits = await cluster.stop();
    for (const exit of exits)
      say(
        `${exit.app} exited ${exit.code ?? exit.signal} after ${exit.elapsedMs} ms (grace ${exit.graceMs} ms)`,
      );
    process.exit(exits.every((exit) => exit.code === 0) ? 0 : 1);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  try {
    say(`migrating: ${(await cluster.runJobs()).join(', ')} done`);
    await cluster.start();
  } catch (error) {
    say((error as Error).message);
    await cluster.kill();
    process.exit(1);
  }
  for (const app of cluster.apps) say(`${app} ready on ${cluster.url(app)}`);
  say('Ctrl-C stops everything');
}

if (require.main === module) void main();
