/**
 * MySQL statements as the repositories write them (mysql2's `?` placeholders included) into
 * SQLite statements with the same meaning. Pure: compile once per SQL text (cached), bind per call.
 * What it cannot say mechanically it refuses with UntranslatableSqlError; those call sites branch on
 * the dialect (../dialect.ts).
 */
import {
  rewriteCasts,
  rewriteDateFunctions,
  rewriteFunctionsAndOperators,
  rewriteIntervalArithmetic,
  stripLocksAndHints,
} from './mysql-rewrites';
import {
  rewriteEnumOrder,
  rewriteJoinedUpdate,
  rewriteJsonTable,
  rewriteSessionStatement,
  rewriteUpsert,
} from './mysql-statements';
import { lex, significant, sqliteString, type Token } from './sql-lexer';
import { toSqliteTimestamp } from './sqlite-time';
import { isWord, render, w } from './token-tools';

export type SqlVerb = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'OTHER';

/** A value better-sqlite3 binds. */
export type SqliteValue = null | number | bigint | string | Buffer;

export interface CompiledSql {
  /** The statement around its params: `pieces.length === slots.length + 1`. */
  pieces: readonly string[];
  /** For each `?` of the output, the index of the caller's param it stands for. */
  slots: readonly number[];
  verb: SqlVerb;
}

export interface BoundSql {
  sql: string;
  params: SqliteValue[];
  verb: SqlVerb;
}

export interface MysqlCompatOptions {
  /** Enum columns (by name) and their values in declaration order: MySQL sorts them so. */
  enumOrder?: ReadonlyMap<string, readonly string[]>;
  /** Compiled statements kept (LRU). */
  cacheSize?: number;
}

/** SQLite's default limit of bound parameters per statement; past it, values are written inline. */
const MAX_PARAMS = 32_766;

const DML = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'REPLACE', 'WITH', 'VALUES']);

export class MysqlCompat {
  private readonly cache = new Map<string, CompiledSql>();
  private readonly enumOrder: ReadonlyMap<string, readonly string[]>;
  private readonly cacheSize: number;

  constructor(options: MysqlCompatOptions = {}) {
    this.enumOrder = options.enumOrder ?? new Map();
    this.cacheSize = options.cacheSize ?? 1000;
  }

  compile(sql: string): CompiledSql {
    const cached = this.cache.get(sql);
    if (cached) {
      this.cache.delete(sql);
      this.cache.set(sql, cached);
      return cached;
    }
    const compiled = this.translate(sql);
    this.cache.set(sql, compiled);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value as string);
    return compiled;
  }

  /** The SQLite statement and its flat params for a MySQL statement and mysql2-style params. */
  bind(sql: string, params: readonly unknown[] = []): BoundSql {
    const compiled = this.compile(sql);
    const values: SqliteValue[] = [];
    let text = compiled.pieces[0];
    for (let i = 0; i < compiled.slots.length; i += 1) {
      text += expand(params[compiled.slots[i]], values) + compiled.pieces[i + 1];
    }
    if (values.length > MAX_PARAMS) return { sql: inline(text, values), params: [], verb: compiled.verb };
    return { sql: text, params: values, verb: compiled.verb };
  }

  private translate(sql: string): CompiledSql {
    const all = lex(sql, true);
    const t = all.filter(significant);
    const first = t.find((token) => token.kind === 'word');
    const verb = first?.upper ?? '';
    if (isWord(t[0], 'RENAME') && isWord(t[1], 'TABLE') && isWord(t[3], 'TO') && t.length === 5) {
      return { ...render([w('ALTER'), w('TABLE'), t[2], w('RENAME'), w('TO'), t[4]]), verb: 'OTHER' };
    }
    if (!DML.has(verb) && !isWord(t[0], 'SET')) {
      // DDL, pragmas, transaction control: SQLite's own statements, passed through as written.
      const raw = lex(sql, false);
      const { pieces, slots } = renderRaw(raw);
      return { pieces, slots, verb: 'OTHER' };
    }
    const session = rewriteSessionStatement(t);
    if (session) return { ...render(session), verb: 'OTHER' };
    let out: Token[] = stripLocksAndHints(t.map(doubleQuotedString));
    out = rewriteJsonTable(out);
    out = rewriteCasts(out);
    out = rewriteDateFunctions(out);
    out = rewriteFunctionsAndOperators(out);
    out = rewriteIntervalArithmetic(out);
    out = rewriteJoinedUpdate(out, sql);
    out = rewriteUpsert(out);
    out = rewriteEnumOrder(out, this.enumOrder);
    return { ...render(out), verb: verbOf(verb) };
  }
}

