import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { DataSource, EntityManager } from 'typeorm';

type Db = DataSource | EntityManager;

export function urlHash(url: string): string {
  return createHash('sha256').update(url).digest('hex');
}

export interface StoredValidators {
  etag?: string;
  lastModified?: string;
  /** How many records the page yielded when last parsed, if they are kept (list pages). */
  records?: number;
}

export interface NewValidators {
  workflowId: string;
  /** The URL the FETCH asked for. */
  url: string;
  etag?: string;
  lastModified?: string;
  /** The page's records, kept when they feed further fetches (a 304 then re-plans them). */
  records?: ReadonlyArray<Record<string, unknown>>;
}

/**
 * url_validators: a URL's last ETag / Last-Modified per workflow, for INCREMENTAL jobs, written only
 * once everything that follows the page's fetch succeeded (its PARSE, and its STORE when there is
 * one): a run that failed or was cancelled leaves the old ones, so the next run fetches the page in
 * full and stores the change.
 */
export class UrlValidators {
  static async read(db: Db, workflowId: string, url: string): Promise<StoredValidators | undefined> {
    const [row] = (await db.query(
      'SELECT etag, last_modified, records_count FROM url_validators WHERE workflow_id = ? AND url_hash = ?',
      [workflowId, urlHash(url)],
    )) as Array<{ etag: string | null; last_modified: string | null; records_count: number | null }>;
    if (!row || (!row.etag && !row.last_modified)) return undefined;
    return {
      ...(row.etag ? { etag: row.etag } : {}),
      ...(row.last_modified ? { lastModified: row.last_modified } : {}),
      ...(row.records_count !== null ? { records: Number(row.records_count) } : {}),
    };
  }

  /** The records a page yielded when its validators were kept (undefined when none are kept). */
  static async records(db: Db, workflowId: string, url: string): Promise<Array<Record<string, unknown>> | undefined> {
    const [row] = (await db.query(
      'SELECT records_gzip FROM url_validators WHERE workflow_id = ? AND url_hash = ?',
      [workflowId, urlHash(url)],
    )) as Array<{ records_gzip: Buffer | null }>;
    if (!row?.records_gzip) return undefined;
    return JSON.parse(gunzipSync(row.records_gzip).toString('utf8')) as Array<Record<string, unknown>>;
  }

  static async save(manager: EntityManager, rows: readonly NewValidators[]): Promise<void> {
    const kept = rows.filter((row) => row.etag || row.lastModified);
    if (kept.length === 0) return;
    await manager.query(
      `INSERT INTO url_validators (workflow_id, url_hash, url, etag, last_modified, records_gzip, records_count)
       VALUES ?
       ON DUPLICATE KEY UPDATE etag = VALUES(etag), last_modified = VALUES(last_modified),
         records_gzip = VALUES(records_gzip), records_count = VALUES(records_count)`,
      [
        kept.map((row) => [
          row.workflowId,
          urlHash(row.url),
          row.url.slice(0, 2000),
          row.etag?.slice(0, 500) ?? null,
          row.lastModified?.slice(0, 100) ?? null,
          row.records ? gzipSync(Buffer.from(JSON.stringify(row.records), 'utf8')) : null,
          row.records ? row.records.length : null,
        ]),
      ],
    );
  }
}
