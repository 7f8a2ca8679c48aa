import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SampleShop } from '@crawlflow/sample-shop';
import {
  insertSource,
  insertWorkflowWithDefinition,
  type AppCluster,
  type TestDatabase,
} from '@crawlflow/testing';

const ROOT = join(__dirname, '..', '..');

/** What serves the REST API: the cluster's orchestrator or the standalone process. */
type ApiHost = Pick<AppCluster, 'basePort'>;

/** A call to the REST API; a status other than 2xx throws with the answer. */
export async function api<T>(cluster: ApiHost, method: string, path: string, body?: object): Promise<T> {
  const answer = await fetch(`http://127.0.0.1:${cluster.basePort}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (!answer.ok) throw new Error(`${method} ${path}: ${answer.status} ${await answer.text()}`);
  return (await answer.json()) as T;
}

/**
 * The demo's workflow (examples/shop-products.json) on the shop, run as a full scan (every job
 * crawls everything, no conditional requests) with room for every list page.
 */
export async function shopWorkflow(db: TestDatabase, shop: SampleShop, name: string): Promise<string> {
  const definition = raceDefinition();
  const source = await insertSource(db.dataSource, shop.url, `${name}-shop`);
  return insertWorkflowWithDefinition(db.dataSource, definition, {
    sourceId: source,
    name,
    workflowType: 'FULL_SCAN',
  });
}

/** The same workflow created through the API (the standalone process's database is its own). */
export async function shopWorkflowOverApi(host: ApiHost, shop: SampleShop, name: string): Promise<string> {
  const source = await api<{ id: string }>(host, 'POST', '/api/sources', {
    name: `${name}-shop`,
    base_url: shop.url,
  });
  const workflow = await api<{ id: string }>(host, 'POST', '/api/workflows', {
    workflow_name: name,
    workflow_type: 'FULL_SCAN',
    workflow_definition: raceDefinition(),
    source_id: String(source.id),
  });
  return String(workflow.id);
}

function raceDefinition(): Parameters<typeof insertWorkflowWithDefinition>[1] {
  const example = JSON.parse(readFileSync(join(ROOT, 'examples', 'shop-products.json'), 'utf8')) as {
    workflow_definition: Parameters<typeof insertWorkflowWithDefinition>[1];
  };
  const definition = example.workflow_definition;
  const first = definition.steps[0];
  first.config = { ...(first.config as object), max_pages: 100_000 };
  return definition;
}

/** Waits until the job has ended; anything but SUCCESS throws. */
export async function jobFinished(cluster: ApiHost, jobId: string): Promise<void> {
  for (;;) {
    const state = await api<{ status: string }>(cluster, 'GET', `/api/jobs/${jobId}`);
    if (!['PENDING', 'RUNNING', 'PAUSED'].includes(state.status)) {
      if (state.status !== 'SUCCESS') throw new Error(`job ${jobId} ended ${state.status}`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
