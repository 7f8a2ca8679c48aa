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
