import { gunzipSync, gzipSync } from 'node:zlib';
import type { DataSource, EntityManager } from 'typeorm';
import { chunksByBytes } from './sql-values';

type Db = DataSource | EntityManager;

/** What a task carries that may outgrow its TEXT column: its input (payload) and its output. */
export type TaskDataKind = 'PAYLOAD' | 'OUTPUT';

/**
 * What stands in a TEXT column (crawling_tasks.input_data / output_data, crawling_queues.payload)
 * for a document kept in task_data: the column stays valid JSON, and says where the rest is.
 */
export interface SpilledStub {
  $spilled: 'payload' | 'output';
  bytes: number;
}

export function isSpilled(value: unknown): value is SpilledStub {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    ((value as SpilledStub).$spilled === 'payload' || (value as SpilledStub).$spilled === 'output')
  );
}

export function spilledStub(kind: TaskDataKind, json: string): string {
  const stub: SpilledStub = {
    $spilled: kind === 'PAYLOAD' ? 'payload' : 'output',
    bytes: Buffer.byteLength(json, 'utf8'),
  };
  return JSON.stringify(stub);
}

/**
 * task_data: task documents too large for their TEXT column, gzip-compressed in a LONGBLOB, one per
 * task and kind (like crawl_pages for fetched bodies). Rows stay as long as their task's history:
 * they have no foreign key, so archived tasks keep theirs.
 */
export class TaskData {
  /** Writes (or replaces: a later attempt's output wins) the documents of a batch. */
  static async save(
    manager: EntityManager,
    rows: ReadonlyArray<{ taskId: string; jobId: string; kind: TaskDataKind; json: string }>,
  ): Promise<void> {
    for (const chunk of chunksByBytes(rows, (row) => Buffer.byteLength(row.json))) {
      await manager.query(
        `INSERT INTO task_data (task_id, kind, job_id, body_gzip, body_bytes) VALUES ?
         ON DUPLICATE KEY UPDATE body_gzip = VALUES(body_gzip), body_bytes = VALUES(body_bytes)`,
        [
          chunk.map((row) => {
            const body = Buffer.from(row.json, 'utf8');
            return [row.taskId, row.kind, row.jobId, gzipSync(body), body.length];
          }),
        ],
      );
    }
  }

  /** The JSON text of each task's document of that kind (tasks without one are absent). */
  static async load(db: Db, taskIds: readonly string[], kind: TaskDataKind): Promise<Map<string, string>> {
    if (taskIds.length === 0) return new Map();
    const rows: Array<{ task_id: string; body_gzip: Buffer }> = await db.query(
      'SELECT task_id, body_gzip FROM task_data WHERE task_id IN (?) AND kind = ?',
      [[...new Set(taskIds)], kind],
    );
    return new Map(rows.map((row) => [String(row.task_id), gunzipSync(row.body_gzip).toString('utf8')]));
  }
}
