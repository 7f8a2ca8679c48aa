import { ItemsRepository, toSqlTimestamp } from '@crawlflow/db';
import type { EntityManager } from 'typeorm';
import { canonicalJson, contentHash } from './canonical-json.util';

export interface StoreItemsInput {
  workflowId: string | number;
  jobId: string | number;
  /** The record field whose value is the item's natural key. */
  key: string;
  records: readonly unknown[];
  /** The time written as first/last seen and changed; default now. */
  now?: Date;
  /**
   * When (database time, 'YYYY-MM-DD HH:MM:SS.mmm') the page behind the records was fetched: a
   * stored item from a later fetch is left as it is (overlapping jobs, a re-run after a lease).
   */
  fetchedAt?: string;
  /**
   * Records of several pages (a coalesced STORE), in order: the first `records` came from the first
   * page, fetched at its `fetchedAt`, and so on. Instead of `fetchedAt`.
   */
  pages?: ReadonlyArray<{ fetchedAt?: string; records: number }>;
  /** Rows per statement (default 500). */
  batchSize?: number;
}

export interface StoreItemsResult {
  inserted: number;
  updated: number;
  unchanged: number;
  skipped: number;
  /** Why records were skipped (the first 20 reasons). */
  skipReasons: string[];
  /** The key of the input's last record written (the job's last_item_id). */
  lastKey?: string;
}

interface Row {
  key: string;
  /** The key as the column's collation compares it (see foldKey). */
  folded: string;
  data: string;
  hash: string;
  fetchedAt: string | null;
}

const MAX_KEY_CHARS = 255; // item_key varchar(255) counts characters
const MAX_BATCH_BYTES = 4 * 1024 * 1024; // well under max_allowed_packet (16 MB by default)
const MAX_REASONS = 20;

/**
 * Upserts records into `crawled_items` by (workflow_id, item_key), in batches of two statements
 * (ItemsRepository): a read of the stored hashes for the batch's keys, to count what is new,
 * changed or the same, then one multi-row upsert. Writes are ordered by the fetch time of the page
 * the records came from, not by arrival: data from an older fetch never replaces newer data. A known
 * key with the same content only moves last_seen_at, so a redelivered STORE task is harmless.
 */
export async function storeItems(manager: EntityManager, input: StoreItemsInput): Promise<StoreItemsResult> {
  const result: StoreItemsResult = { inserted: 0, updated: 0, unchanged: 0, skipped: 0, skipReasons: [] };
  const skip = (reason: string): void => {
    result.skipped += 1;
    if (result.skipReasons.length < MAX_REASONS) result.skipReasons.push(reason);
  };
  // For a key repeated in the input, the record of the latest fetch wins, the last one of equal
  // fetches (as if they were stored one after the other).
  const rows = new Map<string, Row>();
  const fetchedAt = fetchTimes(input);
  input.records.forEach((record, index) => {
    const row = toRow(record, input.key, index, fetchedAt(index), skip);
    if (!row) return;
    const earlier = rows.get(row.folded);
    if (earlier && newer(earlier.fetchedAt, row.fetchedAt)) {
      skip(`record with key "${row.key}" superseded by a record of a later fetch in the batch`);
      return;
    }
    if (earlier) skip(`record with key "${earlier.key}" superseded by a later record with the same key`);
    rows.delete(row.folded);
    rows.set(row.folded, row);
  });
  // Sorted keys: concurrent writers lock index entries in the same order, which avoids deadlocks.
  const ordered = [...rows.values()].sort((a, b) => (a.folded < b.folded ? -1 : a.folded > b.folded ? 1 : 0));
  const now = toSqlTimestamp(input.now ?? new Date());
  for (const batch of batches(ordered, input.batchSize ?? 500)) {
    const known = new Map(
      [
        ...(await ItemsRepository.stored(
          manager,
          String(input.workflowId),
          batch.map((row) => row.key),
        )),
      ].map(([key, item]) => [foldKey(key), item]),
    );
    for (const row of batch) {
      const stored = known.get(row.folded);
      if (stored === undefined) result.inserted += 1;
      else if (newer(stored.fetchedAt, row.fetchedAt))
        skip(`record with key "${row.key}": a later fetch of it is stored`);
      else if (stored.hash === row.hash) result.unchanged += 1;
      else result.updated += 1;
    }
    await ItemsRepository.upsert(
      manager,
      { workflowId: String(input.workflowId), jobId: String(input.jobId), now },
      batch,
    );
  }
  const last = ordered.length > 0 ? [...rows.values()].pop() : undefined;
  return { ...result, ...(last ? { lastKey: last.key } : {}) };
}

/** Each record's fetch time: the input's one, or that of the page it came from. */
function fetchTimes(input: StoreItemsInput): (index: number) => string | null {
  if (!input.pages) return () => input.fetchedAt ?? null;
  const times: Array<string | null> = [];
  for (const page of input.pages)
    for (let i = 0; i < page.records; i += 1) times.push(page.fetchedAt ?? null);
  if (times.length !== input.records.length)
    throw new Error(`pages count ${times.length} records, the input has ${input.records.length}`);
  return (index) => times[index];
}

/** Whether `a` comes from a strictly later fetch than `b` (an unknown time is never later). */
function newer(a: string | null, b: string | null): boolean {
  return a !== null && b !== null && a > b;
}

function toRow(
  record: unknown,
  keyField: string,
  index: number,
  fetchedAt: string | null,
  skip: (reason: string) => void,
): Row | undefined {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    skip(`record ${index}: not an object`);
    return undefined;
  }
  const raw = (record as Record<string, unknown>)[keyField];
  const key =
    typeof raw === 'string'
      ? raw.trim()
      : typeof raw === 'number' && Number.isFinite(raw)
        ? String(raw)
        : undefined;
  if (!key) {
    skip(`record ${index}: no value in key field "${keyField}"`);
    return undefined;
  }
  if ([...key].length > MAX_KEY_CHARS) {
    skip(`record ${index}: key longer than ${MAX_KEY_CHARS} characters (${key.slice(0, 40)}…)`);
    return undefined;
  }
  return { key, folded: foldKey(key), data: canonicalJson(record), hash: contentHash(record), fetchedAt };
}

/**
 * item_key uses utf8mb4_bin: keys compare byte for byte ("ABC" and "abc" are two items), except
 * that the collation pads with spaces, so trailing spaces are ignored. Keys are matched (and
 * de-duplicated) the same way here.
 */
function foldKey(key: string): string {
  return key.replace(/ +$/, '');
}

function* batches(rows: Row[], size: number): Generator<Row[]> {
  let batch: Row[] = [];
  let bytes = 0;
  for (const row of rows) {
    if (batch.length > 0 && (batch.length >= size || bytes + row.data.length > MAX_BATCH_BYTES)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(row);
    bytes += row.data.length;
  }
  if (batch.length > 0) yield batch;
}
