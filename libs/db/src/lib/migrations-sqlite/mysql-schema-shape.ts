import { DataSource } from 'typeorm';
import { ColumnShape, normaliseLiteral, SchemaShape, TableShape } from './schema-shape';

interface ColumnRow {
  TABLE_NAME: string;
  COLUMN_NAME: string;
  DATA_TYPE: string;
  COLUMN_TYPE: string;
  IS_NULLABLE: string;
  COLUMN_DEFAULT: string | null;
  EXTRA: string;
  COLLATION_NAME: string | null;
}

interface IndexRow {
  TABLE_NAME: string;
  INDEX_NAME: string;
  NON_UNIQUE: number | string;
  COLUMN_NAME: string;
  COLLATION: string | null;
}

interface ForeignKeyRow {
  TABLE_NAME: string;
  CONSTRAINT_NAME: string;
  COLUMN_NAME: string;
  REFERENCED_TABLE_NAME: string;
  REFERENCED_COLUMN_NAME: string;
  UPDATE_RULE: string;
  DELETE_RULE: string;
}

const INTEGER_TYPES: Record<string, string> = {
  bigint: 'BIGINT',
  int: 'INT',
  mediumint: 'MEDIUMINT',
  smallint: 'SMALLINT',
  tinyint: 'TINYINT',
};

const SIMPLE_TYPES: Record<string, string> = {
  ...INTEGER_TYPES,
  tinytext: 'TEXT',
  text: 'TEXT',
  mediumtext: 'TEXT',
  longtext: 'TEXT',
  json: 'JSON',
  tinyblob: 'BLOB',
  blob: 'BLOB',
  mediumblob: 'BLOB',
  longblob: 'BLOB',
  binary: 'BLOB',
  varbinary: 'BLOB',
  double: 'DOUBLE',
  float: 'FLOAT',
  decimal: 'DECIMAL_TEXT',
  timestamp: 'TIMESTAMP',
  datetime: 'DATETIME',
  date: 'DATE',
  enum: 'TEXT',
};

/** The SQLite type the conventions give a MySQL column (see 1764892800001-SqliteSchema.ts). */
function sqliteType(row: ColumnRow, isBoolean: boolean, isJson: boolean): string {
  if (/auto_increment/i.test(row.EXTRA)) return 'INTEGER';
  if (isBoolean || row.COLUMN_TYPE === 'tinyint(1)') return 'BOOLEAN';
  if (isJson) return 'JSON';
  const sized = /^(varchar|char)\((\d+)\)/.exec(row.COLUMN_TYPE);
  if (sized) return `${sized[1].toUpperCase()}(${sized[2]})`;
  return SIMPLE_TYPES[row.DATA_TYPE] ?? `UNMAPPED ${row.COLUMN_TYPE}`;
}

/** `current_timestamp(3)` (MariaDB), `CURRENT_TIMESTAMP(3)` (MySQL 8): `now:ms`; without digits: `now:s`. */
function normaliseDefault(value: string | null): string | null {
  if (value === null || value.toUpperCase() === 'NULL') return null;
  const now = /^current_timestamp(?:\((\d*)\))?$/i.exec(value);
  if (now) return Number(now[1] || 0) === 3 ? 'now:ms' : Number(now[1] || 0) === 0 ? 'now:s' : value;
  return normaliseLiteral(value);
}

function onUpdate(extra: string): string | undefined {
  const match = /on update current_timestamp(?:\((\d*)\))?/i.exec(extra);
  if (!match) return undefined;
  return Number(match[1] || 0) > 0
    ? `ON UPDATE CURRENT_TIMESTAMP(${match[1]})`
    : 'ON UPDATE CURRENT_TIMESTAMP';
}

/** utf8mb4_bin pads with spaces: SQLite's RTRIM. A case-insensitive collation maps to BINARY by default. */
function sqliteCollation(collation: string | null): string {
  return collation && /_bin$/.test(collation) ? 'RTRIM' : 'BINARY';
}

function enumValues(columnType: string): string[] {
  return [...columnType.matchAll(/'((?:[^']|'')*)'/g)].map((match) => match[1].replace(/''/g, "'"));
}

/**
 * The migrated MySQL schema `schema` in SQLite's vocabulary. `booleans` are `table.column` names the
 * entities declare boolean: MySQL stores them as tinyint of any width.
 */
