/**
 * Renders a Kustomize directory the way `kustomize build` does, for the subset of Kustomize that
 * k8s/ uses: resources (files and directories), components, namespace, images, replicas, patches
 * (JSON 6902 lists and strategic-merge objects, by file or inline, with targets) and
 * configMapGenerator without name hashes. Anything else is refused by name, so a kustomization
 * that grows past this subset fails the tests instead of rendering wrongly.
 * (There is no kustomize on the machines that run the tests: the real binary is a download.)
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
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
const SUPPORTED_KEYS = new Set([
  'apiVersion',
  'kind',
  'resources',
  'components',
  'namespace',
  'images',
  'replicas',
  'patches',
  'configMapGenerator',
]);
/** Kinds that are not namespaced, among those k8s/ uses or might. */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
]);

/** Every YAML document of a file, failing on syntax errors with the file's name. */
export function readYamlDocuments(file: string): YamlDocument[] {
  const documents = parseAllDocuments(readFileSync(file, 'utf8'));
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
  if (!isObject(metadata) || typeof metadata.name !== 'string')
    throw new Error(`${where}: metadata.name missing`);
  return value as K8sObject;
}

function stringList(value: unknown, where: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw new Error(`${where}: expected a list of strings`);
  }
  return value as string[];
}

function readKustomization(dir: string): Json {
  const file = kustomizationFile(dir);
  if (!file) throw new Error(`${dir}: no kustomization.yaml`);
  const [document, ...rest] = readYamlDocuments(file);
  if (!document || rest.length > 0 || !isObject(document.value))
    throw new Error(`${file}: expected one mapping`);
  const unsupported = Object.keys(document.value).filter((key) => !SUPPORTED_KEYS.has(key));
  if (unsupported.length > 0)
    throw new Error(`${file}: kustomize-lite does not support ${unsupported.join(', ')}`);
  return document.value;
}

/** Renders `dir` (a Kustomization) into the objects `kustomize build dir` prints. */
export function renderKustomization(dir: string): K8sObject[] {
  const kustomization = readKustomization(dir);
  if (kustomization.kind === 'Component') throw new Error(`${dir}: a Component cannot be built on its own`);
  return build(dir, kustomization, []);
}

function build(dir: string, kustomization: Json, inherited: K8sObject[]): K8sObject[] {
  let objects = [...inherited];
  for (const entry of stringList(kustomization.resources, `${dir}: resources`)) {
    const path = resolve(dir, entry);
    if (!existsSync(path)) throw new Error(`${dir}: resource ${entry} does not exist`);
    if (statSync(path).isDirectory()) objects.push(...renderKustomization(path));
    else objects.push(...readYamlDocuments(path).map((d) => asK8sObject(d.value, `${path}#${d.index}`)));
  }
  objects.push(...generateConfigMaps(dir, kustomization.configMapGenerator));
  for (const entry of stringList(kustomization.components, `${dir}: components`)) {
    const componentDir = resolve(dir, entry);
    const component = readKustomization(componentDir);
    if (component.kind !== 'Component') throw new Error(`${componentDir}: not a Component`);
    objects = build(componentDir, component, objects);
  }
  objects = applyPatches(dir, kustomization.patches, objects);
  if (typeof kustomization.namespace === 'string')
    objects = objects.map((o) => withNamespace(o, kustomization.namespace as string));
  applyImages(kustomization.images, objects, dir);
  applyReplicas(kustomization.replicas, objects, dir);
  assertUnique(objects, dir);
  return objects;
}

function withNamespace(object: K8sObject, namespace: string): K8sObject {
  if (CLUSTER_SCOPED.has(object.kind)) return object;
  return { ...object, metadata: { ...object.metadata, namespace } };
}

