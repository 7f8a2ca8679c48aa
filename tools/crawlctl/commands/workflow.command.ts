import { readFileSync } from 'node:fs';
import { ApiClient, Json } from '../api-client';
import { UsageError } from '../args';
import { Command, EXIT_OK, printJson, printTable, text } from '../command';

interface ApplyFile {
  workflow_name: string;
  workflow_type: string;
  source?: { name: string; base_url: string };
  workflow_definition: unknown;
  is_active?: boolean;
}

function readApplyFile(path: string): ApplyFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
  const file = parsed as Partial<ApplyFile> | null;
  if (typeof file !== 'object' || file === null || Array.isArray(file)) {
    throw new UsageError(`${path}: expected a JSON object`);
  }
  if (typeof file.workflow_name !== 'string') throw new UsageError(`${path}: workflow_name is required`);
  if (typeof file.workflow_type !== 'string') throw new UsageError(`${path}: workflow_type is required`);
  if (file.workflow_definition === undefined)
    throw new UsageError(`${path}: workflow_definition is required`);
  const source = file.source;
  if (source !== undefined && (typeof source?.name !== 'string' || typeof source?.base_url !== 'string')) {
    throw new UsageError(`${path}: source needs name and base_url`);
  }
  return file as ApplyFile;
}

/** The source with this name, created when missing. */
export async function ensureSource(
  client: ApiClient,
  source: { name: string; base_url: string },
): Promise<Json> {
  const existing = (await client.all('/api/sources')).find((row) => row.name === source.name);
  return existing ?? client.post('/api/sources', source);
}

/** A workflow by numeric id or by name (the current version). */
export async function findWorkflow(client: ApiClient, nameOrId: string): Promise<Json | undefined> {
  if (/^\d{1,20}$/.test(nameOrId)) {
    const byId = await client.get(`/api/workflows/${nameOrId}`).catch(() => undefined);
    if (byId) return byId;
  }
  return (await client.all('/api/workflows')).find((row) => row.workflow_name === nameOrId);
}

export async function resolveWorkflow(client: ApiClient, nameOrId: string): Promise<Json> {
  const workflow = await findWorkflow(client, nameOrId);
  if (!workflow)
    throw new UsageError(`no workflow named or numbered "${nameOrId}" (see: crawlctl workflow list)`);
  return workflow;
}

/** Creates the workflow, or PUTs it (a new version when the definition changed). */
export async function applyWorkflow(
  client: ApiClient,
  file: ApplyFile,
): Promise<{ workflow: Json; created: boolean }> {
  const source = file.source ? await ensureSource(client, file.source) : undefined;
  const body = {
    workflow_name: file.workflow_name,
    workflow_type: file.workflow_type,
    workflow_definition: file.workflow_definition,
    ...(source ? { source_id: String(source.id) } : {}),
    ...(file.is_active !== undefined ? { is_active: file.is_active } : {}),
  };
  const existing = (await client.all('/api/workflows')).find(
    (row) => row.workflow_name === file.workflow_name,
  );
  if (existing)
    return { workflow: await client.put(`/api/workflows/${text(existing.id)}`, body), created: false };
  return { workflow: await client.post('/api/workflows', body), created: true };
}

export const workflowApply: Command = {
  words: ['workflow', 'apply'],
  usage: 'workflow apply -f <file.json>',
  summary: 'create a workflow, or a new version of the one with that name',
  options: ['file'],
  async run({ client, args, stdout }) {
    args.noMorePositionals(0);
    const file = readApplyFile(args.requireString('file'));
    const { workflow, created } = await applyWorkflow(client, file);
    if (args.json) printJson(stdout, workflow);
    else
      stdout.write(
        `workflow ${text(workflow.id)} "${text(workflow.workflow_name)}" ${created ? 'created' : 'applied'} (version ${text(workflow.version)})\n`,
      );
    return EXIT_OK;
  },
};

export const workflowList: Command = {
  words: ['workflow', 'list'],
  usage: 'workflow list',
  summary: 'list workflows',
  options: [],
  async run({ client, args, stdout }) {
    args.noMorePositionals(0);
    if (args.json) {
      printJson(stdout, await client.get('/api/workflows', { limit: 500 }));
      return EXIT_OK;
    }
    const rows = await client.all('/api/workflows');
    printTable(
      stdout,
      ['ID', 'NAME', 'TYPE', 'VERSION', 'ACTIVE', 'SOURCE'],
      rows.map((row) => [
        row.id,
        row.workflow_name,
        row.workflow_type,
        row.version,
        row.is_active,
        row.source_id,
      ]),
    );
    return EXIT_OK;
  },
};