export async function readMysqlShape(
  dataSource: DataSource,
  schema: string,
  booleans: ReadonlySet<string>,
): Promise<SchemaShape> {
  const objects = await dataSource.query<Array<{ TABLE_NAME: string; TABLE_TYPE: string }>>(
    `SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES
      WHERE TABLE_SCHEMA = ? AND TABLE_NAME <> 'crawlflow_migrations'`,
    [schema],
  );
  const columns = await dataSource.query<ColumnRow[]>(
    `SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, COLLATION_NAME
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    [schema],
  );
  const indexes = await dataSource.query<IndexRow[]>(
    `SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, COLLATION FROM information_schema.STATISTICS
      WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
    [schema],
  );
  const foreignKeys = await dataSource.query<ForeignKeyRow[]>(
    `SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME,
            r.UPDATE_RULE, r.DELETE_RULE
       FROM information_schema.KEY_COLUMN_USAGE k
       JOIN information_schema.REFERENTIAL_CONSTRAINTS r
         ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
        AND r.TABLE_NAME = k.TABLE_NAME
      WHERE k.TABLE_SCHEMA = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL
      ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`,
    [schema],
  );
  // MariaDB keeps json as longtext with a json_valid() check; MySQL 8 has a json type.
  const checks = await dataSource.query<Array<{ TABLE_NAME: string; CHECK_CLAUSE: string }>>(
    'SELECT TABLE_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?',
    [schema],
  );
  const jsonColumns = new Set<string>();
  const otherChecks = new Map<string, string[]>();
  for (const check of checks) {
    const json = /^json_valid\(`?(\w+)`?\)$/i.exec(check.CHECK_CLAUSE.trim());
    if (json) jsonColumns.add(`${check.TABLE_NAME}.${json[1]}`);
    else
      otherChecks.set(check.TABLE_NAME, [...(otherChecks.get(check.TABLE_NAME) ?? []), check.CHECK_CLAUSE]);
  }

  const shape: SchemaShape = { tables: {}, views: {} };
  for (const object of objects) {
    if (object.TABLE_TYPE === 'VIEW') shape.views[object.TABLE_NAME] = [];
    else
      shape.tables[object.TABLE_NAME] = {
        columns: [],
        primaryKey: [],
        indexes: {},
        foreignKeys: [],
        otherChecks: otherChecks.get(object.TABLE_NAME) ?? [],
      };
  }
  for (const row of columns) {
    const view = shape.views[row.TABLE_NAME];
    if (view) {
      view.push(row.COLUMN_NAME);
      continue;
    }
    const table: TableShape | undefined = shape.tables[row.TABLE_NAME];
    if (!table) continue;
    const key = `${row.TABLE_NAME}.${row.COLUMN_NAME}`;
    const isJson = row.DATA_TYPE === 'json' || jsonColumns.has(key);
    const column: ColumnShape = {
      name: row.COLUMN_NAME,
      type: sqliteType(row, booleans.has(key), isJson),
      nullable: row.IS_NULLABLE === 'YES',
      default: normaliseDefault(row.COLUMN_DEFAULT),
      check:
        row.DATA_TYPE === 'enum' ? `in:${enumValues(row.COLUMN_TYPE).join(',')}` : isJson ? 'json' : null,
      // A json column's collation (MariaDB: utf8mb4_bin) compares documents, not keys.
      collation: isJson ? 'BINARY' : sqliteCollation(row.COLLATION_NAME),
    };
    const update = onUpdate(row.EXTRA);
    if (update) column.onUpdate = update;
    table.columns.push(column);
  }
  for (const row of indexes) {
    const table: TableShape | undefined = shape.tables[row.TABLE_NAME];
    if (!table) continue;
    const column = row.COLLATION === 'D' ? `${row.COLUMN_NAME} DESC` : row.COLUMN_NAME;
    if (row.INDEX_NAME === 'PRIMARY') table.primaryKey.push(row.COLUMN_NAME);
    else
      (table.indexes[row.INDEX_NAME] ??= { unique: Number(row.NON_UNIQUE) === 0, columns: [] }).columns.push(
        column,
      );
  }
  const constraints = new Map<string, ForeignKeyRow[]>();
  for (const row of foreignKeys) {
    const key = `${row.TABLE_NAME}.${row.CONSTRAINT_NAME}`;
    constraints.set(key, [...(constraints.get(key) ?? []), row]);
  }
  for (const rows of constraints.values()) {
    const [first] = rows;
    shape.tables[first.TABLE_NAME].foreignKeys.push(
      `(${rows.map((row) => row.COLUMN_NAME).join(', ')}) → ${first.REFERENCED_TABLE_NAME}` +
        `(${rows.map((row) => row.REFERENCED_COLUMN_NAME).join(', ')})` +
        ` ON DELETE ${first.DELETE_RULE} ON UPDATE ${first.UPDATE_RULE}`,
    );
  }
  for (const table of Object.values(shape.tables)) table.foreignKeys.sort();
  return shape;
}
