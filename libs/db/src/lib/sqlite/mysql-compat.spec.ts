import { MysqlCompat, toSqliteValue } from './mysql-compat';
import { NOW_MS_SQL } from './mysql-rewrites';
import { UntranslatableSqlError } from './token-tools';

const compat = new MysqlCompat({
  enumOrder: new Map([['queue_type', ['HIGH_PRIORITY', 'NORMAL', 'LOW_PRIORITY']]]),
});
const sql = (text: string, params: unknown[] = []): string => compat.bind(text, params).sql;
const NOW_MS = NOW_MS_SQL;

describe('MysqlCompat placeholders', () => {
  it('expands an array into a list and an array of arrays into rows, as mysql2 does', () => {
    expect(compat.bind('SELECT id FROM t WHERE id IN (?) AND k = ?', [['1', '2', '3'], 'x'])).toEqual({
      sql: 'SELECT id FROM t WHERE id IN (?, ?, ?) AND k = ?',
      params: ['1', '2', '3', 'x'],
      verb: 'SELECT',
    });
    expect(
      compat.bind('INSERT INTO t (a, b) VALUES ?', [
        [
          [1, 'x'],
          [2, null],
        ],
      ]),
    ).toEqual({
      sql: 'INSERT INTO t (a, b) VALUES (?, ?), (?, ?)',
      params: [1n, 'x', 2n, null],
      verb: 'INSERT',
    });
  });

  it('binds values as mysql2 writes them: dates as UTC text, booleans as 1/0, objects as JSON', () => {
    const date = new Date('2024-03-04T05:06:07.089Z');
    expect(toSqliteValue(date)).toBe('2024-03-04 05:06:07.089');
    expect(toSqliteValue(true)).toBe(1n);
    expect(toSqliteValue(false)).toBe(0n);
    expect(toSqliteValue(7)).toBe(7n);
    expect(toSqliteValue(1.5)).toBe(1.5);
    expect(toSqliteValue(undefined)).toBeNull();
    expect(toSqliteValue({ a: [1] })).toBe('{"a":[1]}');
    const blob = Buffer.from([0, 1]);
    expect(toSqliteValue(blob)).toBe(blob);
  });

  it('leaves question marks inside strings and identifiers alone', () => {
    expect(compat.bind("SELECT '?' AS q, `a?` FROM t WHERE x = ?", [1]).params).toEqual([1n]);
  });

  it('writes the values in when a statement has more than SQLite binds', () => {
    const rows = Array.from({ length: 17_000 }, (_, i) => [i, `it's ${i}`]);
    const bound = compat.bind('INSERT INTO t (a, b) VALUES ?', [rows]);
    expect(bound.params).toEqual([]);
    expect(bound.sql).toContain("(16999, 'it''s 16999')");
  });

  it('follows params that the translation moves (UPDATE … JOIN puts SET before the join)', () => {
    const bound = compat.bind('UPDATE a x JOIN b y ON y.id = x.b_id AND y.k = ? SET x.v = ? WHERE x.id = ?', [
      'k',
      'v',
      'id',
    ]);
    expect(bound.sql).toBe(
      'UPDATE a AS x SET v = ? FROM b y WHERE (y.id = x.b_id AND y.k = ?) AND (x.id = ?)',
    );
    expect(bound.params).toEqual(['v', 'k', 'id']);
  });
});

