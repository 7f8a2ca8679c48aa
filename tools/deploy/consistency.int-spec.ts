/**
 * The deployment files agree with the code: every variable they set is a setting the config
 * library reads, the settings a deployment must set are set, probes hit routes the apps serve on
 * the port they listen on, every command starts a script the build produces, and every metric the
 * alerts, dashboard and autoscalers use is one the code exports.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { APP_NAMES, AppName, DEFAULT_PORTS } from '@crawlflow/config';
import {
  effectiveArgv,
  exampleSecrets,
  filesUnder,
  HEALTH_PATHS,
  K8S_DIR,
  KUSTOMIZATIONS,
  knownSettings,
  readCompose,
  readDockerfile,
  readEnvFile,
  render,
  REQUIRED_IN_DEPLOYMENT,
  ROOT,
  workloadContainers,
} from './deploy-model';
import { K8sObject, readYamlDocuments } from './k8s-objects';
import { TEST_SECRETS_FILE } from './local-cluster';

const settings = knownSettings();
const envExample = readEnvFile(join(ROOT, '.env.example'));
const dockerfile = readDockerfile();
const compose = readCompose() as {
  services: Record<
    string,
    {
      command?: string[];
      environment?: Record<string, string>;
      env_file?: string[];
      image?: string;
      healthcheck?: { test?: string[]; disable?: boolean };
      ports?: string[];
    }
  >;
};
const appServices = Object.entries(compose.services).filter(([, service]) =>
  service.image?.includes('crawlflow'),
);
const rendered = KUSTOMIZATIONS.map((k) => [k, render(k)] as const);

/** Routes the Nest controllers of the libs serve without parameters: `@Controller('a')` + `@Get('b')`. */
function servedRoutes(): Set<string> {
  const routes = new Set<string>();
  for (const file of filesUnder(join(ROOT, 'libs'), ['.controller.ts'])) {
    const source = readFileSync(file, 'utf8');
    const prefix = /@Controller\('([^']*)'\)/.exec(source)?.[1] ?? '';
    for (const match of source.matchAll(/@Get\((?:'([^']*)')?\)/g)) {
      routes.add(`/${[prefix, match[1] ?? ''].filter(Boolean).join('/')}`);
    }
  }
  return routes;
}

/** The script a `node <script>` argv runs, as a path relative to the repository. */
function scriptOf(argv: string[]): string {
  const afterTini = argv[0]?.endsWith('tini') ? argv.slice(argv.indexOf('--') + 1) : argv;
  expect(afterTini[0]).toBe('node');
  return afterTini[1];
}

