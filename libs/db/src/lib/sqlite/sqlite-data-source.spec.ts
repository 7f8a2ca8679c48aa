import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDatabaseConfig, type DatabaseConfig } from '@crawlflow/config';
import { waitFor } from '@crawlflow/testing';
import { QueryFailedError, type DataSource } from 'typeorm';
import { createDataSource } from '../data-source';
import { databaseErrorCode, probeDatabase } from '../db-errors';
import { CrawlingJob, CrawlingWorkflow } from '../entities';
import { dropDatabase, revertAllMigrations, runMigrations } from '../migrate';
import { SqliteDataSource } from './sqlite-data-source';
import { outsideTransactions } from './write-queue';

// The unit tier may open a temporary SQLite file: it is an embedded library, not a service.
const dir = mkdtempSync(join(tmpdir(), 'cf-sqlite-spec-'));
const configFor = (name: string): DatabaseConfig =>
  loadDatabaseConfig({ DATABASE_URL: `sqlite:${join(dir, `${name}.db`)}` });

let config: DatabaseConfig;
let db: DataSource;
let workflowId: string;

beforeAll(async () => {
  config = configFor(`main-${randomBytes(4).toString('hex')}`);
  await runMigrations(config);
  db = createDataSource(config);
  await db.initialize();
  const inserted: { insertId: number } = await db.query(
    "INSERT INTO crawling_workflows (workflow_name, workflow_type) VALUES ('w', 'FULL_SCAN')",
  );
  workflowId = String(inserted.insertId);
});