describe('MysqlCompat statements', () => {
  it('INSERT IGNORE → INSERT OR IGNORE', () => {
    expect(sql('INSERT IGNORE INTO crawl_frontier (job_id, url_hash) VALUES ?', [[[1, 'h']]])).toBe(
      'INSERT OR IGNORE INTO crawl_frontier (job_id, url_hash) VALUES (?, ?)',
    );
  });

  it('ON DUPLICATE KEY UPDATE → ON CONFLICT DO UPDATE, VALUES(c) → excluded.c', () => {
    expect(
      sql(
        'INSERT INTO task_data (task_id, kind, body) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE body = VALUES(body), n = n + 1',
      ),
    ).toBe(
      'INSERT INTO task_data (task_id, kind, body) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET body = excluded.body, n = n + 1',
    );
  });

  it('an INSERT … SELECT upsert keeps its WHERE (SQLite needs one before ON CONFLICT)', () => {
    expect(sql('INSERT INTO p (a) SELECT id FROM j ON DUPLICATE KEY UPDATE a = p.a')).toBe(
      'INSERT INTO p (a) SELECT id FROM j WHERE true ON CONFLICT DO UPDATE SET a = p.a',
    );
    expect(
      sql(
        "INSERT INTO p (a) SELECT id FROM j WHERE s = 'R' LOCK IN SHARE MODE ON DUPLICATE KEY UPDATE id = p.id",
      ),
    ).toBe("INSERT INTO p (a) SELECT id FROM j WHERE s = 'R' ON CONFLICT DO UPDATE SET id = p.id");
  });

  it('drops locking clauses', () => {
    expect(sql('SELECT id FROM q WHERE s = 1 ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED', [5])).toBe(
      'SELECT id FROM q WHERE s = 1 ORDER BY id LIMIT ?',
    );
    expect(sql('SELECT s FROM j WHERE id = ? LOCK IN SHARE MODE', [1])).toBe('SELECT s FROM j WHERE id = ?');
    expect(sql('SELECT 1 FROM j FOR UPDATE NOWAIT')).toBe('SELECT 1 FROM j');
    expect(sql('SELECT 1 FROM j FOR SHARE')).toBe('SELECT 1 FROM j');
  });

  it('UPDATE … JOIN JSON_TABLE → UPDATE … FROM a json_each subquery', () => {
    expect(
      sql(
        `UPDATE crawling_queues q JOIN JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT PATH '$[0]', status VARCHAR(16) PATH '$[1]')) v
            ON q.id = v.id SET q.status = v.status, q.updated_at = NOW(3) WHERE q.status IN ('WAITING', 'PROCESSING')`,
        ['[]'],
      ),
    ).toBe(
      'UPDATE crawling_queues AS q SET status = v.status, updated_at = (' +
        NOW_MS +
        ") FROM (SELECT CAST(json_extract(value, '$[0]') AS INTEGER) AS id, json_extract(value, '$[1]') AS status FROM json_each(?)) v" +
        " WHERE (q.id = v.id) AND (q.status IN ('WAITING', 'PROCESSING'))",
    );
  });

  it('refuses an UPDATE … JOIN that writes two tables', () => {
    expect(() => sql('UPDATE e JOIN j ON j.id = e.job_id SET e.a = 1, j.b = 2 WHERE e.id = 1')).toThrow(
      UntranslatableSqlError,
    );
  });

  it('turns session statements into pragmas or nothing', () => {
    expect(sql('SET FOREIGN_KEY_CHECKS = 0')).toBe('PRAGMA foreign_keys = OFF');
    expect(sql("SET time_zone = '+00:00'")).toBe('SELECT NULL WHERE 0');
  });

  it('passes SQLite statements (DDL, pragmas, savepoints, TypeORM) through as written', () => {
    const ddl = "CREATE TABLE x (id INTEGER PRIMARY KEY, t TIMESTAMP DEFAULT (strftime('%Y', 'now')))";
    expect(sql(ddl)).toBe(ddl);
    expect(sql('SAVEPOINT complete_all')).toBe('SAVEPOINT complete_all');
    expect(sql('SELECT "j"."id" AS "j_id" FROM "crawling_jobs" "j" WHERE "j"."id" = ?', [1])).toBe(
      'SELECT "j"."id" AS "j_id" FROM "crawling_jobs" "j" WHERE "j"."id" = ?',
    );
  });

  it('reads a double-quoted text that is no name as MySQL does: a string', () => {
    expect(sql(`INSERT INTO m (c) VALUES ("target.name contains 'board'")`)).toBe(
      "INSERT INTO m (c) VALUES ('target.name contains ''board''')",
    );
    expect(sql('SELECT "CrawlingJob"."id" FROM "crawling_jobs" "CrawlingJob"')).toBe(
      'SELECT "CrawlingJob"."id" FROM "crawling_jobs" "CrawlingJob"',
    );
  });

  it('RENAME TABLE → ALTER TABLE … RENAME TO', () => {
    expect(sql('RENAME TABLE crawled_items TO crawled_items_away')).toBe(
      'ALTER TABLE crawled_items RENAME TO crawled_items_away',
    );
  });

  it('decodes MySQL string escapes', () => {
    expect(sql("SELECT 'it\\'s', 'a''b', 'x\\\\y'")).toBe("SELECT 'it''s', 'a''b', 'x\\y'");
  });
});

