/**
 * Kubernetes objects as the deployment tests and `npm run cluster:local` read them: YAML files
 * read as they are, and kustomizations rendered by `kubectl kustomize` (Kustomize inside kubectl),
 * exactly what `kubectl apply -k` would send.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

export interface YamlDocument {
  file: string;
  index: number;
  value: unknown;
}

type Json = Record<string, unknown>;

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** Every YAML document of a text, failing on syntax errors with where it came from. */
function yamlDocuments(text: string, file: string): YamlDocument[] {
  const documents = parseAllDocuments(text);
  if (!Array.isArray(documents)) return []; // an empty stream
  return documents
    .map((document, index) => {
      if (document.errors.length > 0) {
        throw new Error(`${file}: document ${index}: ${document.errors.map((e) => e.message).join('; ')}`);
      }
      return { file, index, value: document.toJSON() as unknown };
    })
    .filter((document) => document.value !== null && document.value !== undefined);
}

/** Every YAML document of a file, failing on syntax errors with the file's name. */
export function readYamlDocuments(file: string): YamlDocument[] {
  return yamlDocuments(readFileSync(file, 'utf8'), file);
}

export function kustomizationFile(dir: string): string | undefined {
  return KUSTOMIZATION_FILES.map((name) => join(dir, name)).find((file) => existsSync(file));
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asK8sObject(value: unknown, where: string): K8sObject {
  if (!isObject(value) || typeof value.kind !== 'string' || typeof value.apiVersion !== 'string') {
    throw new Error(`${where}: not a Kubernetes object (apiVersion and kind missing)`);
  }
  const metadata = value.metadata;
  if (!isObject(metadata) || typeof metadata.name !== 'string') {
    throw new Error(`${where}: ${value.kind} without metadata.name`);
  }
  return value as K8sObject;
}

/** `kubectl kustomize <dir> [args]`, failing with kubectl's own message, or naming kubectl when it is missing. */
function kubectlKustomize(dir: string, args: string[] = []): K8sObject[] {
  let output: string;
  try {
    output = execFileSync('kubectl', ['kustomize', dir, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stderr?: string };
    if (failure.code === 'ENOENT') {
      throw new Error(
        'kubectl is not installed: the manifests are rendered with `kubectl kustomize` ' +
          '(kubectl ships Kustomize; install kubectl from the Kubernetes release packages)',
      );
    }
    throw new Error(`kubectl kustomize ${dir}: ${failure.stderr?.trim() || failure.message}`);
  }
  return yamlDocuments(output, `kubectl kustomize ${dir}`).map(({ value, index }) =>
    asK8sObject(value, `kubectl kustomize ${dir}: document ${index}`),
  );
}

/** A kustomization directory rendered the way `kubectl apply -k` renders it. */
export function renderKustomization(dir: string): K8sObject[] {
  return kubectlKustomize(dir);
}

/**
 * A directory rendered with components added, as an overlay that lists them would: a temporary
 * kustomization outside the tree refers to both, by relative paths as Kustomize requires (hence
 * no load restrictions).
 */
export function renderWithComponents(dir: string, components: string[]): K8sObject[] {
  const scratch = mkdtempSync(join(tmpdir(), 'crawlflow-kustomize-'));
  try {
    writeFileSync(
      join(scratch, 'kustomization.yaml'),
      JSON.stringify({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        resources: [relative(scratch, dir)],
        components: components.map((component) => relative(scratch, component)),
      }),
    );
    return kubectlKustomize(scratch, ['--load-restrictor', 'LoadRestrictionsNone']);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The pod template of a workload, where it has one. */
export function podSpecOf(object: K8sObject): Json | undefined {
  const spec = object.spec;
  if (!isObject(spec)) return undefined;
  const template = spec.template;
  if (isObject(template) && isObject(template.spec)) return template.spec;
  return undefined;
}
