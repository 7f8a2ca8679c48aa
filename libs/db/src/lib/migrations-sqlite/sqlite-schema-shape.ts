import type { Database } from 'better-sqlite3';
import { MigrationInterface, QueryRunner } from 'typeorm';
import { ColumnShape, IndexShape, normaliseLiteral, SchemaShape, TableShape } from './schema-shape';

/** The one thing our migrations ask of a query runner, on a plain better-sqlite3 connection. */
function queryRunnerOf(db: Database): QueryRunner {
  const runner = {
    // A throwing exec becomes a rejection, as a driver's failed query would.
    query: (sql: string) =>
      new Promise<void>((resolve) => {
        db.exec(sql);
        resolve();
      }),
  };
  // The cast: the migrations call query(sql) alone, and nothing else of a QueryRunner.
  return runner as unknown as QueryRunner;
}

/** Applies `migrations` in order (up), or reverts them newest first (down), without TypeORM. */
export async function applySqliteMigrations(
  db: Database,
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's option type, as SQLITE_MIGRATIONS has it
  migrations: readonly Function[],
  direction: 'up' | 'down',
): Promise<void> {
  const runner = queryRunnerOf(db);
  const ordered = direction === 'up' ? migrations : [...migrations].reverse();
  for (const entry of ordered) {
    const Migration = entry as new () => MigrationInterface;
    await new Migration()[direction](runner);
  }
}

/** Splits a parenthesised list at its top-level commas (none inside parentheses or quotes). */
function topLevelParts(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const char = body[i];
    if (quote) {
      if (char === quote) quote = null;
    } else if (char === "'" || char === '"' || char === '`') quote = char;
    else if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (char === ',' && depth === 0) {
      parts.push(body.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(body.slice(start).trim());
  return parts;
}

const TABLE_CONSTRAINT = /^(CONSTRAINT|PRIMARY|UNIQUE|CHECK|FOREIGN)\b/i;

/** Column name → its definition as written in CREATE TABLE (sqlite_master keeps the text). */
function columnDefinitions(createTable: string): Map<string, string> {
  const body = createTable.slice(createTable.indexOf('(') + 1, createTable.lastIndexOf(')'));
  const definitions = new Map<string, string>();
  for (const part of topLevelParts(body)) {
    if (TABLE_CONSTRAINT.test(part)) continue;
    const name = /^["`]?(\w+)["`]?/.exec(part);
    if (name) definitions.set(name[1], part);
  }
  return definitions;
}

function checkOf(definition: string, column: string): string | null {
  const values = new RegExp(`CHECK \\(${column} IN \\(([^)]*)\\)\\)`, 'i').exec(definition);
  if (values) return `in:${[...values[1].matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1]).join(',')}`;
  return new RegExp(`CHECK \\(json_valid\\(${column}\\)\\)`, 'i').test(definition) ? 'json' : null;
}

function normaliseDefault(value: string | null): string | null {
  if (value === null || value.toUpperCase() === 'NULL') return null;
  // pragma_table_info gives an expression default without its parentheses; spacing is the writer's.
  const compact = value.replace(/\s+/g, '').replace(/^\((.*)\)$/, '$1');
  if (compact === "strftime('%Y-%m-%d%H:%M:%f','now')") return 'now:ms';
  if (compact === "strftime('%Y-%m-%d%H:%M:%S','now')") return 'now:s';
  return normaliseLiteral(value);
}

interface TableInfoRow {
  name: string;
  type: string;
  notnull: number;
  dflt_value: string | null;
  pk: number;
}

interface ForeignKeyRow {
  id: number;
  table: string;
  from: string;
  to: string;
  on_update: string;
  on_delete: string;
}

function readTable(db: Database, name: string, sql: string): TableShape {
  const definitions = columnDefinitions(sql);
  const info = db.prepare(`SELECT * FROM pragma_table_info(?)`).all(name) as TableInfoRow[];
  const columns = info.map((row): ColumnShape => {
    const definition = definitions.get(row.name) ?? '';
    return {
      name: row.name,
      type: row.type.toUpperCase(),
      nullable: row.notnull === 0,
      default: normaliseDefault(row.dflt_value),
      check: checkOf(definition, row.name),
      collation: (/\bCOLLATE\s+(\w+)/i.exec(definition)?.[1] ?? 'BINARY').toUpperCase(),
    };
  });
  const primaryKey = info
    .filter((row) => row.pk > 0)
    .sort((a, b) => a.pk - b.pk)
    .map((row) => row.name);

  const indexes: Record<string, IndexShape> = {};
  const list = db.prepare('SELECT * FROM pragma_index_list(?)').all(name) as Array<{
    name: string;
    unique: number;
    origin: string;
  }>;
  for (const index of list.filter((entry) => entry.origin !== 'pk')) {
    const keys = db
      .prepare('SELECT * FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno')
      .all(index.name) as Array<{
      name: string;
      desc: number;
    }>;
    indexes[index.name] = {
      unique: index.unique === 1,
      columns: keys.map((key) => (key.desc ? `${key.name} DESC` : key.name)),
    };
  }

  const references = new Map<number, ForeignKeyRow[]>();
  for (const row of db
    .prepare('SELECT * FROM pragma_foreign_key_list(?) ORDER BY id, seq')
    .all(name) as ForeignKeyRow[])
    references.set(row.id, [...(references.get(row.id) ?? []), row]);
  const foreignKeys = [...references.values()]
    .map((rows) => {
      const [first] = rows;
      return (
        `(${rows.map((row) => row.from).join(', ')}) → ${first.table}(${rows.map((row) => row.to).join(', ')})` +
        ` ON DELETE ${first.on_delete} ON UPDATE ${first.on_update}`
      );
    })
    .sort();
  return { columns, primaryKey, indexes, foreignKeys };
}

/** The schema of an SQLite database, but for SQLite's own tables and the migrations table. */
export function readSqliteShape(db: Database): SchemaShape {
  const objects = db
    .prepare(
      `SELECT type, name, sql FROM sqlite_schema
        WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> 'crawlflow_migrations'`,
    )
    .all() as Array<{ type: string; name: string; sql: string }>;
  const shape: SchemaShape = { tables: {}, views: {} };
  for (const object of objects) {
    if (object.type === 'view')
      shape.views[object.name] = (
        db.prepare('SELECT name FROM pragma_table_info(?)').all(object.name) as Array<{ name: string }>
      ).map((row) => row.name);
    else shape.tables[object.name] = readTable(db, object.name, object.sql);
  }
  return shape;
}

/** Names of everything but SQLite's own objects (and the migrations table): [] once `down` is done. */
export function sqliteObjects(db: Database): string[] {
  return (
    db
      .prepare(
        `SELECT type || ' ' || name AS name FROM sqlite_schema
          WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> 'crawlflow_migrations' ORDER BY name`,
      )
      .all() as Array<{ name: string }>
  ).map((row) => row.name);
}