/** dist/<x>.js ← <x>.ts: the source the build compiles into the script. */
function sourceOf(script: string): string {
  expect(script).toMatch(/^dist\/.+\.js$/);
  return script.replace(/^dist\//, '').replace(/\.js$/, '.ts');
}

describe('settings', () => {
  it('the scan of the config library finds its settings', () => {
    expect([...settings]).toEqual(
      expect.arrayContaining([
        'DATABASE_URL',
        'AMQP_URL',
        'PORT',
        'API_TOKEN',
        'FETCH_ALLOW_HOSTS',
        'TASK_LEASE_MS',
      ]),
    );
  });

  it('.env.example mentions every setting (set, or commented out with its default) and nothing else', () => {
    expect([...settings].filter((name) => !envExample.mentioned.has(name))).toEqual([]);
    expect([...envExample.mentioned].filter((name) => !settings.has(name))).toEqual([]);
    for (const name of REQUIRED_IN_DEPLOYMENT)
      expect([name, envExample.values.get(name)]).toEqual([name, expect.stringMatching(/\S/)]);
  });

  it('compose sets only known settings on the apps, and loads .env.example into each', () => {
    expect(appServices.map(([name]) => name).sort()).toEqual(['migrator', ...APP_NAMES].sort());
    for (const [name, service] of appServices) {
      expect([name, service.env_file]).toEqual([name, ['.env.example']]);
      const unknown = Object.keys(service.environment ?? {}).filter((key) => !settings.has(key));
      expect([name, unknown]).toEqual([name, []]);
    }
  });

  it('the ConfigMap, the Secret example and the local test secrets hold only known settings', () => {
    const configMaps = readYamlDocuments(join(K8S_DIR, 'base/configmap.yaml')).map(
      (d) => d.value as K8sObject,
    );
    const names = [
      ...configMaps.flatMap((c) => Object.keys(c.data ?? {})),
      ...Object.values(exampleSecrets()).flatMap((secret) => [...secret.keys()]),
      ...readEnvFile(TEST_SECRETS_FILE).values.keys(),
    ];
    expect(names.filter((name) => !settings.has(name))).toEqual([]);
    expect([...exampleSecrets()['crawlflow-secrets'].keys()].sort()).toEqual(
      [...REQUIRED_IN_DEPLOYMENT].sort(),
    );
  });

  it.each(rendered.map(([k]) => [k]))(
    '%s: every container gets only known settings and every required one',
    (k) => {
      const objects = rendered.find(([name]) => name === k)?.[1] as K8sObject[];
      const containers = workloadContainers(objects, exampleSecrets());
      expect(containers.length).toBeGreaterThanOrEqual(11); // 5 apps + 5 init containers + the migrator
      for (const container of containers) {
        const where = `${container.workload.kind}/${container.workload.metadata.name}/${container.name}`;
        expect([where, [...container.env.keys()].filter((name) => !settings.has(name))]).toEqual([where, []]);
        for (const name of REQUIRED_IN_DEPLOYMENT) {
          // Secrets belong in the Secret, never in a ConfigMap or a literal env value.
          expect([where, name, container.envSources.get(name)]).toEqual([
            where,
            name,
            'Secret crawlflow-secrets',
          ]);
        }
      }
    },
  );
});

describe('probes and ports', () => {
  const routes = servedRoutes();

  it('the apps serve the health and metrics routes', () => {
    for (const path of HEALTH_PATHS) expect([path, routes.has(path)]).toEqual([path, true]);
  });

  it.each(rendered.map(([k]) => [k]))('%s: probes hit served routes on the port the app listens on', (k) => {
    const objects = rendered.find(([name]) => name === k)?.[1] as K8sObject[];
    for (const container of workloadContainers(objects, exampleSecrets()).filter(
      (c) => c.workload.kind === 'Deployment' && !c.init,
    )) {
      const app = container.workload.metadata.name as AppName;
      expect(APP_NAMES).toContain(app);
      const port = Number(container.env.get('PORT') ?? dockerfile.env.get('PORT') ?? DEFAULT_PORTS[app]);
      expect([app, container.ports.map((p) => p.containerPort)]).toEqual([app, [port]]);
      const named = new Map(container.ports.map((p) => [p.name, p.containerPort]));
      expect(container.probes.map((p) => p.kind).sort()).toEqual([
        'livenessProbe',
        'readinessProbe',
        'startupProbe',
      ]);
      for (const probe of container.probes) {
        const probePort = typeof probe.port === 'number' ? probe.port : named.get(probe.port);
        expect([app, probe.kind, probe.path, probePort]).toEqual([
          app,
          probe.kind,
          expect.stringMatching(/^\/health\/(live|ready)$/),
          port,
        ]);
        expect(routes.has(probe.path)).toBe(true);
      }
      expect(container.probes.find((p) => p.kind === 'readinessProbe')?.path).toBe('/health/ready');
      expect(container.probes.find((p) => p.kind === 'livenessProbe')?.path).toBe('/health/live');
    }
    for (const service of objects.filter((o) => o.kind === 'Service')) {
      const ports = (service.spec as { ports: Array<{ targetPort: string | number }> }).ports;
      expect(ports.map((p) => p.targetPort)).toEqual(['http']);
    }
    for (const monitor of objects.filter((o) => o.kind === 'PodMonitor')) {
      const endpoints = (monitor.spec as { podMetricsEndpoints: Array<{ port: string; path: string }> })
        .podMetricsEndpoints;
      expect(endpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics' })]);
    }
  });

  it('compose and the image check health on the PORT the app listens on', () => {
    expect(dockerfile.healthcheck).toContain("process.env.PORT||3000)+'/health/live'");
    expect(dockerfile.env.get('PORT')).toBe('3000');
    for (const [name, service] of appServices) {
      if (name === 'migrator') {
        expect(service.healthcheck?.disable).toBe(true);
        continue;
      }
      const test = (service.healthcheck?.test ?? []).join(' ');
      expect([name, test]).toEqual([
        name,
        expect.stringContaining("process.env.PORT||3000)+'/health/ready'"),
      ]);
    }
    // Only the orchestrator publishes a port, so workers can be scaled.
    expect(appServices.filter(([, s]) => s.ports).map(([n, s]) => [n, s.ports])).toEqual([
      ['orchestrator', ['3000:3000']],
    ]);
    expect(envExample.values.get('PORT')).toBe(dockerfile.env.get('PORT'));
  });
});

describe('commands', () => {
  beforeAll(() => {
    try {
      execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'pipe', timeout: 280_000 });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
      throw new Error(`npm run build failed:\n${stdout?.toString() ?? ''}${stderr?.toString() ?? ''}`);
    }
  }, 300_000);

  /** Every argv the deployment files run in the image: k8s containers, compose services, the image CMD. */
  /** [where, argv, the workload or service it belongs to]. */
  function commands(): Array<[string, string[], string]> {
    const list: Array<[string, string[], string]> = [
      ['Dockerfile CMD', [...dockerfile.entrypoint, ...dockerfile.cmd], 'orchestrator'],
    ];
    for (const [k, objects] of rendered) {
      for (const container of workloadContainers(objects, exampleSecrets())) {
        const owner = container.workload.metadata.name;
        list.push([`${k} ${owner}/${container.name}`, effectiveArgv(container, dockerfile), owner]);
      }
    }
    for (const [name, service] of appServices) {
      list.push([
        `compose ${name}`,
        [...dockerfile.entrypoint, ...(service.command ?? dockerfile.cmd)],
        name,
      ]);
    }
    return list;
  }

  it('keep tini as PID 1 (args, never command, in Kubernetes)', () => {
    expect(dockerfile.entrypoint).toEqual(['/usr/bin/tini', '--']);
    for (const [where, argv] of commands())
      expect([where, argv.slice(0, 2)]).toEqual([where, ['/usr/bin/tini', '--']]);
  });

  it('start scripts that the build produced from sources that exist', () => {
    for (const [where, argv] of commands()) {
      const script = scriptOf(argv);
      expect([where, existsSync(join(ROOT, sourceOf(script)))]).toEqual([where, true]);
      expect([where, script, existsSync(join(ROOT, script))]).toEqual([where, script, true]);
    }
  });

  it('start the app each Deployment and compose service is named after', () => {
    for (const [where, argv, owner] of commands()) {
      const script = scriptOf(argv);
      if (script.includes('/apps/')) {
        const app = /^dist\/apps\/([^/]+)\/src\/main\.js$/.exec(script)?.[1];
        // The migrator runs as the Job crawlflow-migrate in Kubernetes, as the service migrator in compose.
        expect([where, app]).toEqual([where, owner === 'crawlflow-migrate' ? 'migrator' : owner]);
      } else {
        expect([where, script]).toEqual([where, 'dist/tools/deploy/wait-for-schema.js']);
      }
    }
  });
});

