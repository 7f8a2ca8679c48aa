import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';

function hash(url: string): string {
  return createHash('sha256').update(url).digest('hex');
}

/** ETag / Last-Modified of a URL's last fetch for this workflow, for INCREMENTAL conditional requests. */
export async function readValidators(
  dataSource: DataSource,
  workflowId: string,
  url: string,
): Promise<{ etag?: string; lastModified?: string } | undefined> {
  const [row] = (await dataSource.query(
    'SELECT etag, last_modified FROM url_validators WHERE workflow_id = ? AND url_hash = ?',
    [workflowId, hash(url)],
  )) as Array<{ etag: string | null; last_modified: string | null }>;
  if (!row || (!row.etag && !row.last_modified)) return undefined;
  return {
    ...(row.etag ? { etag: row.etag } : {}),
    ...(row.last_modified ? { lastModified: row.last_modified } : {}),
  };
}

export async function saveValidators(
  dataSource: DataSource,
  workflowId: string,
  url: string,
  validators: { etag?: string; lastModified?: string },
): Promise<void> {
  if (!validators.etag && !validators.lastModified) return;
  await dataSource.query(
    `INSERT INTO url_validators (workflow_id, url_hash, url, etag, last_modified) VALUES (?, ?, ?, ?, ?)
     ON DUPLICATE KEY UPDATE etag = VALUES(etag), last_modified = VALUES(last_modified)`,
    [
      workflowId,
      hash(url),
      url.slice(0, 2000),
      validators.etag?.slice(0, 500) ?? null,
      validators.lastModified?.slice(0, 100) ?? null,
    ],
  );
}
