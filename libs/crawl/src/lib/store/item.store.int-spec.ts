import { createTestDatabase, insertWorkflow, type TestDatabase } from '@crawlflow/testing';
import { contentHash } from './canonical-json.util';
import { storeItems } from './item.store';

interface ItemRow {
  item_key: string;
  job_id: string;
  data: unknown;
  content_hash: string;
  first_seen_at: Date;
  last_seen_at: Date;
  changed_at: Date;
}

const products = (n: number): Array<Record<string, unknown>> =>
  Array.from({ length: n }, (_, i) => ({
    sku: `SKU-${String(i).padStart(5, '0')}`,
    name: `Product ${i}`,
    price: 1000 + i,
    tags: ['a', 'b'],
  }));

describe('storeItems (real MariaDB/MySQL)', () => {
  let db: TestDatabase;
  let workflowId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
  });

  beforeEach(async () => {
    workflowId = await insertWorkflow(db.dataSource);
  });

  const rows = async (): Promise<ItemRow[]> =>
    db.dataSource.query('SELECT * FROM crawled_items WHERE workflow_id = ? ORDER BY item_key', [workflowId]);

  it('stores 1,000 records once: a second pass leaves them all unchanged', async () => {
    const records = products(1000);
    const t1 = new Date('2026-01-01T00:00:00.000Z');
    const t2 = new Date('2026-01-02T00:00:00.000Z');
    const first = await storeItems(db.dataSource.manager, {
      workflowId,
      jobId: 1,
      key: 'sku',
      records,
      now: t1,
    });
    expect(first).toEqual({
      inserted: 1000,
      updated: 0,
      unchanged: 0,
      skipped: 0,
      skipReasons: [],
      lastKey: 'SKU-00999',
    });
    // Same content, fields in another order: the canonical hash does not change.
    const reordered = records.map(({ price, tags, name, sku }) => ({ tags, price, sku, name }));
    const second = await storeItems(db.dataSource.manager, {
      workflowId,
      jobId: 2,
      key: 'sku',
      records: reordered,
      now: t2,
    });
    expect(second).toEqual({
      inserted: 0,
      updated: 0,
      unchanged: 1000,
      skipped: 0,
      skipReasons: [],
      lastKey: 'SKU-00999',
    });

    const stored = await rows();
    expect(stored).toHaveLength(1000);
    for (const row of stored) {
      expect(row.first_seen_at).toEqual(t1);
      expect(row.changed_at).toEqual(t1);
      expect(row.last_seen_at).toEqual(t2);
      expect(String(row.job_id)).toBe('2');
    }
    expect(stored[0].content_hash).toBe(contentHash(records[0]));
    const data = typeof stored[0].data === 'string' ? JSON.parse(stored[0].data) : stored[0].data;
    expect(data).toEqual(records[0]);
  });

  it('updates exactly the record whose content changed, with a new changed_at', async () => {
    const records = products(50);
    const t1 = new Date('2026-02-01T00:00:00.000Z');
    const t2 = new Date('2026-02-01T06:00:00.000Z');
    await storeItems(db.dataSource.manager, { workflowId, jobId: 1, key: 'sku', records, now: t1 });
    const changed = records.map((r) => (r.sku === 'SKU-00007' ? { ...r, price: 1 } : r));
    const result = await storeItems(db.dataSource.manager, {
      workflowId,
      jobId: 2,
      key: 'sku',
      records: changed,
      now: t2,
      batchSize: 16,
    });
    expect(result).toMatchObject({ inserted: 0, updated: 1, unchanged: 49 });

    const stored = await rows();
    const moved = stored.filter((r) => r.changed_at.getTime() === t2.getTime());
    expect(moved.map((r) => r.item_key)).toEqual(['SKU-00007']);
    const data = typeof moved[0].data === 'string' ? JSON.parse(moved[0].data) : moved[0].data;
    expect(data).toMatchObject({ price: 1 });
    expect(moved[0].first_seen_at).toEqual(t1);
    expect(stored.every((r) => r.last_seen_at.getTime() === t2.getTime())).toBe(true);
  });

  it('skips records without a usable key, with reasons, and keeps the last of a repeated key', async () => {
    const result = await storeItems(db.dataSource.manager, {
      workflowId,
      jobId: 1,
      key: 'sku',
      records: [
        { sku: 'A', v: 1 },
        { name: 'no key' },
        { sku: '' },
        { sku: null },
        { sku: 'x'.repeat(256) },
        { sku: 'ü'.repeat(255), v: 'max length in characters' },
        'not an object',
        { sku: 42, v: 'numeric key' },
        { sku: 'A', v: 2 },
      ],
    });
    expect(result).toMatchObject({ inserted: 3, updated: 0, unchanged: 0, skipped: 6 });
    expect(result.skipReasons.join('\n')).toMatch(/no value in key field "sku"/);
    expect(result.skipReasons.join('\n')).toMatch(/longer than 255/);
    expect(result.skipReasons.join('\n')).toMatch(/superseded/);
    const stored = await rows();
    expect(stored.map((r) => r.item_key).sort()).toEqual(['42', 'A', 'ü'.repeat(255)].sort());
    const a = stored.find((r) => r.item_key === 'A');
    expect(typeof a?.data === 'string' ? JSON.parse(a.data) : a?.data).toEqual({ sku: 'A', v: 2 });
  });

  it('keeps workflows apart and is idempotent under a redelivered batch', async () => {
    const other = await insertWorkflow(db.dataSource);
    const records = products(10);
    await storeItems(db.dataSource.manager, { workflowId, jobId: 1, key: 'sku', records });
    await Promise.all([
      storeItems(db.dataSource.manager, { workflowId, jobId: 1, key: 'sku', records }),
      storeItems(db.dataSource.manager, { workflowId: other, jobId: 3, key: 'sku', records }),
    ]);
    expect(await rows()).toHaveLength(10);
    const [{ n }] = await db.dataSource.query(
      'SELECT COUNT(*) AS n FROM crawled_items WHERE workflow_id = ?',
      [other],
    );
    expect(Number(n)).toBe(10);
  });

  it('orders writes by fetch time, not arrival: records of an older fetch never replace newer data', async () => {
    const store = (jobId: number, price: number, fetchedAt: string) =>
      storeItems(db.dataSource.manager, {
        workflowId,
        jobId,
        key: 'sku',
        records: [{ sku: 'SKU-1', price }],
        fetchedAt,
      });
    // Job 2 fetched later but stores first; job 1's older fetch arrives after it.
    expect(await store(2, 200, '2026-01-01 10:00:05.000')).toMatchObject({ inserted: 1 });
    const late = await store(1, 100, '2026-01-01 10:00:01.000');
    expect(late).toMatchObject({ inserted: 0, updated: 0, skipped: 1 });
    expect(late.skipReasons[0]).toMatch(/a later fetch of it is stored/);
    let [row] = await rows();
    expect([row.data, String(row.job_id)]).toEqual([{ sku: 'SKU-1', price: 200 }, '2']);
    // A still later fetch replaces it.
    expect(await store(3, 300, '2026-01-01 10:00:09.000')).toMatchObject({ updated: 1 });
    [row] = await rows();
    expect([row.data, String(row.job_id)]).toEqual([{ sku: 'SKU-1', price: 300 }, '3']);
  });

  it('stores records of several pages in one call, each ordered by the fetch time of its page', async () => {
    await storeItems(db.dataSource.manager, {
      workflowId,
      jobId: 1,
      key: 'sku',
      records: [{ sku: 'OLD', price: 5 }],
      fetchedAt: '2026-01-01 10:00:05.000',
    });
    const result = await storeItems(db.dataSource.manager, {
      workflowId,
      jobId: 2,
      key: 'sku',
      // Page one (fetched at :09) has NEW and DUP; page two (fetched at :01) has OLD and DUP.
      records: [
        { sku: 'NEW', price: 1 },
        { sku: 'DUP', price: 9 },
        { sku: 'OLD', price: 1 },
        { sku: 'DUP', price: 1 },
      ],
      pages: [
        { fetchedAt: '2026-01-01 10:00:09.000', records: 2 },
        { fetchedAt: '2026-01-01 10:00:01.000', records: 2 },
      ],
    });
    expect(result).toMatchObject({ inserted: 2, updated: 0, unchanged: 0, skipped: 2 });
    expect(result.skipReasons.join('\n')).toMatch(/OLD.*a later fetch of it is stored/);
    expect(result.skipReasons.join('\n')).toMatch(/DUP.*superseded by a record of a later fetch/);
    const stored = Object.fromEntries((await rows()).map((row) => [row.item_key, row.data]));
    expect(stored).toEqual({
      DUP: { sku: 'DUP', price: 9 },
      NEW: { sku: 'NEW', price: 1 },
      OLD: { sku: 'OLD', price: 5 },
    });
    const [fetched] = await db.dataSource.query(
      "SELECT DATE_FORMAT(fetched_at, '%s') AS at FROM crawled_items WHERE workflow_id = ? AND item_key = 'DUP'",
      [workflowId],
    );
    expect(fetched.at).toBe('09');
  });

  it('refuses pages that do not count the records', async () => {
    await expect(
      storeItems(db.dataSource.manager, {
        workflowId,
        jobId: 1,
        key: 'sku',
        records: [{ sku: 'A' }, { sku: 'B' }],
        pages: [{ records: 1 }],
      }),
    ).rejects.toThrow(/pages count 1 records, the input has 2/);
  });
});
