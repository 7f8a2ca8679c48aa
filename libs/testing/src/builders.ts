import type { DataSource } from 'typeorm';

let counter = 0;

/** A bare workflow row (no steps), enough to hang jobs and tasks on. */
export async function insertWorkflow(
  dataSource: DataSource,
  name = `wf-${Date.now()}-${++counter}`,
): Promise<string> {
  const result: { insertId: number } = await dataSource.query(
    "INSERT INTO crawling_workflows (workflow_name, workflow_type, workflow_definition) VALUES (?, 'FULL_SCAN', ?)",
    [name, JSON.stringify({ steps: [] })],
  );
  return String(result.insertId);
}

export async function insertJob(
  dataSource: DataSource,
  workflowId: string,
  fields: { priority?: number; status?: string } = {},
): Promise<string> {
  const result: { insertId: number } = await dataSource.query(
    'INSERT INTO crawling_jobs (workflow_id, priority, status) VALUES (?, ?, ?)',
    [workflowId, fields.priority ?? 5, fields.status ?? 'RUNNING'],
  );
  return String(result.insertId);
}

/** A source row (the `{base_url}` of its workflows). */
export async function insertSource(
  dataSource: DataSource,
  baseUrl: string,
  name = `source-${Date.now()}-${++counter}`,
): Promise<string> {
  const result: { insertId: number } = await dataSource.query(
    'INSERT INTO crawl_sources (name, base_url) VALUES (?, ?)',
    [name, baseUrl],
  );
  return String(result.insertId);
}

/**
 * A workflow with a definition and its step rows, written straight to the tables (the API's
 * createWorkflow validates and versions; engine tests only need the rows).
 */
export async function insertWorkflowWithDefinition(
  dataSource: DataSource,
  definition: {
    steps: Array<
      { name: string; type: string; error_handling?: string; max_retries?: number } & Record<string, unknown>
    >;
  },
  fields: { sourceId?: string; workflowType?: string; name?: string } = {},
): Promise<string> {
  const result: { insertId: number } = await dataSource.query(
    'INSERT INTO crawling_workflows (source_id, workflow_name, workflow_type, workflow_definition) VALUES (?, ?, ?, ?)',
    [
      fields.sourceId ?? null,
      fields.name ?? `wf-${Date.now()}-${++counter}`,
      fields.workflowType ?? 'FULL_SCAN',
      JSON.stringify(definition),
    ],
  );
  const workflowId = String(result.insertId);
  for (const [index, step] of definition.steps.entries()) {
    await dataSource.query(
      'INSERT INTO workflow_steps (workflow_id, step_order, step_name, step_type, error_handling, max_retries) VALUES (?, ?, ?, ?, ?, ?)',
      [workflowId, index + 1, step.name, step.type, step.error_handling ?? 'RETRY', step.max_retries ?? 3],
    );
  }
  return workflowId;
}