describe('metrics used by alerts, dashboard and autoscaling', () => {
  /** Metric names the code declares (`name: 'crawlflow_…'`). */
  function exportedMetrics(): Set<string> {
    const names = new Set<string>();
    for (const file of [
      ...filesUnder(join(ROOT, 'libs'), ['.ts']),
      ...filesUnder(join(ROOT, 'apps'), ['.ts']),
    ]) {
      if (/\.(int-|e2e-)?spec\.ts$/.test(file)) continue;
      for (const match of readFileSync(file, 'utf8').matchAll(/name: '(crawlflow_[a-z0-9_]+)'/g))
        names.add(match[1]);
    }
    return names;
  }

  it('exist in the code', () => {
    const exported = exportedMetrics();
    const files = [
      'k8s/monitoring/prometheusrule.yaml',
      'k8s/monitoring/grafana-dashboard.json',
      'k8s/components/keda/scaledobjects.yaml',
      'k8s/components/hpa/hpa.yaml',
    ];
    const used = new Set<string>();
    for (const file of files) {
      for (const match of readFileSync(join(ROOT, file), 'utf8').matchAll(/\b(crawlflow_[a-z0-9_]+)\b/g))
        used.add(match[1]);
    }
    expect(used.size).toBeGreaterThanOrEqual(8);
    // A histogram's series carry _bucket/_sum/_count suffixes.
    const missing = [...used].filter(
      (name) => !exported.has(name) && !exported.has(name.replace(/_(bucket|sum|count)$/, '')),
    );
    expect(missing).toEqual([]);
  });

  it('the dashboard shows the four key figures', () => {
    const dashboard = JSON.parse(
      readFileSync(join(K8S_DIR, 'monitoring/grafana-dashboard.json'), 'utf8'),
    ) as {
      panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
    };
    const exprs = dashboard.panels.flatMap((panel) => panel.targets.map((t) => t.expr)).join('\n');
    for (const metric of [
      'crawlflow_job_success_ratio',
      'crawlflow_job_avg_execution_seconds',
      'crawlflow_queue_depth',
      'crawlflow_task_retry_ratio',
    ]) {
      expect(exprs).toContain(metric);
    }
    expect(relative(ROOT, join(K8S_DIR, 'monitoring'))).toBe('k8s/monitoring');
  });
});