/**
 * MySQL reads "…" as a string, SQLite (and TypeORM's SQLite SQL) as an identifier. Identifiers
 * TypeORM quotes are names and aliases (letters, digits, _); anything else in double quotes is a
 * string a MySQL statement wrote.
 */
function doubleQuotedString(token: Token): Token {
  if (token.kind !== 'ident' || !token.text.startsWith('"')) return token;
  const inner = token.text.slice(1, -1);
  if (/^[A-Za-z0-9_$.]*$/.test(inner)) return token;
  const value = inner.replace(/""/g, '"').replace(/\\(.)/g, '$1');
  return { ...token, kind: 'string', text: sqliteString(value), upper: sqliteString(value) };
}

function verbOf(word: string): SqlVerb {
  if (word === 'INSERT' || word === 'REPLACE') return 'INSERT';
  if (word === 'UPDATE' || word === 'DELETE') return word;
  return word === 'SELECT' || word === 'WITH' || word === 'VALUES' ? 'SELECT' : 'OTHER';
}

function renderRaw(tokens: readonly Token[]): { pieces: string[]; slots: number[] } {
  const pieces: string[] = [];
  const slots: number[] = [];
  let out = '';
  for (const token of tokens) {
    if (token.kind === 'param') {
      pieces.push(out);
      slots.push(token.param ?? 0);
      out = '';
    } else out += token.text;
  }
  pieces.push(out);
  return { pieces, slots };
}

/**
 * One `?` and its value as mysql2 formats it: an array is a list (`a, b`), an array of arrays a
 * list of rows (`(a, b), (c, d)`, for `VALUES ?`), anything else one value.
 */
function expand(value: unknown, values: SqliteValue[]): string {
  if (!Array.isArray(value)) {
    values.push(toSqliteValue(value));
    return '?';
  }
  return value
    .map((item) => {
      if (Array.isArray(item)) return `(${item.map((inner) => expand(inner, values)).join(', ')})`;
      values.push(toSqliteValue(item));
      return '?';
    })
    .join(', ');
}

/** A JS value as mysql2 would send it, in the form better-sqlite3 binds. */
export function toSqliteValue(value: unknown): SqliteValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'bigint':
      return value;
    case 'number':
      if (!Number.isFinite(value)) return null;
      // An integer binds as INTEGER (better-sqlite3 binds every number as REAL otherwise).
      return Number.isSafeInteger(value) ? BigInt(value) : value;
    case 'boolean':
      return value ? 1n : 0n;
    default:
      break;
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : toSqliteTimestamp(value);
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value);
  return JSON.stringify(value);
}

/** The statement with its values written in, for a statement with more of them than SQLite binds. */
function inline(sql: string, values: readonly SqliteValue[]): string {
  let index = 0;
  return sql.replace(/\?|'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`/g, (match) =>
    match === '?' ? literal(values[index++]) : match,
  );
}

function literal(value: SqliteValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'bigint' || typeof value === 'number') return String(value);
  if (Buffer.isBuffer(value)) return `X'${value.toString('hex')}'`;
  return `'${value.replace(/'/g, "''")}'`;
}