describe('MysqlCompat expressions', () => {
  it('writes the clock as millisecond (or second) UTC text', () => {
    expect(sql('SELECT NOW(3) AS now, CURRENT_TIMESTAMP(3), UTC_TIMESTAMP(3)')).toBe(
      `SELECT (${NOW_MS}) AS now, (${NOW_MS}), (${NOW_MS})`,
    );
    expect(sql('SELECT NOW(), CURRENT_TIMESTAMP')).toBe(
      "SELECT (strftime('%Y-%m-%d %H:%M:%S', 'now')), (strftime('%Y-%m-%d %H:%M:%S', 'now'))",
    );
  });

  it('INTERVAL arithmetic → cf_date_add, on the operand before it', () => {
    expect(sql('UPDATE q SET lease_until = NOW(3) + INTERVAL ? MICROSECOND', [1000])).toBe(
      `UPDATE q SET lease_until = cf_date_add((${NOW_MS}), ?, 'MICROSECOND')`,
    );
    expect(sql('SELECT 1 FROM j WHERE j.completed_at >= NOW() - INTERVAL 1 HOUR')).toContain(
      "j.completed_at >= cf_date_add((strftime('%Y-%m-%d %H:%M:%S', 'now')), - (1), 'HOUR')",
    );
    expect(
      sql('SELECT 1 WHERE c < COALESCE(CAST(? AS DATETIME(3)), NOW(3)) - INTERVAL ? DAY', [null, 30]),
    ).toBe(`SELECT 1 WHERE c < cf_date_add(COALESCE(cf_datetime(?), (${NOW_MS})), - (?), 'DAY')`);
    expect(sql("SELECT IF(v.s = 'W', NOW(3) + INTERVAL v.delay_us MICROSECOND, q.s) FROM q")).toBe(
      `SELECT iif(v.s = 'W', cf_date_add((${NOW_MS}), v.delay_us, 'MICROSECOND'), q.s) FROM q`,
    );
    expect(sql('SELECT DATE_SUB(x, INTERVAL 2 DAY), DATE_ADD(x, INTERVAL ? MINUTE) FROM t', [5])).toBe(
      "SELECT cf_date_add(x, - (2), 'DAY'), cf_date_add(x, ?, 'MINUTE') FROM t",
    );
  });

  it('TIMESTAMPDIFF / TIMESTAMPADD take their unit as text; division is exact', () => {
    expect(sql('SELECT TIMESTAMPDIFF(MICROSECOND, NOW(3), MIN(s)) / 1000 AS ms FROM q')).toBe(
      `SELECT cf_timestampdiff('MICROSECOND', (${NOW_MS}), MIN(s)) * 1.0 / 1000 AS ms FROM q`,
    );
    expect(sql('SELECT TIMESTAMPADD(SECOND, 5, x) FROM t')).toBe("SELECT cf_date_add(x, 5, 'SECOND') FROM t");
  });

  it('renames what SQLite has under another name, and answers the system variables read', () => {
    expect(sql('SELECT GREATEST(a, b), LEAST(a, 1), IF(a, 1, 0), CONCAT(a, b) FROM t')).toBe(
      'SELECT max(a, b), min(a, 1), iif(a, 1, 0), cf_concat(a, b) FROM t',
    );
    expect(sql('SELECT @@innodb_autoinc_lock_mode AS mode, @@global.read_only AS ro, @@whatever')).toBe(
      'SELECT 1 AS mode, 0 AS ro, NULL',
    );
    expect(sql('SELECT a <=> b, CAST(x AS SIGNED), CAST(y AS CHAR) FROM t')).toBe(
      'SELECT a IS b, CAST(x AS INTEGER), CAST(y AS TEXT) FROM t',
    );
  });

  it('orders enum columns by their declaration order, as MySQL does', () => {
    expect(sql('SELECT id FROM q ORDER BY queue_type, priority DESC, created_at LIMIT ?', [10])).toBe(
      "SELECT id FROM q ORDER BY CASE queue_type WHEN 'HIGH_PRIORITY' THEN 0 WHEN 'NORMAL' THEN 1 WHEN 'LOW_PRIORITY' THEN 2 END, priority DESC, created_at LIMIT ?",
    );
    expect(sql('SELECT id FROM q ORDER BY status')).toBe('SELECT id FROM q ORDER BY status');
  });

  it('compiles a statement once', () => {
    const fresh = new MysqlCompat();
    const first = fresh.compile('SELECT NOW(3)');
    expect(fresh.compile('SELECT NOW(3)')).toBe(first);
  });
});
