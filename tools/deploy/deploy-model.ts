/**
 * Reads the deployment files (k8s/, docker-compose.yml, .env.example, Dockerfile) and the settings
 * the config library knows, for the deployment tests and the local-cluster runner.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import {
  K8sObject,
  kustomizationFile,
  podSpecOf,
  readYamlDocuments,
  renderKustomization,
} from './k8s-objects';

export const ROOT = resolve(__dirname, '../..');
export const K8S_DIR = join(ROOT, 'k8s');

/** What `kubectl apply -k` is pointed at. Components are rendered through the overlays. */
export const KUSTOMIZATIONS = ['k8s/base', 'k8s/overlays/dev', 'k8s/overlays/prod'] as const;

export const HEALTH_PATHS = ['/health/live', '/health/ready', '/metrics'] as const;

type Json = Record<string, unknown>;

/** Every file under `dir` whose name ends with one of `suffixes`. */
export function filesUnder(dir: string, suffixes: string[]): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path, suffixes);
    return suffixes.some((suffix) => entry.name.endsWith(suffix)) ? [path] : [];
  });
}

export function render(kustomization: string): K8sObject[] {
  return renderKustomization(join(ROOT, kustomization));
}

export function isKustomizationFile(file: string): boolean {
  return kustomizationFile(join(file, '..')) === file;
}

/**
 * The settings the config library reads: every `parser(env, 'NAME'` call in libs/config, where the
 * parsers are the functions of parsers.ts that take `(env, name, …)`. Read from the source so the
 * list grows with the library and nothing has to be exported for the tests.
 */
export function knownSettings(): Set<string> {
  const dir = join(ROOT, 'libs/config/src/lib');
  const parsersSource = readFileSync(join(dir, 'parsers.ts'), 'utf8');
  const parsers = [
    ...parsersSource.matchAll(/export function (\w+)(?:<[^>]*>)?\(\s*env: Env,\s*name: string/g),
  ].map((match) => match[1]);
  if (parsers.length === 0) throw new Error('no setting parsers found in libs/config/src/lib/parsers.ts');
  const call = new RegExp(`\\b(?:${parsers.join('|')})\\(\\s*env,\\s*'([A-Z][A-Z0-9_]*)'`, 'g');
  const names = new Set<string>();
  for (const file of filesUnder(dir, ['.ts']).filter((f) => !/\.(int-|e2e-)?spec\.ts$/.test(f))) {
    for (const match of readFileSync(file, 'utf8').matchAll(call)) names.add(match[1]);
  }
  return names;
}

/**
 * Settings a deployment must set although the apps have defaults: the defaults name 127.0.0.1 and
 * an open API, right for `npm start` on a laptop and wrong everywhere else.
 */
export const REQUIRED_IN_DEPLOYMENT = ['DATABASE_URL', 'AMQP_URL', 'API_TOKEN'] as const;

export interface EnvFile {
  /** NAME=value lines. */
  values: Map<string, string>;
  /** NAME=value lines plus commented-out `# NAME=default` lines. */
  mentioned: Set<string>;
}

/** A Compose-style env file: NAME=value per line, # comments, no interpolation. */
export function readEnvFile(file: string): EnvFile {
  const values = new Map<string, string>();
  const mentioned = new Set<string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const set = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (set) {
      values.set(set[1], set[2].trim());
      mentioned.add(set[1]);
      continue;
    }
    const commented = /^\s*#\s*([A-Z][A-Z0-9_]*)=/.exec(line);
    if (commented) mentioned.add(commented[1]);
  }
  return { values, mentioned };
}

/** docker-compose.yml as Compose reads it (YAML merge keys resolved). */
export function readCompose(): Json {
  return parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as Json;
}

export interface Dockerfile {
  env: Map<string, string>;
  entrypoint: string[];
  cmd: string[];
  user: string | undefined;
  healthcheck: string | undefined;
}

/** The runtime (last) stage of the Dockerfile: ENV, ENTRYPOINT, CMD, USER, HEALTHCHECK. */
export function readDockerfile(): Dockerfile {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n\s*/g, ' ');
  const stages = text.split(/^FROM /m);
  const last = stages[stages.length - 1];
  const env = new Map<string, string>();
  let entrypoint: string[] = [];
  let cmd: string[] = [];
  let user: string | undefined;
  let healthcheck: string | undefined;
  for (const line of last.split('\n')) {
    const [instruction, ...rest] = line.trim().split(/\s+/);
    const args = rest.join(' ');
    if (instruction === 'ENV') for (const pair of args.matchAll(/(\w+)=(\S+)/g)) env.set(pair[1], pair[2]);
    if (instruction === 'ENTRYPOINT') entrypoint = JSON.parse(args) as string[];
    if (instruction === 'CMD') cmd = JSON.parse(args) as string[];
    if (instruction === 'USER') user = args;
    if (instruction === 'HEALTHCHECK') healthcheck = args;
  }
  return { env, entrypoint, cmd, user, healthcheck };
}