function assertUnique(objects: K8sObject[], dir: string): void {
  const seen = new Set<string>();
  for (const object of objects) {
    const id = `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
    if (seen.has(id)) throw new Error(`${dir}: ${id} is defined twice`);
    seen.add(id);
  }
}

function generateConfigMaps(dir: string, generators: unknown): K8sObject[] {
  if (generators === undefined) return [];
  if (!Array.isArray(generators)) throw new Error(`${dir}: configMapGenerator must be a list`);
  return generators.map((generator: unknown) => {
    if (!isObject(generator) || typeof generator.name !== 'string')
      throw new Error(`${dir}: configMapGenerator needs a name`);
    const options = isObject(generator.options) ? generator.options : {};
    // A hashed name would need kustomize's exact hash to be reproduced: refuse rather than guess.
    if (options.disableNameSuffixHash !== true) {
      throw new Error(`${dir}: configMapGenerator ${generator.name} must set options.disableNameSuffixHash`);
    }
    const data: Record<string, string> = {};
    for (const spec of stringList(generator.files, `${dir}: configMapGenerator.files`)) {
      const [key, path] = spec.includes('=')
        ? (spec.split('=', 2) as [string, string])
        : [basename(spec), spec];
      data[key] = readFileSync(resolve(dir, path), 'utf8');
    }
    for (const literal of stringList(generator.literals, `${dir}: configMapGenerator.literals`)) {
      const at = literal.indexOf('=');
      data[literal.slice(0, at)] = literal.slice(at + 1);
    }
    const labels = isObject(options.labels) ? (options.labels as Record<string, string>) : undefined;
    return {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: generator.name, ...(labels ? { labels } : {}) },
      data,
    };
  });
}

interface Target {
  kind?: string;
  name?: string;
  namespace?: string;
  labelSelector?: string;
}

function matches(object: K8sObject, target: Target): boolean {
  if (target.kind && object.kind !== target.kind) return false;
  if (target.name && object.metadata.name !== target.name) return false;
  if (target.namespace && object.metadata.namespace !== target.namespace) return false;
  if (target.labelSelector) {
    const labels = object.metadata.labels ?? {};
    for (const pair of target.labelSelector.split(',')) {
      const [key, value] = pair.split('=').map((part) => part.trim());
      if (labels[key] !== value) return false;
    }
  }
  return true;
}

function applyPatches(dir: string, patches: unknown, objects: K8sObject[]): K8sObject[] {
  if (patches === undefined) return objects;
  if (!Array.isArray(patches)) throw new Error(`${dir}: patches must be a list`);
  let result = objects;
  for (const [index, entry] of patches.entries()) {
    const where = `${dir}: patches[${index}]`;
    if (!isObject(entry)) throw new Error(`${where}: expected a mapping`);
    const text =
      typeof entry.patch === 'string'
        ? entry.patch
        : typeof entry.path === 'string'
          ? readFileSync(resolve(dir, entry.path), 'utf8')
          : undefined;
    if (text === undefined) throw new Error(`${where}: needs patch or path`);
    const documents = parseAllDocuments(text);
    if (!Array.isArray(documents) || documents.length !== 1)
      throw new Error(`${where}: expected one YAML document`);
    const patch = documents[0].toJSON() as unknown;
    const target = (isObject(entry.target) ? entry.target : undefined) as Target | undefined;
    if (Array.isArray(patch)) {
      if (!target) throw new Error(`${where}: a JSON 6902 patch needs a target`);
      const hits = result.filter((object) => matches(object, target));
      if (hits.length === 0) throw new Error(`${where}: the target matches nothing`);
      result = result.map((object) =>
        matches(object, target) ? applyJson6902(object, patch, where) : object,
      );
    } else if (isObject(patch)) {
      const self = asK8sObject(patch, where);
      const goal: Target = target ?? { kind: self.kind, name: self.metadata.name };
      if (!result.some((object) => matches(object, goal)))
        throw new Error(`${where}: the target matches nothing`);
      result = result.map((object) =>
        matches(object, goal) ? (strategicMerge(object, patch) as K8sObject) : object,
      );
    } else {
      throw new Error(`${where}: a patch is a list of operations or an object`);
    }
  }
  return result;
}

function pointer(path: string, where: string): string[] {
  if (!path.startsWith('/')) throw new Error(`${where}: bad JSON pointer ${path}`);
  return path
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function applyJson6902(object: K8sObject, operations: unknown[], where: string): K8sObject {
  const copy = structuredClone(object);
  for (const operation of operations) {
    if (!isObject(operation) || typeof operation.op !== 'string' || typeof operation.path !== 'string') {
      throw new Error(`${where}: bad operation ${JSON.stringify(operation)}`);
    }
    const parts = pointer(operation.path, where);
    const last = parts.pop() as string;
    let parent: unknown = copy;
    for (const part of parts) {
      parent = Array.isArray(parent) ? parent[Number(part)] : isObject(parent) ? parent[part] : undefined;
      if (parent === undefined)
        throw new Error(
          `${where}: ${operation.path} does not exist in ${object.kind}/${object.metadata.name}`,
        );
    }
    const exists = Array.isArray(parent) ? Number(last) < parent.length : isObject(parent) && last in parent;
    switch (operation.op) {
      case 'add':
        if (Array.isArray(parent))
          parent.splice(last === '-' ? parent.length : Number(last), 0, operation.value);
        else (parent as Json)[last] = operation.value;
        break;
      case 'replace':
      case 'remove':
        if (!exists)
          throw new Error(
            `${where}: ${operation.path} does not exist in ${object.kind}/${object.metadata.name}`,
          );
        if (operation.op === 'replace') {
          if (Array.isArray(parent)) parent[Number(last)] = operation.value;
          else (parent as Json)[last] = operation.value;
        } else if (Array.isArray(parent)) parent.splice(Number(last), 1);
        else delete (parent as Json)[last];
        break;
      default:
        throw new Error(`${where}: kustomize-lite does not support op ${operation.op}`);
    }
  }
  return copy;
}

/** Strategic merge as kustomize applies it to the fields k8s/ patches: lists of named items merge by name. */
export function strategicMerge(base: unknown, patch: unknown): unknown {
  if (isObject(base) && isObject(patch)) {
    const out: Json = { ...base };
    for (const [key, value] of Object.entries(patch)) {
      out[key] = value === null ? undefined : key in base ? strategicMerge(base[key], value) : value;
      if (out[key] === undefined) delete out[key];
    }
    return out;
  }
  const named = (list: unknown[]): list is Json[] =>
    list.every((item) => isObject(item) && typeof item.name === 'string');
  if (Array.isArray(base) && Array.isArray(patch) && named(base) && named(patch)) {
    const out = [...base];
    for (const item of patch) {
      const at = out.findIndex((existing) => existing.name === item.name);
      if (at >= 0) out[at] = strategicMerge(out[at], item) as Json;
      else out.push(item);
    }
    return out;
  }
  return patch;
}

/** The pod template of a workload, where it has one. */
export function podSpecOf(object: K8sObject): Json | undefined {
  const spec = object.spec;
  if (!isObject(spec)) return undefined;
  const template = spec.template;
  if (isObject(template) && isObject(template.spec)) return template.spec;
  return undefined;
}

function containersOf(object: K8sObject): Json[] {
  const pod = podSpecOf(object);
  if (!pod) return [];
  return [pod.initContainers, pod.containers].flatMap((list) =>
    Array.isArray(list) ? (list as Json[]) : [],
  );
}

function applyImages(images: unknown, objects: K8sObject[], dir: string): void {
  if (images === undefined) return;
  if (!Array.isArray(images)) throw new Error(`${dir}: images must be a list`);
  for (const image of images as Json[]) {
    if (typeof image.name !== 'string') throw new Error(`${dir}: images[].name missing`);
    for (const container of objects.flatMap(containersOf)) {
      if (typeof container.image !== 'string') continue;
      const [name, tag] = splitImage(container.image);
      if (name !== image.name) continue;
      const newName = typeof image.newName === 'string' ? image.newName : name;
      const newTag = image.newTag !== undefined ? tagText(image.newTag, dir) : tag;
      container.image = newTag ? `${newName}:${newTag}` : newName;
    }
  }
}

/**
 * YAML reads an unquoted `newTag: 1.2` (or `true`) as a scalar of another type: it is used as
 * `String()` writes it (quote a tag like `1.10`). A map or a null is no tag and is refused by name.
 */
function tagText(value: unknown, dir: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`${dir}: images[].newTag must be a string`);
}

/** `registry:5000/name:tag` → [`registry:5000/name`, `tag`]. */
export function splitImage(image: string): [string, string | undefined] {
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? [image.slice(0, colon), image.slice(colon + 1)] : [image, undefined];
}

function applyReplicas(replicas: unknown, objects: K8sObject[], dir: string): void {
  if (replicas === undefined) return;
  if (!Array.isArray(replicas)) throw new Error(`${dir}: replicas must be a list`);
  for (const entry of replicas as Json[]) {
    const hits = objects.filter(
      (o) => o.metadata.name === entry.name && ['Deployment', 'StatefulSet'].includes(o.kind),
    );
    if (hits.length === 0) throw new Error(`${dir}: replicas: no Deployment named ${String(entry.name)}`);
    for (const hit of hits) (hit.spec as Json).replicas = Number(entry.count);
  }
}

/** `dir` with extra components on top, as an overlay listing them would render it. */
export function renderWithComponents(dir: string, components: string[]): K8sObject[] {
  let objects = renderKustomization(dir);
  for (const componentDir of components) {
    const component = readKustomization(componentDir);
    if (component.kind !== 'Component') throw new Error(`${componentDir}: not a Component`);
    objects = build(componentDir, component, objects);
  }
  return objects;
}