afterAll(async () => {
  if (db?.isInitialized) await db.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function newJob(status = 'PENDING'): Promise<string> {
  const result: { insertId: number } = await db.query(
    'INSERT INTO crawling_jobs (workflow_id, status) VALUES (?, ?)',
    [workflowId, status],
  );
  return String(result.insertId);
}

describe('SQLite through the MySQL compatibility layer', () => {
  it('expands mysql2 placeholders: lists and rows', async () => {
    const ids = [await newJob(), await newJob(), await newJob()];
    const rows = await db.query('SELECT id FROM crawling_jobs WHERE id IN (?) ORDER BY id', [ids]);
    expect(rows).toEqual(ids.map((id) => ({ id })));
    const header = await db.query('INSERT INTO crawl_frontier (job_id, url_hash, url, depth) VALUES ?', [
      [
        [ids[0], 'a', 'http://a', 0],
        [ids[0], 'b', 'http://b', 1],
      ],
    ]);
    expect(header).toMatchObject({ affectedRows: 2 });
    expect(
      await db.query('SELECT url_hash, depth FROM crawl_frontier WHERE job_id = ? ORDER BY url_hash', [
        ids[0],
      ]),
    ).toEqual([
      { url_hash: 'a', depth: 0 },
      { url_hash: 'b', depth: 1 },
    ]);
  });

  it('round-trips times as UTC Dates, with the database clock in milliseconds', async () => {
    const at = new Date('2031-05-06T07:08:09.123Z');
    const id = await newJob();
    await db.query('UPDATE crawling_jobs SET scheduled_at = ? WHERE id = ?', [at, id]);
    const [row] = await db.query(
      'SELECT scheduled_at, created_at, NOW(3) AS now FROM crawling_jobs WHERE id = ?',
      [id],
    );
    expect(row.scheduled_at).toEqual(at);
    expect(row.created_at).toBeInstanceOf(Date);
    expect(Math.abs(row.now.getTime() - Date.now())).toBeLessThan(5000);
    const later = await db.query(
      'SELECT scheduled_at + INTERVAL 1500 MICROSECOND AS t FROM crawling_jobs WHERE id = ?',
      [id],
    );
    expect(later[0].t).toEqual(new Date(at.getTime() + 2));
    const job = await db.getRepository(CrawlingJob).findOneByOrFail({ id });
    expect(job.scheduledAt).toEqual(at);
    expect(job.status).toBe('PENDING');
  });

  it('answers BIGINT columns and ids as strings, INT as numbers, boolean as 0/1 (entities: true/false)', async () => {
    const id = await newJob();
    const [row] = await db.query(
      'SELECT id, workflow_id, priority, COUNT(*) AS n FROM crawling_jobs WHERE id = ?',
      [id],
    );
    expect(row).toEqual({ id, workflow_id: workflowId, priority: 5, n: 1 });
    const big = '9007199254740993';
    await db.query('UPDATE crawling_jobs SET target_id = NULL, schedule_id = NULL WHERE id = ?', [id]);
    const [exact] = await db.query('SELECT CAST(? AS SIGNED) AS big, ? + 0 AS small', [BigInt(big), 7]);
    expect(exact).toEqual({ big, small: 7 });
    const [flag] = await db.query('SELECT is_active FROM crawling_workflows WHERE id = ?', [workflowId]);
    expect(flag).toEqual({ is_active: 1 });
    expect((await db.getRepository(CrawlingWorkflow).findOneByOrFail({ id: workflowId })).isActive).toBe(
      true,
    );
  });

  it('upserts with ON DUPLICATE KEY UPDATE and skips with INSERT IGNORE', async () => {
    const job = await newJob();
    const upsert = (etag: string): Promise<unknown> =>
      db.query(
        `INSERT INTO url_validators (workflow_id, url_hash, url, etag) VALUES ?
         ON DUPLICATE KEY UPDATE etag = VALUES(etag)`,
        [[[workflowId, 'h1', 'http://x', etag]]],
      );
    await upsert('one');
    await upsert('two');
    expect(await db.query('SELECT etag FROM url_validators WHERE url_hash = ?', ['h1'])).toEqual([
      { etag: 'two' },
    ]);
    const ignored = await db.query(
      'INSERT IGNORE INTO crawl_frontier (job_id, url_hash, url, depth) VALUES ?',
      [
        [
          [job, 'same', 'http://first', 0],
          [job, 'same', 'http://second', 0],
        ],
      ],
    );
    expect(ignored).toMatchObject({ affectedRows: 1 });
    expect(await db.query('SELECT url FROM crawl_frontier WHERE job_id = ?', [job])).toEqual([
      { url: 'http://first' },
    ]);
  });

  it('maps constraint failures to the MySQL codes callers test, keeping the SQLite code', async () => {
    const key = `k-${randomBytes(3).toString('hex')}`;
    await db.query('INSERT INTO crawling_jobs (workflow_id, idempotency_key) VALUES (?, ?)', [
      workflowId,
      key,
    ]);
    const duplicate = await db
      .query('INSERT INTO crawling_jobs (workflow_id, idempotency_key) VALUES (?, ?)', [workflowId, key])
      .catch((error: unknown) => error);
    expect(duplicate).toBeInstanceOf(QueryFailedError);
    expect(databaseErrorCode(duplicate)).toBe('ER_DUP_ENTRY');
    expect((duplicate as QueryFailedError).driverError).toMatchObject({
      errno: 1062,
      sqliteCode: 'SQLITE_CONSTRAINT_UNIQUE',
    });

    const orphan = await db
      .query('INSERT INTO crawling_jobs (workflow_id) VALUES (?)', ['999999'])
      .catch((error: unknown) => error);
    expect(databaseErrorCode(orphan)).toBe('ER_NO_REFERENCED_ROW_2');
    const parent = await db
      .query('DELETE FROM crawling_workflows WHERE id = ?', [workflowId])
      .catch((error: unknown) => error);
    expect(databaseErrorCode(parent)).toBe('ER_ROW_IS_REFERENCED_2');
  });

  it('reverts its migrations and applies them again', async () => {
    const scratch = configFor(`revert-${randomBytes(4).toString('hex')}`);
    expect(await runMigrations(scratch)).toEqual(['SqliteSchema1764892800001']);
    expect(await revertAllMigrations(scratch)).toEqual(['SqliteSchema1764892800001']);
    expect(await runMigrations(scratch)).toEqual(['SqliteSchema1764892800001']);
    expect(await runMigrations(scratch)).toEqual([]);
    await dropDatabase(scratch);
  });

  it('probes the file as writable', async () => {
    await expect(probeDatabase(db)).resolves.toBeUndefined();
  });
});

describe('one writer at a time', () => {
  it('runs two concurrent transactions one after the other: the one that fails rolls back alone', async () => {
    const order: string[] = [];
    const first = db.transaction(async (manager) => {
      order.push('a:start');
      await manager.query("INSERT INTO crawl_sources (name, base_url) VALUES ('tx-a', 'http://a')");
      await new Promise((resolve) => setTimeout(resolve, 30));
      order.push('a:end');
    });
    const second = db.transaction(async (manager) => {
      order.push('b:start');
      await manager.query("INSERT INTO crawl_sources (name, base_url) VALUES ('tx-b', 'http://b')");
      await new Promise((resolve) => setTimeout(resolve, 5));
      order.push('b:end');
      throw new Error('b fails');
    });
    await first;
    await expect(second).rejects.toThrow('b fails');
    expect(order).toEqual(['a:start', 'a:end', 'b:start', 'b:end']);
    expect(await db.query("SELECT name FROM crawl_sources WHERE name LIKE 'tx-%'")).toEqual([
      { name: 'tx-a' },
    ]);
  });

  it('makes a statement outside the transaction wait for its end; one inside its context joins it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const seen: string[] = [];
    const tx = db.transaction(async (manager) => {
      await manager.query("INSERT INTO crawl_sources (name, base_url) VALUES ('open', 'http://o')");
      // The DataSource, not the manager, but inside the callback: part of the transaction.
      const inside = await db.query("SELECT COUNT(*) AS n FROM crawl_sources WHERE name = 'open'");
      seen.push(`inside:${inside[0].n}`);
      await gate;
      seen.push('commit');
    });
    const outside = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      const rows = await db.query("SELECT COUNT(*) AS n FROM crawl_sources WHERE name = 'open'");
      seen.push(`outside:${rows[0].n}`);
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(seen).toEqual(['inside:1']);
    release();
    await Promise.all([tx, outside]);
    expect(seen).toEqual(['inside:1', 'commit', 'outside:1']);
  });

  it('keeps work handed off with outsideTransactions out of the transaction', async () => {
    let handedOff: Promise<unknown> | undefined;
    await db
      .transaction(async (manager) => {
        await manager.query("INSERT INTO crawl_sources (name, base_url) VALUES ('handed', 'http://h')");
        handedOff = outsideTransactions(() =>
          db.query("SELECT COUNT(*) AS n FROM crawl_sources WHERE name = 'handed'"),
        );
        await new Promise((resolve) => setTimeout(resolve, 20));
        expect((db as SqliteDataSource).writeQueue.waiting).toBe(1);
        throw new Error('rolled back');
      })
      .catch(() => undefined);
    await expect(handedOff).resolves.toEqual([{ n: 0 }]);
  });

  it('nests a transaction begun inside another as a savepoint (TypeORM does on SQLite)', async () => {
    await expect(
      db.transaction(async (outer) => {
        await outer.query("INSERT INTO crawl_sources (name, base_url) VALUES ('kept', 'http://k')");
        await db
          .transaction(async (inner) => {
            await inner.query("INSERT INTO crawl_sources (name, base_url) VALUES ('undone', 'http://u')");
            throw new Error('inner fails');
          })
          .catch(() => undefined);
        await outer.transaction((same) =>
          same.query("UPDATE crawl_sources SET base_url = 'http://k2' WHERE name = 'kept'"),
        );
      }),
    ).resolves.toBeUndefined();
    expect(
      await db.query("SELECT name, base_url FROM crawl_sources WHERE name IN ('kept', 'undone')"),
    ).toEqual([{ name: 'kept', base_url: 'http://k2' }]);
  });

  it('reports a transaction that keeps the connection while statements wait behind it', async () => {
    const reports: string[] = [];
    const stallConfig = configFor(`stall-${randomBytes(4).toString('hex')}`);
    await runMigrations(stallConfig);
    const stalled = new SqliteDataSource(createDataSource(stallConfig).options, {
      stallMs: 200,
      report: (message) => reports.push(message),
    });
    await stalled.initialize();
    try {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const tx = stalled.transaction(async () => gate);
      const waiting = new Promise<void>((resolve) => setImmediate(resolve)).then(() =>
        stalled.query('SELECT 1 AS one'),
      );
      await waitFor(() => reports.length > 0, { timeoutMs: 5000, intervalMs: 20, what: 'the stall report' });
      expect(reports).toHaveLength(1);
      expect(reports[0]).toMatch(/has held the connection for \d+ ms with 1 waiting/);
      expect(reports[0]).toContain('sqlite-data-source.spec.ts');
      release();
      await expect(waiting).resolves.toEqual([{ one: 1 }]);
      await tx;
    } finally {
      await stalled.destroy();
    }
  });
});

describe('one process per file', () => {
  it('refuses a second DataSource on the same file at once, with a clear error', async () => {
    const started = Date.now();
    const second = createDataSource(config);
    await expect(second.initialize()).rejects.toThrow(/the SQLite file .* is in use by another process/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses a second process too, and the file opens again once the first closed it', async () => {
    const script = `
      const Database = require('better-sqlite3');
      try {
        const db = new Database(${JSON.stringify(config.file)}, { timeout: 0 });
        db.pragma('locking_mode = EXCLUSIVE');
        db.pragma('journal_mode = WAL');
        db.exec('BEGIN IMMEDIATE; COMMIT');
        console.log('opened');
      } catch (error) { console.log(error.code); }`;
    const run = (): string =>
      spawnSync(process.execPath, ['-e', script], {
        cwd: process.cwd(),
        encoding: 'utf8',
        timeout: 10_000,
      }).stdout.trim();
    expect(run()).toBe('SQLITE_BUSY');
    const other = configFor(`reopen-${randomBytes(4).toString('hex')}`);
    const first = createDataSource(other);
    await first.initialize();
    await first.destroy();
    const again = createDataSource(other);
    await expect(again.initialize()).resolves.toBe(again);
    await again.destroy();
  });
});