export interface WorkloadContainer {
  workload: K8sObject;
  name: string;
  init: boolean;
  /** What the container runs: `command` replaces the image's ENTRYPOINT, `args` its CMD. */
  command: string[] | undefined;
  args: string[] | undefined;
  /** Names the container's environment gets, with values where the manifests hold them. */
  env: Map<string, string | undefined>;
  /** Where each name comes from (`ConfigMap crawlflow-config`, `Secret crawlflow-secrets`, `env`). */
  envSources: Map<string, string>;
  ports: Array<{ name?: string; containerPort: number }>;
  probes: Array<{ kind: string; path: string; port: string | number }>;
  raw: Json;
}

/**
 * The containers of every Deployment and Job with their environment resolved: ConfigMaps from
 * the rendered objects, Secret keys from `secretKeys` (Secrets are not in the kustomization).
 */
export function workloadContainers(
  objects: K8sObject[],
  secrets: Record<string, Map<string, string | undefined>>,
): WorkloadContainer[] {
  const configMaps = new Map(
    objects
      .filter((o) => o.kind === 'ConfigMap')
      .map((o) => [o.metadata.name, new Map(Object.entries((o.data ?? {}) as Record<string, string>))]),
  );
  const result: WorkloadContainer[] = [];
  for (const workload of objects.filter((o) => o.kind === 'Deployment' || o.kind === 'Job')) {
    const pod = podSpecOf(workload) ?? {};
    const lists: Array<[unknown, boolean]> = [
      [pod.initContainers, true],
      [pod.containers, false],
    ];
    for (const [list, init] of lists) {
      for (const container of (Array.isArray(list) ? list : []) as Json[]) {
        const env = new Map<string, string | undefined>();
        const envSources = new Map<string, string>();
        for (const source of (container.envFrom ?? []) as Json[]) {
          const ref = (source.configMapRef ?? source.secretRef) as { name: string } | undefined;
          if (!ref)
            throw new Error(`${workload.metadata.name}/${String(container.name)}: unsupported envFrom`);
          const kind = source.configMapRef ? 'ConfigMap' : 'Secret';
          const values = kind === 'ConfigMap' ? configMaps.get(ref.name) : secrets[ref.name];
          if (!values) throw new Error(`${workload.metadata.name}: ${kind} ${ref.name} is not defined`);
          for (const [key, value] of values) {
            env.set(key, value);
            envSources.set(key, `${kind} ${ref.name}`);
          }
        }
        for (const entry of (container.env ?? []) as Json[]) {
          env.set(String(entry.name), typeof entry.value === 'string' ? entry.value : undefined);
          envSources.set(String(entry.name), 'env');
        }
        const probes = ['startupProbe', 'livenessProbe', 'readinessProbe']
          .filter((kind) => container[kind])
          .map((kind) => {
            const httpGet = (container[kind] as Json).httpGet as { path: string; port: string | number };
            return { kind, path: httpGet?.path, port: httpGet?.port };
          });
        result.push({
          workload,
          name: String(container.name),
          init,
          command: container.command as string[] | undefined,
          args: container.args as string[] | undefined,
          env,
          envSources,
          ports: (container.ports ?? []) as Array<{ name?: string; containerPort: number }>,
          probes,
          raw: container,
        });
      }
    }
  }
  return result;
}

/** The Secret keys of k8s/base/secret.example.yaml, with the example's values. */
export function exampleSecrets(): Record<string, Map<string, string | undefined>> {
  const secrets: Record<string, Map<string, string | undefined>> = {};
  for (const { value } of readYamlDocuments(join(K8S_DIR, 'base/secret.example.yaml'))) {
    const secret = value as { metadata: { name: string }; stringData?: Record<string, string> };
    secrets[secret.metadata.name] = new Map(Object.entries(secret.stringData ?? {}));
  }
  return secrets;
}

/** The effective argv of a container of the crawlflow image (ENTRYPOINT + CMD as Kubernetes combines them). */
export function effectiveArgv(
  container: Pick<WorkloadContainer, 'command' | 'args'>,
  image: Dockerfile,
): string[] {
  const entrypoint = container.command ?? image.entrypoint;
  const args = container.args ?? (container.command ? [] : image.cmd);
  return [...entrypoint, ...args];
}
