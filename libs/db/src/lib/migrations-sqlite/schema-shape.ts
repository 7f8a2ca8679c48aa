/**
 * A schema as both databases can describe it, in SQLite's vocabulary: the MySQL reader maps its
 * types, defaults and collations to what the SQLite migration is meant to declare, so that two
 * shapes compare field by field.
 */
export interface ColumnShape {
  name: string;
  /** The declared SQLite type: INTEGER (auto-increment id), BIGINT, INT, BOOLEAN, VARCHAR(100), … */
  type: string;
  nullable: boolean;
  /** Normalised: null (none, or NULL), `now:ms`, `now:s`, or the literal value without quotes. */
  default: string | null;
  /** What a CHECK holds the column to: `in:A,B` (an enum), `json`, or nothing. */
  check: string | null;
  /** BINARY, NOCASE or RTRIM (SQLite's built-in collations). */
  collation: string;
  /** MySQL only: the column's ON UPDATE clause, which SQLite has no form of. */
  onUpdate?: string;
}

export interface IndexShape {
  unique: boolean;
  /** In key order; a descending column is `name DESC`. */
  columns: string[];
}

export interface TableShape {
  /** In the table's order. */
  columns: ColumnShape[];
  primaryKey: string[];
  indexes: Record<string, IndexShape>;
  /** `(a, b) → parent(x, y) ON DELETE … ON UPDATE …`, sorted. */
  foreignKeys: string[];
  /** MySQL only: CHECK clauses that no column rule above covers. */
  otherChecks?: string[];
}

export interface SchemaShape {
  tables: Record<string, TableShape>;
  /** View name → its column names, in order. */
  views: Record<string, string[]>;
}

/** A default's literal: without quotes, numbers in canonical form ('5', 5 and 5.0 are one default). */
export function normaliseLiteral(value: string): string {
  const quoted = /^'(.*)'$/s.exec(value);
  const literal = quoted ? quoted[1].replace(/''/g, "'") : value;
  return /^-?\d+(\.\d+)?$/.test(literal) ? String(Number(literal)) : literal;
}

const list = (values: readonly string[]): string => `(${values.join(', ')})`;

function diffNames(what: string, mysql: readonly string[], sqlite: readonly string[]): string[] {
  return [
    ...mysql.filter((name) => !sqlite.includes(name)).map((name) => `${what} ${name}: missing in SQLite`),
    ...sqlite.filter((name) => !mysql.includes(name)).map((name) => `${what} ${name}: only in SQLite`),
  ];
}

const COLUMN_FIELDS = ['type', 'nullable', 'default', 'check', 'collation'] as const;

function diffColumns(table: string, mysql: ColumnShape[], sqlite: ColumnShape[]): string[] {
  const differences = diffNames(
    'column',
    mysql.map((column) => `${table}.${column.name}`),
    sqlite.map((column) => `${table}.${column.name}`),
  );
  const order = (columns: ColumnShape[]) => columns.map((column) => column.name);
  if (differences.length === 0 && order(mysql).join() !== order(sqlite).join())
    differences.push(`${table}: column order ${list(order(mysql))} ≠ ${list(order(sqlite))}`);
  for (const column of mysql) {
    const twin = sqlite.find((candidate) => candidate.name === column.name);
    if (column.onUpdate) differences.push(`${table}.${column.name}: ${column.onUpdate} in MySQL only`);
    if (!twin) continue;
    for (const field of COLUMN_FIELDS) {
      if (column[field] !== twin[field])
        differences.push(
          `${table}.${column.name}: ${field} ${String(column[field])} expected, ${String(twin[field])} found`,
        );
    }
  }
  return differences;
}

function diffTable(name: string, mysql: TableShape, sqlite: TableShape): string[] {
  const differences = diffColumns(name, mysql.columns, sqlite.columns);
  if (mysql.primaryKey.join() !== sqlite.primaryKey.join())
    differences.push(`${name}: primary key ${list(mysql.primaryKey)} ≠ ${list(sqlite.primaryKey)}`);
  const indexes = [...new Set([...Object.keys(mysql.indexes), ...Object.keys(sqlite.indexes)])].sort();
  for (const index of indexes) {
    const [expected, found] = [mysql.indexes[index], sqlite.indexes[index]];
    const describe = (shape: IndexShape) => `${shape.unique ? 'UNIQUE ' : ''}${list(shape.columns)}`;
    if (!found) differences.push(`${name}: index ${index} missing in SQLite`);
    else if (!expected) differences.push(`${name}: index ${index} only in SQLite`);
    else if (describe(expected) !== describe(found))
      differences.push(`${name}: index ${index} ${describe(expected)} expected, ${describe(found)} found`);
  }
  differences.push(
    ...diffNames(`${name}: foreign key`, mysql.foreignKeys, sqlite.foreignKeys),
    ...(mysql.otherChecks ?? []).map((check) => `${name}: MySQL CHECK ${check} is not mirrored`),
  );
  return differences;
}

/** Every way in which the SQLite shape differs from the MySQL one, one line each. */
export function diffShapes(mysql: SchemaShape, sqlite: SchemaShape): string[] {
  const tables = Object.keys(mysql.tables).sort();
  const differences = diffNames('table', tables, Object.keys(sqlite.tables).sort());
  for (const table of tables) {
    const twin = sqlite.tables[table];
    if (twin) differences.push(...diffTable(table, mysql.tables[table], twin));
  }
  const views = Object.keys(mysql.views).sort();
  differences.push(...diffNames('view', views, Object.keys(sqlite.views).sort()));
  for (const view of views) {
    const [expected, found] = [mysql.views[view], sqlite.views[view]];
    if (found && expected.join() !== found.join())
      differences.push(`view ${view}: columns ${list(expected)} expected, ${list(found)} found`);
  }
  return differences;
}
