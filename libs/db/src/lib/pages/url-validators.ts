import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { In } from 'typeorm';
import { Db, managerOf, repositoryOf } from '../db';
import { UrlValidator } from '../entities';

export function urlHash(url: string): string {
  return createHash('sha256').update(url).digest('hex');
}

export interface StoredValidators {
  etag?: string;
  lastModified?: string;
  /** The workflow version whose parse the kept records (or count) come from, if any is kept. */
  recordsVersion?: number;
  /** Whether the records themselves are kept (list pages that fan out). */
  hasRecords: boolean;
}

export interface NewValidators {
  workflowId: string;
  /** The URL the FETCH asked for. */
  url: string;
  etag?: string;
  lastModified?: string;
  /** The workflow version that parsed the page. */
  version?: number;
  /** How many records the page yielded (a 304 list page then knows whether it had items). */
  recordCount?: number;
  /** The page's records, kept when they feed further fetches (a 304 then re-plans them). */
  records?: ReadonlyArray<Record<string, unknown>>;
}

/** What a 304 page brings back from its last parse. */
export interface KeptPage {
  count: number;
  records?: Array<Record<string, unknown>>;
}

/**
 * url_validators: a URL's last ETag / Last-Modified per workflow, for INCREMENTAL jobs, written only
 * once everything that follows the page's fetch succeeded (its PARSE, and its STORE when there is
 * one): a run that failed or was cancelled leaves the old ones, so the next run fetches the page in
 * full and stores the change.
 */
export class UrlValidators {
  static async read(db: Db, workflowId: string, url: string): Promise<StoredValidators | undefined> {
    const row = await repositoryOf(db, UrlValidator).findOne({
      where: { workflowId, urlHash: urlHash(url) },
      select: {
        etag: true,
        lastModified: true,
        recordsVersion: true,
        recordsCount: true,
        workflowId: true,
        urlHash: true,
      },
    });
    if (!row || (!row.etag && !row.lastModified)) return undefined;
    return {
      ...(row.etag ? { etag: row.etag } : {}),
      ...(row.lastModified ? { lastModified: row.lastModified } : {}),
      ...(row.recordsVersion !== null ? { recordsVersion: row.recordsVersion } : {}),
      hasRecords: row.recordsCount !== null && row.recordsVersion !== null,
    };
  }

  /**
   * For pages that answered 304: what their last parse by this workflow version yielded (its
   * records where they are kept). Pages parsed by another version, or never, are absent.
   */
  static async kept(
    db: Db,
    workflowId: string,
    version: number,
    urls: readonly string[],
  ): Promise<Map<string, KeptPage>> {
    if (urls.length === 0) return new Map();
    const byHash = new Map(urls.map((url) => [urlHash(url), url]));
    const rows = await repositoryOf(db, UrlValidator).find({
      where: { workflowId, urlHash: In([...byHash.keys()]), recordsVersion: version },
      select: { urlHash: true, recordsGzip: true, recordsCount: true, workflowId: true },
    });
    const kept = new Map<string, KeptPage>();
    for (const row of rows) {
      const url = byHash.get(row.urlHash);
      if (url === undefined || row.recordsCount === null) continue;
      kept.set(url, {
        count: row.recordsCount,
        ...(row.recordsGzip
          ? {
              records: JSON.parse(gunzipSync(row.recordsGzip).toString('utf8')) as Array<
                Record<string, unknown>
              >,
            }
          : {}),
      });
    }
    return kept;
  }

  /** SQL: one multi-row upsert for the whole batch. */
  static async save(db: Db, rows: readonly NewValidators[]): Promise<void> {
    const kept = rows.filter((row) => row.etag || row.lastModified);
    if (kept.length === 0) return;
    await managerOf(db).query(
      `INSERT INTO url_validators
         (workflow_id, url_hash, url, etag, last_modified, records_gzip, records_count, records_version)
       VALUES ?
       ON DUPLICATE KEY UPDATE etag = VALUES(etag), last_modified = VALUES(last_modified),
         records_gzip = VALUES(records_gzip), records_count = VALUES(records_count),
         records_version = VALUES(records_version)`,
      [
        kept.map((row) => [
          row.workflowId,
          urlHash(row.url),
          row.url.slice(0, 2000),
          row.etag?.slice(0, 500) ?? null,
          row.lastModified?.slice(0, 100) ?? null,
          row.records ? gzipSync(Buffer.from(JSON.stringify(row.records), 'utf8')) : null,
          row.records?.length ?? row.recordCount ?? null,
          row.version ?? null,
        ]),
      ],
    );
  }
}
